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

interface Job {
  id: number;
  file: string;
  resolve: (o: HashOutcome) => void;
}

/** SHA-256 on every core: one worker thread per core, jobs queued to whichever is free. */
export class HashPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(threads = availableParallelism()) {
    for (let i = 0; i < Math.max(1, threads); i++) {
      const w = new Worker(WORKER_SOURCE, { eval: true });
      w.unref();
      w.on('message', (m: { id: number } & HashOutcome) => {
        const job = this.running.get(w);
        this.running.delete(w);
        const { id: _id, ...outcome } = m;
        job?.resolve(outcome);
        this.idle.push(w);
        this.pump();
      });
      w.on('error', (e) => {
        this.failure = e;
        this.running.get(w)?.resolve({ error: e.message });
        this.running.delete(w);
      });
      this.all.push(w);
      this.idle.push(w);
    }
  }

  hash(file: string): Promise<HashOutcome> {
    if (this.failure) return Promise.resolve({ error: this.failure.message });
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, file, resolve });
      this.pump();
    });
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      const job = this.queue.shift()!;
      this.running.set(w, job);
      w.postMessage({ id: job.id, file: job.file });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}

/** Hash many files on all cores, largest first so the cores finish together. */
export async function hashFiles(
  files: { file: string; size?: number }[],
  threads = availableParallelism(),
): Promise<Map<string, HashOutcome>> {
  const results = new Map<string, HashOutcome>();
  if (files.length === 0) return results;
  const pool = new HashPool(Math.min(threads, files.length));
  try {
    const sorted = [...files].sort((a, b) => (b.size ?? 0) - (a.size ?? 0));
    await Promise.all(sorted.map(async (f) => results.set(f.file, await pool.hash(f.file))));
  } finally {
    await pool.close();
  }
  return results;
}
