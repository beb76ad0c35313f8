import { labelOf } from '../engine/answers/labels.js';
import type { ActionInput, SqlConnection } from '../engine/actions/index.js';

/**
 * The only T-SQL the installer sends. Every batch is fixed text: names reach the server as
 * parameters and become identifiers through QUOTENAME inside the batch; passwords are parameters
 * too, doubled quotes added by REPLACE on the server. Nothing here is built from user input.
 */

export const CREATE_DATABASE = `IF LEN(@db) > 128 THROW 50001, N'Database name longer than 128 characters.', 1;
IF DB_ID(@db) IS NULL
BEGIN
    DECLARE @sql nvarchar(max) = N'CREATE DATABASE ' + QUOTENAME(@db) + N';';
    EXEC sys.sp_executesql @sql;
END;`;

export const ENSURE_SQL_LOGIN = `IF LEN(@login) > 128 THROW 50001, N'Login name longer than 128 characters.', 1;
DECLARE @sql nvarchar(max);
IF SUSER_ID(@login) IS NULL
BEGIN
    SET @sql = N'CREATE LOGIN ' + QUOTENAME(@login)
        + N' WITH PASSWORD = N''' + REPLACE(@password, N'''', N'''''') + N''''
        + N', DEFAULT_DATABASE = ' + QUOTENAME(@db)
        + N', CHECK_POLICY = ON, CHECK_EXPIRATION = OFF;';
    EXEC sys.sp_executesql @sql;
END
ELSE IF @resetPassword = 1
BEGIN
    SET @sql = N'ALTER LOGIN ' + QUOTENAME(@login)
        + N' WITH PASSWORD = N''' + REPLACE(@password, N'''', N'''''') + N''''
        + N', CHECK_POLICY = ON, CHECK_EXPIRATION = OFF;';
    EXEC sys.sp_executesql @sql;
END;
IF EXISTS (SELECT 1 FROM sys.server_principals WHERE name = @login AND is_disabled = 1)
BEGIN
    SET @sql = N'ALTER LOGIN ' + QUOTENAME(@login) + N' ENABLE;';
    EXEC sys.sp_executesql @sql;
END;`;

export const ENSURE_WINDOWS_LOGIN = `IF SUSER_ID(@login) IS NULL
BEGIN
    DECLARE @sql nvarchar(max) = N'CREATE LOGIN ' + QUOTENAME(@login) + N' FROM WINDOWS;';
    EXEC sys.sp_executesql @sql;
END;`;

/**
 * Map the login to a database user of the same name and add it to each role that is missing. The
 * role list is split with CHARINDEX, not STRING_SPLIT: STRING_SPLIT needs compatibility level 130
 * ("When the level is less than 130, the Database Engine is unable to find the STRING_SPLIT
 * function", https://learn.microsoft.com/sql/t-sql/functions/string-split-transact-sql), and a
 * hospital's SQL Server 2014, or a server whose master kept an older level, answers error 208.
 * Nothing here needs more than SQL Server 2012 (THROW, IS_ROLEMEMBER, ALTER ROLE ... ADD MEMBER).
 */
export const ENSURE_USER_ROLES = `DECLARE @sql nvarchar(max) = N'USE ' + QUOTENAME(@db) + N';
DECLARE @s nvarchar(max);
IF DATABASE_PRINCIPAL_ID(@u) IS NULL
BEGIN
    SET @s = N''CREATE USER '' + QUOTENAME(@u) + N'' FOR LOGIN '' + QUOTENAME(@u) + N'';'';
    EXEC sys.sp_executesql @s;
END;
DECLARE @r sysname;
DECLARE @rest nvarchar(401) = @roleList + N'','';
DECLARE @i int = CHARINDEX(N'','', @rest);
WHILE @i > 0
BEGIN
    SET @r = LEFT(@rest, @i - 1);
    SET @rest = SUBSTRING(@rest, @i + 1, 401);
    IF @r <> N'''' AND ISNULL(IS_ROLEMEMBER(@r, @u), 0) = 0
    BEGIN
        SET @s = N''ALTER ROLE '' + QUOTENAME(@r) + N'' ADD MEMBER '' + QUOTENAME(@u) + N'';'';
        EXEC sys.sp_executesql @s;
    END;
    SET @i = CHARINDEX(N'','', @rest);
END;';
EXEC sys.sp_executesql @sql, N'@u sysname, @roleList nvarchar(400)', @u = @login, @roleList = @roles;`;

export const DISABLE_LOGIN = `IF EXISTS (SELECT 1 FROM sys.server_principals WHERE name = @login AND is_disabled = 0)
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER LOGIN ' + QUOTENAME(@login) + N' DISABLE;';
    EXEC sys.sp_executesql @sql;
END;`;

