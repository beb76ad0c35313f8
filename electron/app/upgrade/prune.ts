import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Answers } from '../../engine/answers/index.js';
import type { Layout } from '../../engine/layout.js';
import type { SecretStore } from '../../engine/secrets.js';
import { readInstalledRelease, writeInstalledRelease } from '../../engine/upgrade/installed-release.js';
import { dropNewDatabase, pgTool } from '../../hosts/posix/upgrade-backup.js';

export interface PruneResult {
  /** Folders removed. */
  removed: string[];
  /** The major path's old database, dropped. */
  droppedDatabase?: string;
  /** Due, but kept: why, and what to do. */
  warning?: string;
}

/**
 * Whether the dump is still there and readable as an archive: `pg_restore --list` reads the whole
 * table of contents of a custom-format archive and prints it without restoring anything
 * (PostgreSQL docs, pg_restore: "-l --list: List the table of contents of the archive";
 * https://www.postgresql.org/docs/current/app-pgrestore.html). A missing or truncated file fails.
 */
async function dumpReadable(file: string): Promise<{ ok: true } | { ok: false; why: string }> {
  if (!existsSync(file)) return { ok: false, why: `${file} does not exist` };
  const r = await execa(pgTool('pg_restore'), ['--list', file], { reject: false });
  return r.exitCode === 0
    ? { ok: true }
    : {
        ok: false,
        why: `pg_restore --list ${file} failed: ${String(r.stderr).trim() || `exit ${r.exitCode}`}`,
      };
}

/**
 * The release an upgrade replaced is kept until its `keepUntil` (for a manual rollback); the first
 * repair after that removes its code and venv and drops it from the record. On the major path
 * (3.x -> 4.0, a new database) its old database goes too, but only when the upgrade's dump of it
 * exists and reads back; otherwise nothing is removed and the warning says why (the next repair
 * tries again). The running release's folder and database are never removed.
 */
export async function removeExpiredPrevious(
  layout: Layout,
  now = new Date(),
  db?: { answers: Answers; secrets: SecretStore },
): Promise<PruneResult> {
  const record = await readInstalledRelease(layout.stateDir, '');
  const prev = record.source === 'record' ? record.previous : undefined;
  if (!prev?.releaseDir || Date.parse(prev.keepUntil) > now.getTime()) return { removed: [] };
  if (record.releaseDir && path.resolve(record.releaseDir) === path.resolve(prev.releaseDir))
    return { removed: [] };
  // A fresh install's release lives straight in the install folder: only its code and venv go.
  const dirs =
    path.resolve(prev.releaseDir) === path.resolve(layout.installDir)
      ? [path.join(prev.releaseDir, 'qatrackplus'), path.join(prev.releaseDir, 'venv')]
      : [prev.releaseDir];
  const present = dirs.filter((d) => existsSync(d));
  let droppedDatabase: string | undefined;
  if (prev.database) {
    const keptAll = `nothing was removed: kept the database ${prev.database}${present.length ? ` and ${present.join(', ')}` : ''}`;
    if (!db)
      return {
        removed: [],
        warning: `The old database ${prev.database} is due for removal but repair was given no database connection; ${keptAll}.`,
      };
    if ([db.answers.database.name, record.databaseName].includes(prev.database))
      return {
        removed: [],
        warning: `The record names ${prev.database} as the old database, but the running release uses it; ${keptAll}.`,
      };
    const dump = prev.backupFile
      ? await dumpReadable(prev.backupFile)
      : ({ ok: false, why: 'the record names no dump of it' } as const);
    if (!dump.ok)
      return {
        removed: [],
        warning: `${prev.release}'s keep period ended, but the backup of ${prev.database} is not readable (${dump.why}); ${keptAll}. Check the backup (or take a new pg_dump -Fc of ${prev.database} to that file), then run repair again.`,
      };
    await dropNewDatabase(db.answers, db.secrets, prev.database);
    droppedDatabase = prev.database;
  }
  for (const d of present) await rm(d, { recursive: true, force: true });
  const { source: _source, previous: _previous, ...kept } = record;
  await writeInstalledRelease(layout.stateDir, kept);
  return { removed: present, ...(droppedDatabase ? { droppedDatabase } : {}) };
}
