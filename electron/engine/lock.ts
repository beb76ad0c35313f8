import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';

/** Who holds a lock: written beside proper-lockfile's lock folder so a refusal can name the holder. */
export interface LockOwner {
  pid: number;
  hostname: string;
  since: string;
  /** What the holder is doing, e.g. "run 20261123T1310-ab12cd (install)". */
  what: string;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const ownerFile = (file: string) => `${file}.lock-owner.json`;

export function readLockOwner(file: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(ownerFile(file), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

export type LockResult = { ok: true; release: () => Promise<void> } | { ok: false; owner?: LockOwner };

/**
 * proper-lockfile's lock (a `FILE.lock` folder kept fresh by mtime) plus an owner record. A lock left
 * by a process on this machine that no longer exists (SIGKILL) is taken over at once instead of
 * waiting for it to go stale; a live holder is reported, never waited for.
 */
export async function tryLock(file: string, what: string): Promise<LockResult> {
  mkdirSync(path.dirname(file), { recursive: true });
  const options = {
    realpath: false,
    stale: 10_000,
    lockfilePath: `${file}.lock`,
    // proper-lockfile throws from a timer when it could not refresh the lock in time (a busy machine);
    // that would kill a run mid-step. The run keeps going: the owner record still names it.
    onCompromised: (err: Error) =>
      process.emitWarning(`lock on ${file} could not be refreshed: ${err.message}`),
  };
  const take = async (): Promise<LockResult> => {
    const release = await lockfile.lock(file, options);
    const owner: LockOwner = {
      pid: process.pid,
      hostname: os.hostname(),
      since: new Date().toISOString(),
      what,
    };
    writeFileSync(ownerFile(file), JSON.stringify(owner));
    return {
      ok: true,
      release: async () => {
        rmSync(ownerFile(file), { force: true });
        await release();
      },
    };
  };
  try {
    return await take();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
  }
  const owner = readLockOwner(file);
  if (owner && owner.hostname === os.hostname() && owner.pid !== process.pid && !isAlive(owner.pid)) {
    rmSync(`${file}.lock`, { recursive: true, force: true });
    try {
      return await take();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw e;
      return { ok: false, owner: readLockOwner(file) };
    }
  }
  return { ok: false, owner };
}

export const describeOwner = (o: LockOwner | undefined) =>
  o ? `${o.what}, pid ${o.pid} on ${o.hostname}, since ${o.since}` : 'another process';