/**
 * The reports login must not read password hashes, sessions or API tokens (upstream's
 * deploy/postgres/grant_ro_rights.sql revokes exactly these on PostgreSQL). db_datareader grants
 * SELECT on the whole database; a DENY on the object, or on the column, takes precedence over it
 * (Microsoft Learn, "DENY Object Permissions (Transact-SQL)": DENY <permission> [(column)] ON
 * OBJECT::schema.object TO principal). Only the tables that exist are denied; Django's migrations
 * create them in the login's default schema, dbo.
 */
export const DENY_REPORTS = `IF LEN(@db) > 128 THROW 50001, N'Database name longer than 128 characters.', 1;
DECLARE @sql nvarchar(max) = N'USE ' + QUOTENAME(@db) + N';
DECLARE @s nvarchar(max);
IF DATABASE_PRINCIPAL_ID(@u) IS NULL THROW 50002, N''The reports login has no user in this database.'', 1;
IF OBJECT_ID(N''dbo.django_session'', N''U'') IS NOT NULL
BEGIN
    SET @s = N''DENY SELECT ON OBJECT::dbo.django_session TO '' + QUOTENAME(@u) + N'';'';
    EXEC sys.sp_executesql @s;
END;
IF OBJECT_ID(N''dbo.authtoken_token'', N''U'') IS NOT NULL
BEGIN
    SET @s = N''DENY SELECT ON OBJECT::dbo.authtoken_token TO '' + QUOTENAME(@u) + N'';'';
    EXEC sys.sp_executesql @s;
END;
IF OBJECT_ID(N''dbo.auth_user'', N''U'') IS NOT NULL
BEGIN
    SET @s = N''DENY SELECT ON OBJECT::dbo.auth_user (password) TO '' + QUOTENAME(@u) + N'';'';
    EXEC sys.sp_executesql @s;
END;';
EXEC sys.sp_executesql @sql, N'@u sysname', @u = @login;`;

/** Read-only: which protected tables exist and what the reports user is denied (three result sets). */
export const PROBE_REPORTS_RIGHTS = `SELECT CAST(CASE WHEN DB_ID(@db) IS NULL THEN 0 ELSE 1 END AS bit) AS databaseExists;
IF DB_ID(@db) IS NOT NULL
BEGIN
    DECLARE @q nvarchar(max) = N'USE ' + QUOTENAME(@db) + N';
SELECT t.name AS tableName FROM sys.tables t
    WHERE t.schema_id = SCHEMA_ID(N''dbo'') AND t.name IN (N''auth_user'', N''django_session'', N''authtoken_token'');
SELECT o.name AS deniedObject, c.name AS deniedColumn FROM sys.database_permissions p
    JOIN sys.objects o ON o.object_id = p.major_id
    LEFT JOIN sys.columns c ON c.object_id = p.major_id AND c.column_id = p.minor_id
    WHERE p.class = 1 AND p.state = N''D'' AND p.permission_name = N''SELECT''
        AND p.grantee_principal_id = DATABASE_PRINCIPAL_ID(@u);';
    EXEC sys.sp_executesql @q, N'@u sysname', @u = @login;
END;`;

/**
 * Read-only, connected as a login a DBA prepared: does the database exist, may the login use it,
 * and which of the wanted database roles does it hold (IS_ROLEMEMBER answers for the caller). The
 * comma-separated role list is matched with CHARINDEX, not STRING_SPLIT (compatibility level 130+);
 * a wanted role that does not exist in the database returns no row and counts as missing.
 */
export const PROBE_LOGIN = `SELECT CAST(CASE WHEN DB_ID(@db) IS NULL THEN 0 ELSE 1 END AS bit) AS databaseExists,
    CAST(ISNULL(HAS_DBACCESS(@db), 0) AS bit) AS hasAccess;
IF HAS_DBACCESS(@db) = 1
BEGIN
    DECLARE @q nvarchar(max) = N'USE ' + QUOTENAME(@db) + N';
SELECT r.name AS roleName, CAST(ISNULL(IS_ROLEMEMBER(r.name), 0) AS bit) AS isMember
    FROM sys.database_principals r
    WHERE r.type = N''R'' AND CHARINDEX(N'','' + r.name + N'','', N'','' + @roles + N'','') > 0;';
    EXEC sys.sp_executesql @q, N'@roles nvarchar(400)', @roles = @roles;
END;`;

