import type { Dispatcher } from 'undici';

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

/** Progress for the terminal and the wizard (plain data, JSON-serialisable). */
export type DownloadEvent =
  | { type: 'download-start'; name: string; url: string; resumeFrom: number; total?: number }
  | {
      type: 'download-progress';
      name: string;
      bytes: number;
      total?: number;
      /** Bytes per second over the last second or so. */
      rate: number;
    }
  | { type: 'download-retry'; name: string; url: string; attempt: number; error: string }
  | { type: 'download-rejected'; name: string; url: string; expected: string; actual: string }
  | { type: 'download-done'; name: string; sha256: string; size: number; fromCache: boolean };

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
