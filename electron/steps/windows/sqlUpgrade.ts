import type { ActionInput, SqlConnection } from '../../engine/actions/index.js';
import { ensureUserRoles } from '../../windows/sqlBatches.js';

/**
 * The SQL Server side of the QATrack+ 3.x → 4.0 upgrade, as upstream documents it
 * (docs/install/win_upgrade_from_3_to_4.rst at qatrackplus/qatrackplus 25b9c5d7): a copy-only backup of the 3.x database, restored into
 * a NEW database (qatrackplus40 there) that is then migrated, so the old database stays untouched as
 * the rollback; the `qatrack` and `qatrack_reports` users and roles in the new database.
 *
 * Like electron/windows/sqlBatches.ts, every batch is fixed text: names and paths reach the server
 * as parameters, a database name becomes an identifier only through QUOTENAME, and a path or a
 * logical file name that must sit inside dynamic SQL is a parameter of the inner sp_executesql or
 * an N'...' literal with its quotes doubled by REPLACE on the server. No batch holds a password:
 * the logins already exist (3.x created them) and the connection's password is a SecretRef.
 */

/**
 * Roles in the new database, from upstream's "Create a new database" section: `qatrack` gets
 * db_ddladmin, db_datawriter, db_datareader and db_owner (4.0 adds db_owner: the 32 → 64-bit key
 * migration rebuilds every table), `qatrack_reports` db_datareader only.
 */
export const UPGRADE_40_ROLES = {
  app: ['db_ddladmin', 'db_datawriter', 'db_datareader', 'db_owner'],
  readonly: ['db_datareader'],
} as const;

/**
 * BACKUP DATABASE ... WITH COPY_ONLY (upstream: "Select Copy-only backup": it leaves the
 * differential base and log chain of the hospital's own backup plan alone) and CHECKSUM, then
 * RESTORE VERIFYONLY of that file, so a backup that cannot be read back fails here, before
 * anything depends on it. INIT: the file (a new name per upgrade) holds this one backup set, which
 * is the FILE = 1 that RESTORE reads. Microsoft Learn, "BACKUP (Transact-SQL)" (COPY_ONLY,
 * CHECKSUM, INIT) and "RESTORE VERIFYONLY (Transact-SQL)".
 */
export const BACKUP_COPY_ONLY = `IF LEN(@db) > 128 THROW 50001, N'Database name longer than 128 characters.', 1;
IF DB_ID(@db) IS NULL THROW 50004, N'The database to back up does not exist.', 1;
DECLARE @sql nvarchar(max) = N'BACKUP DATABASE ' + QUOTENAME(@db)
    + N' TO DISK = @f WITH COPY_ONLY, CHECKSUM, INIT, NAME = @n;';
EXEC sys.sp_executesql @sql, N'@f nvarchar(4000), @n nvarchar(128)', @f = @file, @n = @name;
RESTORE VERIFYONLY FROM DISK = @file WITH CHECKSUM;`;

/**
 * RESTORE DATABASE <new> FROM DISK ... WITH MOVE for every file the backup holds, never over an
 * existing database (no REPLACE; refused first). The file list comes from RESTORE FILELISTONLY on
 * the server itself, read with INSERT ... EXEC into a table shaped like its result set (Microsoft
 * Learn, "RESTORE Statements - FILELISTONLY": 21 columns up to TDEThumbprint; SnapshotUrl added in
 * SQL Server 2016, version 13, so it is dropped on older servers or INSERT ... EXEC would fail on
 * the column count). New files go to the instance's default data and log folders
 * (SERVERPROPERTY InstanceDefaultDataPath / InstanceDefaultLogPath, SQL Server 2012 and later)
 * under the new database's name, so they never collide with the old database's files.
 */
