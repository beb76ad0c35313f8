import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import { HostActionError } from '../../engine/host.js';
import { runProgram } from './run.js';

/**
 * Unpack a release archive. `.tar.gz` goes through node-tar (npm's own, with path-traversal
 * protection and strip built in). `.zip` goes through Python's zipfile, which is always present
 * where the posix host installs (it needs Python anyway) and also refuses `..` entries; node has no
 * zip reader and no well-kept pure-JS zip extractor is in this project. Files already in `dest`
 * that the archive does not contain (local_settings.py) are kept.
 */
export async function extractArchive(
  archive: string,
  dest: string,
  stripComponents: number,
  python = '/usr/bin/python3',
): Promise<void> {
  await mkdir(dest, { recursive: true });
  const lower = archive.toLowerCase();
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz') || lower.endsWith('.tar')) {
    await tar.x({ file: archive, cwd: dest, strip: stripComponents, preservePaths: false });
    return;
  }
  if (!lower.endsWith('.zip'))
    throw new HostActionError('ARCHIVE_UNSUPPORTED', `${archive} is neither a .tar.gz nor a .zip archive.`);
  const staging = await mkdtemp(path.join(path.dirname(dest), '.extract-'));
  try {
    const r = await runProgram(python, ['-m', 'zipfile', '-e', archive, staging]);
    if (r.exitCode !== 0)
      throw new HostActionError('ARCHIVE_UNREADABLE', `Could not unpack ${archive}: ${r.stderr.trim()}`);
    let roots = [staging];
    for (let level = 0; level < stripComponents; level++) {
      const next: string[] = [];
      for (const dir of roots) {
        for (const e of await readdir(dir, { withFileTypes: true }))
          if (e.isDirectory()) next.push(path.join(dir, e.name));
      }
      roots = next;
    }
    for (const root of roots) await cp(root, dest, { recursive: true, force: true });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
