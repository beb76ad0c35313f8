import { createWriteStream } from 'node:fs';
import { chmod, copyFile, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import pRetry, { AbortError } from 'p-retry';
import { Agent, EnvHttpProxyAgent, interceptors, request, type Dispatcher } from 'undici';
import { InstallerError } from '../engine/errors.js';
import type { DownloadEvent, DownloaderOptions, DownloadRequest, DownloadResult } from './download-types.js';
import { HashPool } from './hash-pool.js';
import { sha256Text } from './hash.js';

export type { DownloadEvent, DownloaderOptions, DownloadRequest, DownloadResult } from './download-types.js';
export { downloadEventSchema } from './download-types.js';

/** Every url failed or served a file whose SHA-256 differs from the pin. */
export class DownloadError extends InstallerError {
  constructor(
    code: 'BUNDLE_DOWNLOAD_FAILED' | 'BUNDLE_CHECKSUM_MISMATCH',
    message: string,
    readonly name_: string,
    readonly attempts: { url: string; error: string; expected?: string; actual?: string }[],
    fix: string,
  ) {
    super(code, message, fix);
    this.name = 'DownloadError';
  }
}

/** A url answered with something that is not the expected file: do not retry it, try the next one. */
class WrongFileError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`SHA-256 ${actual}, expected ${expected}`);
  }
}

/** The default HTTP stack: follows redirects (GitHub releases do) and honours HTTPS_PROXY/NO_PROXY. */
export function defaultDispatcher(env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const httpsProxy = env.HTTPS_PROXY ?? env.https_proxy;
  const httpProxy = env.HTTP_PROXY ?? env.http_proxy;
  const base: Dispatcher =
    httpsProxy || httpProxy
      ? new EnvHttpProxyAgent({ httpProxy, httpsProxy, noProxy: env.NO_PROXY ?? env.no_proxy ?? '' })
      : new Agent();
  return base.compose(interceptors.redirect({ maxRedirections: 5 }));
}

/** Replace the origin of a vendor url by a hospital mirror, keeping the path: mirror/<path>. */
export function mirrorUrl(mirrorBase: string, url: string): string {
  const u = new URL(url);
  const base = mirrorBase.endsWith('/') ? mirrorBase.slice(0, -1) : mirrorBase;
  return `${base}${u.pathname}${u.search}`;
}

export const cachePath = (cacheDir: string, sha256: string): string => path.join(cacheDir, 'sha256', sha256);

async function exists(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch {
    return undefined;
  }
}

/**
 * Put a cache file at dest: a hard link (instant, no extra disk) when both sit on one filesystem,
 * else a copy. Cache files are read-only, and every cache hit is re-hashed before use, so a bundle
 * file edited in place (which would alter the shared inode) is caught and re-downloaded next time.
 */
async function place(from: string, dest: string): Promise<void> {
  await mkdir(path.dirname(dest), { recursive: true });
  await rm(dest, { force: true });
  try {
    await link(from, dest);
  } catch {
    await copyFile(from, dest);
  }
}

/** Counts bytes as they stream and reports a rate at most every 200 ms. */
function progressMeter(
  name: string,
  start: number,
  total: number | undefined,
  emit: (e: DownloadEvent) => void,
): Transform {
  let bytes = start;
  let windowStart = Date.now();
  let windowBytes = 0;
  let lastEmit = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      windowBytes += chunk.length;
      const now = Date.now();
      if (now - lastEmit >= 200) {
        const secs = Math.max((now - windowStart) / 1000, 0.001);
        emit({ type: 'download-progress', name, bytes, total, rate: Math.round(windowBytes / secs) });
        lastEmit = now;
        if (now - windowStart > 1000) {
          windowStart = now;
          windowBytes = 0;
        }
      }
      done(null, chunk);
    },
  });
}

/**
 * One attempt at one url, resuming `part` with an HTTP Range request when it already holds bytes.
 * A server that ignores Range (200 instead of 206) gets the part file rewritten from the start.
 */
