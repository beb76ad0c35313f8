import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/**
 * Worker source, kept as plain JS so it runs the same under tsx, vitest and a bundled Electron app
 * (no loader needed for a .ts worker file). Reads with a reused 4 MiB buffer: a file is streamed,
 * never held in memory, and a dedicated thread may block on its own reads.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const buf = Buffer.allocUnsafe(4 << 20);
parentPort.on('message', ({ id, file }) => {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const hash = createHash('sha256');
    let size = 0, n;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) { hash.update(buf.subarray(0, n)); size += n; }
    parentPort.postMessage({ id, sha256: hash.digest('hex'), size });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
});
`;

export type HashOutcome = { sha256: string; size: number } | { error: string };

/** Hash many files on all cores (one worker per core), largest first so the cores finish together. */
export async function hashFiles(
  files: { file: string; size?: number }[],
  threads = availableParallelism(),
): Promise<Map<string, HashOutcome>> {
  const results = new Map<string, HashOutcome>();
  if (files.length === 0) return results;
  const queue = [...files].sort((a, b) => (b.size ?? 0) - (a.size ?? 0));
  const count = Math.max(1, Math.min(threads, queue.length));
  const workers = Array.from({ length: count }, () => new Worker(WORKER_SOURCE, { eval: true }));
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const next = () => {
              const item = queue.shift();
              if (!item) return resolve();
              worker.postMessage({ id: item.file, file: item.file });
            };
            worker.on('message', (m: { id: string } & HashOutcome) => {
              const { id, ...outcome } = m;
              results.set(id, outcome);
              next();
            });
            worker.on('error', reject);
            next();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