export const RESTORE_AS_NEW_DATABASE = `IF LEN(@newDb) > 128 THROW 50001, N'Database name longer than 128 characters.', 1;
IF @newDb = @oldDb THROW 50005, N'The new database must not be the database being upgraded.', 1;
IF @newDb LIKE N'%[\\/:*?"<>|]%' THROW 50007, N'The new database name cannot be part of a file name.', 1;
IF DB_ID(@newDb) IS NOT NULL THROW 50003, N'The new database already exists; the installer never restores over a database.', 1;
DECLARE @dataDir nvarchar(260) = CAST(SERVERPROPERTY('InstanceDefaultDataPath') AS nvarchar(260));
DECLARE @logDir nvarchar(260) = CAST(SERVERPROPERTY('InstanceDefaultLogPath') AS nvarchar(260));
IF @dataDir IS NULL OR @logDir IS NULL THROW 50006, N'SQL Server does not report its default data and log folders (SQL Server 2012 or later is needed).', 1;
IF RIGHT(@dataDir, 1) <> N'\\' SET @dataDir = @dataDir + N'\\';
IF RIGHT(@logDir, 1) <> N'\\' SET @logDir = @logDir + N'\\';
CREATE TABLE #files (
    LogicalName nvarchar(128), PhysicalName nvarchar(260), [Type] char(1), FileGroupName nvarchar(128),
    Size numeric(20, 0), MaxSize numeric(20, 0), FileId bigint, CreateLSN numeric(25, 0),
    DropLSN numeric(25, 0), UniqueId uniqueidentifier, ReadOnlyLSN numeric(25, 0),
    ReadWriteLSN numeric(25, 0), BackupSizeInBytes bigint, SourceBlockSize int, FileGroupId int,
    LogGroupGUID uniqueidentifier, DifferentialBaseLSN numeric(25, 0),
    DifferentialBaseGUID uniqueidentifier, IsReadOnly bit, IsPresent bit, TDEThumbprint varbinary(32),
    SnapshotUrl nvarchar(360));
IF CAST(PARSENAME(CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)), 4) AS int) < 13
    ALTER TABLE #files DROP COLUMN SnapshotUrl;
INSERT INTO #files EXEC sys.sp_executesql N'RESTORE FILELISTONLY FROM DISK = @f', N'@f nvarchar(4000)', @f = @file;
IF NOT EXISTS (SELECT 1 FROM #files) THROW 50008, N'The backup file lists no database files.', 1;
DECLARE @move nvarchar(max) = N'';
DECLARE @id bigint = (SELECT MIN(FileId) FROM #files);
WHILE @id IS NOT NULL
BEGIN
    SELECT @move = @move + N', MOVE N''' + REPLACE(LogicalName, N'''', N'''''') + N''' TO N'''
        + REPLACE(CASE WHEN [Type] = 'L' THEN @logDir ELSE @dataDir END + @newDb
            + CASE WHEN [Type] = 'L' THEN N'_' + CAST(FileId AS nvarchar(20)) + N'_log.ldf'
                   WHEN FileId = 1 THEN N'.mdf'
                   ELSE N'_' + CAST(FileId AS nvarchar(20)) + N'.ndf' END, N'''', N'''''') + N''''
        FROM #files WHERE FileId = @id;
    SET @id = (SELECT MIN(FileId) FROM #files WHERE FileId > @id);
END;
DECLARE @sql nvarchar(max) = N'RESTORE DATABASE ' + QUOTENAME(@newDb)
    + N' FROM DISK = @f WITH CHECKSUM, RECOVERY' + @move + N';';
EXEC sys.sp_executesql @sql, N'@f nvarchar(4000)', @f = @file;
DROP TABLE #files;`;

/**
 * A restored database keeps its users with the SIDs of the server it came from. On the same server
 * they still match their logins; restored elsewhere they are orphaned, and ALTER USER ... WITH
 * LOGIN maps each back to the login of its name (Microsoft Learn, "Troubleshoot orphaned users
 * (SQL Server)"). Roles are then ensured by ENSURE_USER_ROLES (which also creates a missing user).
 */
export const REMAP_RESTORED_USER = `IF LEN(@db) > 128 THROW 50001, N'Database name longer than 128 characters.', 1;
DECLARE @sql nvarchar(max) = N'USE ' + QUOTENAME(@db) + N';
DECLARE @s nvarchar(max);
IF DATABASE_PRINCIPAL_ID(@u) IS NOT NULL AND SUSER_ID(@u) IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = @u AND sid = SUSER_SID(@u))
BEGIN
    SET @s = N''ALTER USER '' + QUOTENAME(@u) + N'' WITH LOGIN = '' + QUOTENAME(@u) + N'';'';
    EXEC sys.sp_executesql @s;
END;';
EXEC sys.sp_executesql @sql, N'@u sysname', @u = @login;`;