async function fetchInto(
  req: DownloadRequest,
  url: string,
  part: string,
  dispatcher: Dispatcher,
  emit: (e: DownloadEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const have = (await exists(part)) ?? 0;
  const headers: Record<string, string> = { 'user-agent': 'qatrack-installer' };
  if (have > 0) headers.range = `bytes=${have}-`;
  const res = await request(url, { dispatcher, headers, signal });
  if (res.statusCode === 416 && have > 0) {
    // The part file already holds everything (or more than) the server has: let the hash decide.
    await res.body.dump();
    return;
  }
  if (res.statusCode >= 400) {
    await res.body.dump();
    const msg = `HTTP ${res.statusCode} from ${url}`;
    if (res.statusCode >= 500 || res.statusCode === 429 || res.statusCode === 408) throw new Error(msg);
    throw new AbortError(msg);
  }
  const resumed = res.statusCode === 206 && have > 0;
  const start = resumed ? have : 0;
  const length = Number(res.headers['content-length'] ?? NaN);
  const total = Number.isFinite(length) ? start + length : req.size;
  emit({ type: 'download-start', name: req.name, url, resumeFrom: start, total });
  await pipeline(
    res.body,
    progressMeter(req.name, start, total, emit),
    createWriteStream(part, { flags: resumed ? 'a' : 'w' }),
  );
  // A dropped connection may end the stream early without an error on some servers.
  const got = (await exists(part)) ?? 0;
  if (total !== undefined && got < total) throw new Error(`connection closed at ${got} of ${total} bytes`);
}

type Hasher = (file: string) => Promise<{ sha256: string; size: number }>;

/** Download one file through the cache, trying each url (with retries) until the hash matches. */
async function downloadOne(
  req: DownloadRequest,
  opts: DownloaderOptions,
  dispatcher: Dispatcher,
  sha256File: Hasher,
): Promise<DownloadResult> {
  const emit = (e: DownloadEvent) => opts.onEvent?.(e);
  if (req.sha256) {
    const cached = cachePath(opts.cacheDir, req.sha256);
    if ((await exists(cached)) !== undefined) {
      // A cache entry is named by its hash but still checked: disks and people alter files.
      await place(cached, req.dest);
      const got = await sha256File(req.dest);
      if (got.sha256 === req.sha256) {
        emit({ type: 'download-done', name: req.name, sha256: req.sha256, size: got.size, fromCache: true });
        return { name: req.name, dest: req.dest, sha256: req.sha256, size: got.size, fromCache: true };
      }
      emit({
        type: 'download-rejected',
        name: req.name,
        url: cached,
        expected: req.sha256,
        actual: got.sha256,
      });
      await rm(cached, { force: true });
      await rm(req.dest, { force: true });
      // The same inode when linked: it is gone now, and the download below replaces it.
    }
  }
  await mkdir(path.join(opts.cacheDir, 'partial'), { recursive: true });
  const attempts: { url: string; error: string; expected?: string; actual?: string }[] = [];
  for (const url of req.urls) {
    // One part file per (pin, url): a resume never mixes bytes from two origins.
    const part = path.join(opts.cacheDir, 'partial', `${sha256Text(`${req.sha256 ?? ''} ${url}`)}.part`);
    try {
      const { sha256, size } = await pRetry(
        async () => {
          await fetchInto(req, url, part, dispatcher, emit, opts.signal);
          const { sha256, size } = await sha256File(part);
          if (req.sha256 && sha256 !== req.sha256) {
            await rm(part, { force: true });
            throw new AbortError(new WrongFileError(req.sha256, sha256));
          }
          return { sha256, size };
        },
        {
          retries: opts.retries ?? 4,
          minTimeout: opts.minRetryDelayMs ?? 500,
          factor: 2,
          randomize: true,
          signal: opts.signal,
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            if (retriesLeft > 0) {
              emit({
                type: 'download-retry',
                name: req.name,
                url,
                attempt: attemptNumber,
                error: error.message,
              });
            }
          },
        },
      );
      const cached = cachePath(opts.cacheDir, sha256);
      await mkdir(path.dirname(cached), { recursive: true });
      await rename(part, cached);
      // Read-only on POSIX (on Windows the read-only attribute would block deleting the bundle).
      if (process.platform !== 'win32') await chmod(cached, 0o444);
      await place(cached, req.dest);
      emit({ type: 'download-done', name: req.name, sha256, size, fromCache: false });
      return { name: req.name, dest: req.dest, sha256, size, fromCache: false, url };
    } catch (err) {
      if (err instanceof WrongFileError) {
        emit({ type: 'download-rejected', name: req.name, url, expected: err.expected, actual: err.actual });
        attempts.push({ url, error: err.message, expected: err.expected, actual: err.actual });
      } else {
        if (opts.signal?.aborted) throw err;
        attempts.push({ url, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
  const wrong = attempts.find((a) => a.actual);
  if (wrong) {
    throw new DownloadError(
      'BUNDLE_CHECKSUM_MISMATCH',
      `${req.name}: every source served a file with the wrong SHA-256 (expected ${wrong.expected}, got ${wrong.actual} from ${wrong.url}).`,
      req.name,
      attempts,
      'Nothing was kept. Check the mirror or proxy for a stale or altered copy; if the vendor really changed the file, re-pin it in the catalog after review.',
    );
  }
  throw new DownloadError(
    'BUNDLE_DOWNLOAD_FAILED',
    `${req.name}: could not download from ${attempts.map((a) => `${a.url} (${a.error})`).join('; ')}.`,
    req.name,
    attempts,
    'Check the network, HTTPS_PROXY, or give --mirror with an internal mirror; rerun to resume partial files.',
  );
}

/** Download many files with a concurrency limit; each is verified before it reaches its dest. */
export async function downloadAll(
  requests: DownloadRequest[],
  opts: DownloaderOptions,
): Promise<DownloadResult[]> {
  const dispatcher = opts.dispatcher ?? defaultDispatcher();
  const limit = pLimit(opts.concurrency ?? 4);
  // Hashing runs on every core while the event loop keeps streaming other downloads.
  const pool = new HashPool();
  const hasher: Hasher = async (file) => {
    const o = await pool.hash(file);
    if ('error' in o) throw new Error(`cannot hash ${file}: ${o.error}`);
    return o;
  };
  try {
    // Settle every download before closing the pool: a failure must not orphan the others mid-hash.
    const settled = await Promise.allSettled(
      requests.map((r) => limit(() => downloadOne(r, opts, dispatcher, hasher))),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<DownloadResult>).value);
  } finally {
    await pool.close();
  }
}
