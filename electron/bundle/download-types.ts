import type { Dispatcher } from 'undici';
import { z } from 'zod';

/** One file to fetch: tried from each url in order until one serves the expected bytes. */
export interface DownloadRequest {
  /** Display name (catalog id@arch or file name), used in events and errors. */
  name: string;
  urls: string[];
  /** Where the verified file ends up. */
  dest: string;
  /** Expected SHA-256; without it the file is accepted as served and its hash returned (pinning). */
  sha256?: string;
  size?: number;
}

export interface DownloadResult {
  name: string;
  dest: string;
  sha256: string;
  size: number;
  /** True when the cache held the file and nothing was downloaded. */
  fromCache: boolean;
  /** The url that served it (undefined from cache). */
  url?: string;
}

/** Progress for the terminal and the wizard (plain data; the wizard validates it at the IPC boundary). */
export const downloadEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('download-start'),
    name: z.string(),
    url: z.string(),
    resumeFrom: z.number().int().nonnegative(),
    total: z.number().int().nonnegative().optional(),
  }),
  z.object({
    type: z.literal('download-progress'),
    name: z.string(),
    bytes: z.number().int().nonnegative(),
    total: z.number().int().nonnegative().optional(),
    /** Bytes per second over the last second or so. */
    rate: z.number().nonnegative(),
  }),
  z.object({
    type: z.literal('download-retry'),
    name: z.string(),
    url: z.string(),
    attempt: z.number().int(),
    error: z.string(),
  }),
  z.object({
    type: z.literal('download-rejected'),
    name: z.string(),
    url: z.string(),
    expected: z.string(),
    actual: z.string(),
  }),
  z.object({
    type: z.literal('download-done'),
    name: z.string(),
    sha256: z.string(),
    size: z.number().int().nonnegative(),
    fromCache: z.boolean(),
  }),
]);
export type DownloadEvent = z.infer<typeof downloadEventSchema>;

export interface DownloaderOptions {
  /** Cache folder: verified files are kept as `sha256/<hex>`, partial ones as `partial/*.part`. */
  cacheDir: string;
  concurrency?: number;
  /** Retries per url for network failures (not for wrong hashes). */
  retries?: number;
  /** Base delay of the exponential back-off, ms. */
  minRetryDelayMs?: number;
  /** Defaults to an agent that honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY. */
  dispatcher?: Dispatcher;
  onEvent?: (event: DownloadEvent) => void;
  signal?: AbortSignal;
}
