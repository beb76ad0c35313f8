import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Layout } from '../../engine/layout.js';
import { readInstalledRelease, writeInstalledRelease } from '../../engine/upgrade/installed-release.js';

/**
 * The release an upgrade replaced is kept until its `keepUntil` (for a manual rollback); the first
 * repair after that removes its code and venv and drops it from the record. The running release's
 * folder is never removed.
 */
export async function removeExpiredPrevious(layout: Layout, now = new Date()): Promise<string[]> {
  const record = await readInstalledRelease(layout.stateDir, '');
  const prev = record.source === 'record' ? record.previous : undefined;
  if (!prev?.releaseDir || Date.parse(prev.keepUntil) > now.getTime()) return [];
  if (record.releaseDir && path.resolve(record.releaseDir) === path.resolve(prev.releaseDir)) return [];
  // A fresh install's release lives straight in the install folder: only its code and venv go.
  const dirs =
    path.resolve(prev.releaseDir) === path.resolve(layout.installDir)
      ? [path.join(prev.releaseDir, 'qatrackplus'), path.join(prev.releaseDir, 'venv')]
      : [prev.releaseDir];
  const removed = dirs.filter((d) => existsSync(d));
  for (const d of removed) await rm(d, { recursive: true, force: true });
  const { source: _source, previous: _previous, ...kept } = record;
  await writeInstalledRelease(layout.stateDir, kept);
  return removed;
}
