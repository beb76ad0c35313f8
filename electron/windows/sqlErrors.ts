/**
 * SQL Server's own error numbers in plain words, with what to do. The number stays in the message
 * so a DBA can look it up; the words are for the person running the installer.
 */
export interface SqlErrorAdvice {
  code: string;
  words: string;
  fix: string;
}

const table: Record<number, SqlErrorAdvice> = {
  18456: {
    code: 'SQL_LOGIN_FAILED',
    words:
      'SQL Server refused the login (wrong user or password, a disabled login, or a server that accepts Windows logins only).',
    fix: 'Check the database admin credentials; for SQL logins the server must allow SQL Server and Windows authentication.',
  },
  4060: {
    code: 'SQL_DATABASE_UNAVAILABLE',
    words: 'The database does not exist or the login has no user in it.',
    fix: 'Let the installer provision the database (database.provision = true) or ask the DBA to map the login.',
  },
  1801: {
    code: 'SQL_DATABASE_EXISTS',
    words: 'The database already exists (created at the same moment by someone else).',
    fix: 'Run repair; the installer uses the existing database.',
  },
  1802: {
    code: 'SQL_CREATE_DATABASE_FAILED',
    words:
      'SQL Server could not create the database (disk space, file path or permissions on the data folder).',
    fix: "Check free space and the SQL Server service account's rights on its data folder, then run repair.",
  },
  262: {
    code: 'SQL_PERMISSION_DENIED',
    words: 'The admin login may not create databases.',
    fix: 'Use a login with the dbcreator (or sysadmin) role, or ask the DBA to create the database.',
  },
  15247: {
    code: 'SQL_PERMISSION_DENIED',
    words: 'The admin login may not create logins.',
    fix: 'Use a login with ALTER ANY LOGIN (securityadmin or sysadmin), or ask the DBA to create the logins.',
  },
  15025: {
    code: 'SQL_LOGIN_EXISTS',
    words: 'The login already exists (created at the same moment by someone else).',
    fix: 'Run repair; the installer reuses the existing login.',
  },
  15023: {
    code: 'SQL_USER_EXISTS',
    words: 'A database user of that name already exists.',
    fix: 'Run repair; the installer reuses the existing user.',
  },
  15063: {
    code: 'SQL_LOGIN_MAPPED_ELSEWHERE',
    words: 'The login is already mapped to a database user with a different name.',
    fix: 'Ask the DBA to drop or rename that user, then run repair.',
  },
  15007: {
    code: 'SQL_LOGIN_MISSING',
    words: 'The login does not exist, so no database user can be made for it.',
    fix: 'Run repair so the login is created first.',
  },
  15151: {
    code: 'SQL_PRINCIPAL_MISSING',
    words:
      'A login, user or role the installer expected does not exist or is not visible to the admin login.',
    fix: 'Use a sysadmin login for provisioning, then run repair.',
  },
  15116: {
    code: 'SQL_PASSWORD_POLICY',
    words: 'The password is too short for the Windows password policy SQL Server enforces.',
    fix: 'Choose a longer password for the QATrack+ login.',
  },
  15117: {
    code: 'SQL_PASSWORD_POLICY',
    words: 'The password is too long for the Windows password policy SQL Server enforces.',
    fix: 'Choose a shorter password for the QATrack+ login.',
  },
  15118: {
    code: 'SQL_PASSWORD_POLICY',
    words: 'The password is not complex enough for the Windows password policy SQL Server enforces.',
    fix: 'Use upper and lower case letters, digits and symbols in the QATrack+ login password.',
  },
  15113: {
    code: 'SQL_LOGIN_LOCKED',
    words: 'The login is locked out after too many failed attempts.',
    fix: 'Ask the DBA to unlock it (ALTER LOGIN ... WITH PASSWORD ... UNLOCK), then run repair.',
  },
  // Backup and restore (the 3.x → 4.0 upgrade). Numbers from Microsoft Learn, "Database Engine
  // events and errors"; 50003-50008 are the installer's own THROWs in steps/windows/sqlUpgrade.ts.
  3201: {
    code: 'SQL_BACKUP_DEVICE',
    words:
      'SQL Server cannot open the backup file (the folder does not exist on the SQL Server machine, or its service account may not write there).',
    fix: 'Choose a backup folder on the SQL Server machine that its service account can write to, then run the upgrade again.',
  },
  3013: {
    code: 'SQL_BACKUP_FAILED',
    words: 'BACKUP or RESTORE stopped before it finished (the message before this one says why).',
    fix: 'Read the SQL Server message in the log; nothing was switched to the new release.',
  },
  3257: {
    code: 'SQL_DISK_FULL',
    words: 'There is not enough free space on the SQL Server machine for the database files being restored.',
    fix: "Free space in SQL Server's data and log folders, then run the upgrade again.",
  },
  5133: {
    code: 'SQL_DATA_FOLDER',
    words: "SQL Server cannot reach the folder for the new database's files.",
    fix: "Check SQL Server's default data and log folders (server properties, Database Settings).",
  },
  3101: {
    code: 'SQL_DATABASE_IN_USE',
    words: 'The database is in use, so SQL Server cannot take exclusive access to it.',
    fix: 'Stop the QATrack+ services (the upgrade does), close other connections, then run it again.',
  },
  50003: {
    code: 'SQL_UPGRADE_TARGET_EXISTS',
    words: 'The new database for the upgrade already exists; the installer never restores over a database.',
    fix: 'Choose another name for the new database, or (if it is left from a failed attempt) drop it after checking it holds nothing you need.',
  },
  50004: {
    code: 'SQL_UPGRADE_SOURCE_MISSING',
    words: 'The database to upgrade does not exist on this server.',
    fix: 'Check database.server, database.instance and database.name in the answers.',
  },
  226: {
    code: 'SQL_IN_TRANSACTION',
    words: 'CREATE DATABASE was sent inside a transaction.',
    fix: 'This is an installer bug; please report it with the log.',
  },
};

export function sqlErrorAdvice(number: number | undefined): SqlErrorAdvice {
  return (
    (number !== undefined ? table[number] : undefined) ?? {
      code: 'SQL_ERROR',
      words: 'SQL Server reported an error.',
      fix: 'Read the SQL Server message in the log, fix the cause, then run repair.',
    }
  );
}

/** "SQL Server error 18456: <words>" (the server's own message is added by the caller when safe). */
export const sqlErrorText = (number: number | undefined) =>
  `SQL Server error ${number ?? '?'}: ${sqlErrorAdvice(number).words}`;
