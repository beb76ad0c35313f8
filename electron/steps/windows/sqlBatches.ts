import { labelOf } from '../../engine/answers/labels.js';
import type { ActionInput, SqlConnection } from '../../engine/actions/index.js';

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

/** Map the login to a database user of the same name and add it to each role that is missing. */
export const ENSURE_USER_ROLES = `DECLARE @sql nvarchar(max) = N'USE ' + QUOTENAME(@db) + N';
DECLARE @s nvarchar(max);
IF DATABASE_PRINCIPAL_ID(@u) IS NULL
BEGIN
    SET @s = N''CREATE USER '' + QUOTENAME(@u) + N'' FOR LOGIN '' + QUOTENAME(@u) + N'';'';
    EXEC sys.sp_executesql @s;
END;
DECLARE @r sysname;
DECLARE roles CURSOR LOCAL FAST_FORWARD FOR SELECT value FROM STRING_SPLIT(@roleList, N'','') WHERE value <> N'''';
OPEN roles;
FETCH NEXT FROM roles INTO @r;
WHILE @@FETCH_STATUS = 0
BEGIN
    IF ISNULL(IS_ROLEMEMBER(@r, @u), 0) = 0
    BEGIN
        SET @s = N''ALTER ROLE '' + QUOTENAME(@r) + N'' ADD MEMBER '' + QUOTENAME(@u) + N'';'';
        EXEC sys.sp_executesql @s;
    END;
    FETCH NEXT FROM roles INTO @r;
END;
CLOSE roles;
DEALLOCATE roles;';
EXEC sys.sp_executesql @sql, N'@u sysname, @roleList nvarchar(400)', @u = @login, @roleList = @roles;`;

export const DISABLE_LOGIN = `IF EXISTS (SELECT 1 FROM sys.server_principals WHERE name = @login AND is_disabled = 0)
BEGIN
    DECLARE @sql nvarchar(max) = N'ALTER LOGIN ' + QUOTENAME(@login) + N' DISABLE;';
    EXEC sys.sp_executesql @sql;
END;`;

/** Read-only: the state provisioning converges (the real host's `sql` query; three result sets). */
export const PROBE_STATE = `SELECT
    CAST(CASE WHEN DB_ID(@db) IS NULL THEN 0 ELSE 1 END AS bit) AS databaseExists,
    CAST(ISNULL((SELECT 1 - is_disabled FROM sys.server_principals WHERE name = N'sa'), 0) AS bit) AS saEnabled;
SELECT name, is_disabled FROM sys.server_principals
    WHERE name IN (SELECT value FROM STRING_SPLIT(@logins, N'|'));
IF DB_ID(@db) IS NOT NULL
BEGIN
    DECLARE @q nvarchar(max) = N'SELECT dp.name AS userName, r.name AS roleName FROM ' + QUOTENAME(@db)
        + N'.sys.database_principals dp LEFT JOIN ' + QUOTENAME(@db)
        + N'.sys.database_role_members m ON m.member_principal_id = dp.principal_id LEFT JOIN ' + QUOTENAME(@db)
        + N'.sys.database_principals r ON r.principal_id = m.role_principal_id'
        + N' WHERE dp.name IN (SELECT value FROM STRING_SPLIT(@logins, N''|''))';
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
