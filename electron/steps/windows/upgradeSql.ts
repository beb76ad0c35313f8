import type { ActionInput, SqlConnection } from '../../engine/actions/index.js';
import { BACKUP_RESTORE_TIMEOUT_MS } from './sqlUpgrade.js';

/**
 * Rollback of an in-place upgrade (3.1.1.x -> 3.1.1.y migrates the running database): the copy-only
 * backup taken first is restored over it. SINGLE_USER WITH ROLLBACK IMMEDIATE ends the sessions a
 * restore cannot run beside; REPLACE restores over the existing database of that name; CHECKSUM
 * checks the pages BACKUP ... WITH CHECKSUM wrote (Microsoft Learn, "RESTORE Statements (Transact-SQL)":
 * REPLACE, CHECKSUM; "ALTER DATABASE SET Options": SINGLE_USER, ROLLBACK IMMEDIATE). Fixed text:
 * the name only through QUOTENAME, the file as a parameter of the inner sp_executesql.
 */
export const RESTORE_IN_PLACE = `IF LEN(@db) > 128 THROW 50001, N'Database name longer than 128 characters.', 1;
IF DB_ID(@db) IS NULL THROW 50004, N'The database to restore does not exist.', 1;
DECLARE @sql nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@db) + N' SET SINGLE_USER WITH ROLLBACK IMMEDIATE;
RESTORE DATABASE ' + QUOTENAME(@db) + N' FROM DISK = @f WITH REPLACE, CHECKSUM, RECOVERY;
ALTER DATABASE ' + QUOTENAME(@db) + N' SET MULTI_USER;';
EXEC sys.sp_executesql @sql, N'@f nvarchar(4000)', @f = @file;`;

export function restoreInPlace(o: {
  connection: SqlConnection;
  server: string;
  db: string;
  backupFile: string;
}): ActionInput {
  return {
    kind: 'sql',
    describe: `Roll back: restore ${o.db} on ${o.server} from ${o.backupFile} (as it was before the upgrade)`,
    connection: o.connection,
    batch: RESTORE_IN_PLACE,
    timeoutMs: BACKUP_RESTORE_TIMEOUT_MS,
    params: { db: { type: 'nvarchar', value: o.db }, file: { type: 'nvarchar', value: o.backupFile } },
    effect: { kind: 'database', name: o.db },
  };
}
