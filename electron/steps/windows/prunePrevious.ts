import type { ActionInput, SqlConnection } from '../../engine/actions/index.js';
import type { Layout } from '../../engine/layout.js';
import { defineStep } from '../../engine/step.js';
import {
  INSTALLED_RELEASE_FILE,
  installedReleaseSchema,
  type InstalledRelease,
} from '../../engine/upgrade/installed-release.js';
import { BACKUP_RESTORE_TIMEOUT_MS } from './sqlUpgrade.js';

/**
 * The backup file must still read back, checksums included, before the database it is the only
 * copy of goes: RESTORE VERIFYONLY "verifies the backup but does not restore it, and checks to see
 * that the backup set is complete and the entire backup is readable"; WITH CHECKSUM checks the page
 * checksums BACKUP ... WITH CHECKSUM wrote (Microsoft Learn, "RESTORE Statements - VERIFYONLY
 * (Transact-SQL)", https://learn.microsoft.com/sql/t-sql/statements/restore-statements-verifyonly-transact-sql).
 * Read only; a failure is SQL Server's error and nothing after it runs.
 */
export const VERIFY_BACKUP = `RESTORE VERIFYONLY FROM DISK = @file WITH CHECKSUM;`;

/**
 * The 3.x database a 3 -> 4 upgrade left for the rollback, once its keep period ended. Never the
 * database the running release uses (refused by name); a database already gone is fine.
 */
export const DROP_OLD_DATABASE = `IF LEN(@oldDb) > 128 THROW 50001, N'Database name longer than 128 characters.', 1;
IF @oldDb = @runningDb THROW 50005, N'The database to drop is the one the running release uses.', 1;
IF DB_ID(@oldDb) IS NOT NULL
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@oldDb)
        + N' SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ' + QUOTENAME(@oldDb) + N';';
    EXEC sys.sp_executesql @sql;
END;`;

const n = (value: string) => ({ type: 'nvarchar' as const, value });

export function verifyBackup(connection: SqlConnection, server: string, file: string): ActionInput {
  return {
    kind: 'sql',
    describe: `Verify the upgrade's backup ${file} on ${server} (RESTORE VERIFYONLY ... WITH CHECKSUM)`,
    connection,
    batch: VERIFY_BACKUP,
    timeoutMs: BACKUP_RESTORE_TIMEOUT_MS,
    params: { file: n(file) },
  };
}

export function dropOldDatabase(
  connection: SqlConnection,
  server: string,
  oldDb: string,
  runningDb: string,
): ActionInput {
  return {
    kind: 'sql',
    describe: `Drop the old database ${oldDb} on ${server} (its keep period ended; ${runningDb} stays)`,
    connection,
    batch: DROP_OLD_DATABASE,
    params: { oldDb: n(oldDb), runningDb: n(runningDb) },
    effect: { kind: 'dropDatabase', name: oldDb },
  };
}

export interface PrunePrevious {
  record: InstalledRelease;
  previous: NonNullable<InstalledRelease['previous']>;
  /** Folders of the old release that are removed. */
  dirs: string[];
}

const same = (a: string, b: string) =>
  a.replace(/[\\/]+$/, '').toLowerCase() === b.replace(/[\\/]+$/, '').toLowerCase();

/**
 * After an upgrade's keep period (installed-release.json on the target, previous.keepUntil): the old
 * release's folders go and, on the 3 -> 4 path, its database, but only after its backup verified:
 * verify, drop, remove, then the record without `previous`. The actions run in this order and stop
 * at the first failure, so a backup that does not verify leaves everything in place (the caller
 * reports it). A fresh install's release lives in the install folder: only its code and venv go.
 */
export function prunePreviousStep(o: {
  connection: SqlConnection;
  server: string;
  runningDb: string;
  now: Date;
}) {
  return defineStep<PrunePrevious | null>({
    id: 'win-prune-previous',
    title: 'The release an upgrade replaced, after its keep period',
    dependsOn: [],
    async probe(ctx) {
      const file = ctx.layout.join(ctx.layout.stateDir, INSTALLED_RELEASE_FILE);
      const f = await ctx.host.query({ kind: 'file', path: file, content: true });
      if (!f.exists || f.content === undefined) return null;
      const parsed = installedReleaseSchema.safeParse(JSON.parse(f.content));
      if (!parsed.success) throw new Error(`${file} is not a valid installed-release record`);
      const record = parsed.data;
      const previous = record.previous;
      if (!previous?.releaseDir || Date.parse(previous.keepUntil) > o.now.getTime()) return null;
      if (record.releaseDir && same(record.releaseDir, previous.releaseDir)) return null;
      const l = ctx.layout;
      const candidates = same(previous.releaseDir, l.installDir)
        ? [l.join(previous.releaseDir, 'qatrackplus'), l.join(previous.releaseDir, 'venv')]
        : [previous.releaseDir];
      const dirs: string[] = [];
      for (const d of candidates) if ((await ctx.host.query({ kind: 'file', path: d })).exists) dirs.push(d);
      return { record, previous, dirs };
    },
    plan(ctx, p) {
      if (!p) return [];
      const { record, previous } = p;
      const actions: ActionInput[] = [];
      if (previous.database) {
        const recordDb = (record.answers as { database?: { name?: string } } | undefined)?.database?.name;
        if ([o.runningDb, recordDb, record.databaseName].includes(previous.database))
          throw new Error(
            `the installed-release record names ${previous.database} as the old database, but the running release uses it; nothing is dropped`,
          );
        if (!previous.backupFile)
          throw new Error(
            `the installed-release record names the old database ${previous.database} but no backup of it`,
          );
        actions.push(
          verifyBackup(o.connection, o.server, previous.backupFile),
          dropOldDatabase(o.connection, o.server, previous.database, o.runningDb),
        );
      }
      for (const d of p.dirs)
        actions.push({
          kind: 'remove',
          describe: `Remove ${d}: ${previous.release} was replaced by ${record.release} and kept until ${previous.keepUntil.slice(0, 10)}`,
          path: d,
          recursive: true,
        });
      const { previous: _previous, ...kept } = record;
      actions.push({
        kind: 'writeFile',
        describe: `Record that ${previous.release} is gone in ${recordFile(ctx.layout)}`,
        path: recordFile(ctx.layout),
        content: [`${JSON.stringify(kept, null, 2)}\n`],
      });
      return actions;
    },
  });
}

const recordFile = (l: Layout) => l.join(l.stateDir, INSTALLED_RELEASE_FILE);