/** uninstall --remove-data: the database the installer provisioned (connections closed first). */
export const DROP_DATABASE = `IF LEN(@db) > 128 THROW 50001, N'Database name longer than 128 characters.', 1;
IF DB_ID(@db) IS NOT NULL
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER DATABASE ' + QUOTENAME(@db) + N' SET SINGLE_USER WITH ROLLBACK IMMEDIATE; DROP DATABASE ' + QUOTENAME(@db) + N';';
    EXEC sys.sp_executesql @sql;
END;`;

/** uninstall --remove-data: a login the installer provisioned (after its database is gone). */
export const DROP_LOGIN = `IF SUSER_ID(@login) IS NOT NULL
BEGIN
    DECLARE @sql nvarchar(max) = N'DROP LOGIN ' + QUOTENAME(@login) + N';';
    EXEC sys.sp_executesql @sql;
END;`;

/**
 * Read-only: the state provisioning converges (the real host's `sql` query; three result sets),
 * with the server's version and master's compatibility level for the preflight message. Logins are
 * matched with CHARINDEX in "|a|b|" (names cannot hold "|": sqlIdentifier), not STRING_SPLIT.
 */
export const PROBE_STATE = `SELECT
    CAST(CASE WHEN DB_ID(@db) IS NULL THEN 0 ELSE 1 END AS bit) AS databaseExists,
    CAST(ISNULL((SELECT 1 - is_disabled FROM sys.server_principals WHERE name = N'sa'), 0) AS bit) AS saEnabled,
    CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS productVersion,
    (SELECT compatibility_level FROM sys.databases WHERE name = N'master') AS masterLevel,
    CAST(ISNULL(IS_SRVROLEMEMBER(N'sysadmin'), 0) AS bit) AS isSysadmin,
    CAST(ISNULL(IS_SRVROLEMEMBER(N'dbcreator'), 0) AS bit) AS isDbcreator,
    CAST(ISNULL(IS_SRVROLEMEMBER(N'securityadmin'), 0) AS bit) AS isSecurityadmin;
SELECT name, is_disabled FROM sys.server_principals
    WHERE CHARINDEX(N'|' + name + N'|', N'|' + @logins + N'|') > 0;
IF DB_ID(@db) IS NOT NULL
BEGIN
    DECLARE @q nvarchar(max) = N'SELECT dp.name AS userName, r.name AS roleName FROM ' + QUOTENAME(@db)
        + N'.sys.database_principals dp LEFT JOIN ' + QUOTENAME(@db)
        + N'.sys.database_role_members m ON m.member_principal_id = dp.principal_id LEFT JOIN ' + QUOTENAME(@db)
        + N'.sys.database_principals r ON r.principal_id = m.role_principal_id'
        + N' WHERE CHARINDEX(N''|'' + dp.name + N''|'', N''|'' + @logins + N''|'') > 0';
    EXEC sys.sp_executesql @q, N'@logins nvarchar(max)', @logins = @logins;
END;`;

const n = (value: string) => ({ type: 'nvarchar' as const, value });

export function createDatabase(conn: SqlConnection, db: string, server: string): ActionInput {
  return {
    kind: 'sql',
    describe: `Create database ${db} on ${server} if it is missing`,
    connection: conn,
    batch: CREATE_DATABASE,
    params: { db: n(db) },
    effect: { kind: 'database', name: db },
  };
}

export function ensureSqlLogin(
  conn: SqlConnection,
  opts: {
    db: string;
    login: string;
    secret: string;
    roles: string[];
    resetPassword: boolean;
    server: string;
  },
): ActionInput[] {
  return [
    {
      kind: 'sql',
      describe: `${opts.resetPassword ? 'Reset the password of' : 'Create (if missing) and enable'} SQL login ${opts.login} on ${opts.server} (password: the ${labelOf(opts.secret).replace(/ password$/, '')} password given)`,
      connection: conn,
      batch: ENSURE_SQL_LOGIN,
      params: {
        db: n(opts.db),
        login: n(opts.login),
        password: { type: 'nvarchar', value: { $secret: opts.secret } },
        resetPassword: { type: 'bit', value: opts.resetPassword },
      },
      effect: { kind: 'login', name: opts.login, windows: false },
    },
    ensureUserRoles(conn, opts.db, opts.login, opts.roles),
  ];
}

export function ensureUserRoles(
  conn: SqlConnection,
  db: string,
  login: string,
  roles: string[],
): ActionInput {
  return {
    kind: 'sql',
    describe: `Map login ${login} to user ${login} in database ${db} with roles ${roles.join(', ')}`,
    connection: conn,
    batch: ENSURE_USER_ROLES,
    params: { db: n(db), login: n(login), roles: n(roles.join(',')) },
    effect: { kind: 'user', login, database: db, roles },
  };
}
