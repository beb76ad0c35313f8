import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HostActionError } from '../engine/host.js';

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Copies a bundle file into the staging folder and proves the copy is the file that was checked:
 * it is hashed where it will run from, and only a matching copy takes the final name. A mismatch
 * leaves nothing behind and names the file.
 */
export async function copyVerified(
  from: string,
  to: string,
  sha256: string,
  p: path.PlatformPath = path,
): Promise<void> {
  const partial = `${to}.partial`;
  await mkdir(p.dirname(to), { recursive: true });
  await rm(partial, { force: true });
  await cp(from, partial, { force: true });
  const actual = await sha256OfFile(partial);
  if (actual !== sha256) {
    await rm(partial, { force: true });
    throw new HostActionError(
      'ARTIFACT_CHANGED',
      `${from} is not the file that was checked: its SHA-256 is ${actual}, the verified bundle says ${sha256}. Nothing from it was run.`,
      {
        hint: 'Someone or something changed the bundle after it was verified. Copy the bundle again from a trusted source, run "bundle verify" on it, then run repair.',
      },
    );
  }
  await rename(partial, to);
}