/** Rollback on the 3 → 4 path: drop only the new database; the old one was never touched. */
export const DROP_NEW_DATABASE = `IF LEN(@newDb) > 128 THROW 50001, N'Database name longer than 128 characters.', 1;
IF @newDb = @oldDb THROW 50005, N'The new database must not be the database being upgraded.', 1;
IF DB_ID(@newDb) IS NOT NULL
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@newDb)
        + N' SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ' + QUOTENAME(@newDb) + N';';
    EXEC sys.sp_executesql @sql;
END;`;

const n = (value: string) => ({ type: 'nvarchar' as const, value });

/** BACKUP and RESTORE read or write the whole database: hours are possible on a large one. */
export const BACKUP_RESTORE_TIMEOUT_MS = 4 * 60 * 60_000;

export interface Upgrade40Sql {
  /** Where the 3.x database lives (the admin connection the install used). */
  connection: SqlConnection;
  /** For the descriptions, e.g. "sql01,1433". */
  server: string;
  oldDb: string;
  newDb: string;
  /** The .bak file on the SQL Server machine (its service account writes it). */
  backupFile: string;
  /** The app login and the reports login (both exist: 3.x created them). */
  appLogin: string;
  readonlyLogin: string;
  /** Target release, for the backup set's name. */
  release: string;
}

export function backupCopyOnly(u: Upgrade40Sql): ActionInput {
  return {
    kind: 'sql',
    describe: `Back up database ${u.oldDb} on ${u.server} to ${u.backupFile} (copy-only, with checksum, verified)`,
    connection: u.connection,
    batch: BACKUP_COPY_ONLY,
    timeoutMs: BACKUP_RESTORE_TIMEOUT_MS,
    params: {
      db: n(u.oldDb),
      file: n(u.backupFile),
      name: n(`QATrack+ ${u.oldDb} before the upgrade to ${u.release}`.slice(0, 128)),
    },
  };
}

export function restoreAsNewDatabase(u: Upgrade40Sql): ActionInput {
  return {
    kind: 'sql',
    describe: `Restore ${u.backupFile} as the new database ${u.newDb} on ${u.server} (${u.oldDb} stays as it is, for rollback)`,
    connection: u.connection,
    batch: RESTORE_AS_NEW_DATABASE,
    timeoutMs: BACKUP_RESTORE_TIMEOUT_MS,
    params: { newDb: n(u.newDb), oldDb: n(u.oldDb), file: n(u.backupFile) },
    effect: { kind: 'database', name: u.newDb },
  };
}

function usersIn(u: Upgrade40Sql, login: string, roles: readonly string[]): ActionInput[] {
  return [
    {
      kind: 'sql',
      describe: `Map the restored user ${login} in ${u.newDb} to login ${login} if the restore left it orphaned`,
      connection: u.connection,
      batch: REMAP_RESTORED_USER,
      params: { db: n(u.newDb), login: n(login) },
    },
    ensureUserRoles(u.connection, u.newDb, login, [...roles]),
  ];
}

/** Backup, restore into the new database, then its users and roles: in this order. */
export function upgrade40SqlActions(u: Upgrade40Sql): ActionInput[] {
  return [
    backupCopyOnly(u),
    restoreAsNewDatabase(u),
    ...usersIn(u, u.appLogin, UPGRADE_40_ROLES.app),
    ...usersIn(u, u.readonlyLogin, UPGRADE_40_ROLES.readonly),
  ];
}

export function dropNewDatabase(u: Upgrade40Sql): ActionInput {
  return {
    kind: 'sql',
    describe: `Roll back: drop the new database ${u.newDb} on ${u.server} (${u.oldDb} was not changed)`,
    connection: u.connection,
    batch: DROP_NEW_DATABASE,
    params: { newDb: n(u.newDb), oldDb: n(u.oldDb) },
    effect: { kind: 'dropDatabase', name: u.newDb },
  };
}
