import sql from 'mssql';
import type { ActionOf, SqlConnection, SqlParam } from '../../engine/actions/index.js';
import { resolveValue } from '../../engine/secret-text.js';
import type { SecretStore } from '../../engine/secrets.js';
import { sqlErrorAdvice, sqlErrorText } from '../../windows/sqlErrors.js';
import { HostActionError } from '../../engine/host.js';

/**
 * `sql` actions with SQL authentication, through the `mssql` package (tedious): the batch is sent
 * with sp_executesql and every value as a typed parameter, never spliced into the text. Windows
 * authentication goes through the fixed PowerShell SqlClient script instead (tedious has no SSPI).
 */

export interface SqlTarget {
  server: string;
  port?: number;
  instanceName?: string;
  user: string;
  password: string;
  database: string;
  /** Local or test servers without a trusted certificate. */
  encrypt: boolean;
  /** How long one batch may run (default 10 minutes). */
  requestTimeoutMs?: number;
}

export function sqlConfig(t: SqlTarget): sql.config {
  return {
    server: t.server,
    port: t.port,
    user: t.user,
    password: t.password,
    database: t.database,
    connectionTimeout: 15_000,
    requestTimeout: t.requestTimeoutMs ?? 10 * 60_000,
    pool: { max: 1, min: 0 },
    options: {
      encrypt: t.encrypt,
      trustServerCertificate: true,
      instanceName: t.port ? undefined : t.instanceName,
      appName: 'QATrack+ Installer',
    },
  };
}

export function targetFor(conn: SqlConnection, secrets: SecretStore, encrypt = true): SqlTarget {
  if (conn.auth !== 'sql' || !conn.user || !conn.password)
    throw new HostActionError('SQL_AUTH', 'SQL authentication needs a user and a password reference.');
  return {
    server: conn.server,
    port: conn.port,
    instanceName: conn.instance,
    user: conn.user,
    password: resolveValue(conn.password, secrets),
    database: conn.database ?? 'master',
    encrypt,
  };
}

const typeOf = (p: SqlParam) =>
  p.type === 'int' ? sql.Int : p.type === 'bit' ? sql.Bit : sql.NVarChar(sql.MAX);

/** Run one batch; SQL Server's error number becomes a stable code with plain words and a fix. */
export async function runSqlBatch(
  target: SqlTarget,
  batch: string,
  params: ActionOf<'sql'>['params'],
  secrets: SecretStore,
): Promise<sql.IRecordSet<Record<string, unknown>>[]> {
  const pool = new sql.ConnectionPool(sqlConfig(target));
  try {
    await pool.connect();
    const req = pool.request();
    for (const [name, p] of Object.entries(params)) {
      const value = typeof p.value === 'object' ? resolveValue(p.value, secrets) : p.value;
      req.input(name, typeOf(p), value);
    }
    const r = await req.query<Record<string, unknown>>(batch);
    return r.recordsets;
  } catch (e) {
    throw toHostError(e);
  } finally {
    await pool.close().catch(() => undefined);
  }
}

/** SQL Server's number -> HostActionError; the server's own text is kept only when it names no secret. */
export function toHostError(e: unknown): HostActionError {
  const err = e as {
    code?: string;
    number?: number;
    originalError?: { number?: number; info?: { number?: number } };
  };
  // tedious turns a refused login into ConnectionError ELOGIN without the number: that is 18456.
  const number =
    err.number ??
    err.originalError?.info?.number ??
    err.originalError?.number ??
    (err.code === 'ELOGIN' ? 18456 : undefined);
  const advice = sqlErrorAdvice(number);
  return new HostActionError(advice.code, sqlErrorText(number), { exitCode: number, hint: advice.fix });
}

/**
 * A database's data + log size in bytes. sys.master_files has one row per file of every database
 * and its `size` is "Current file size, in 8-KB pages"
 * (https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-master-files-transact-sql),
 * so the sum is multiplied by 8192; CAST to bigint first because a 16 TB file's page count times
 * 8192 overflows int. The name is a parameter; DB_ID(@db) is NULL for a database that does not exist.
 */
export const PROBE_DATABASE_SIZE = `SELECT CAST(CASE WHEN DB_ID(@db) IS NULL THEN 0 ELSE 1 END AS bit) AS databaseExists,
    ISNULL((SELECT SUM(CAST(size AS bigint)) * 8192 FROM sys.master_files WHERE database_id = DB_ID(@db)), CAST(0 AS bigint)) AS sizeBytes;`;

/**
 * The probe's one row -> {exists, bytes}. tedious returns bigint as a string (JavaScript numbers
 * are exact only to 2^53), SqlClient through ConvertTo-Json as a number; both are accepted. No row
 * at all (a server that answered with nothing) reads as "no such database".
 */
export function databaseSizeFromRows(rows: Record<string, unknown>[] | Record<string, unknown> | undefined): {
  exists: boolean;
  bytes: number;
} {
  // ConvertTo-Json in Windows PowerShell 5.1 may unwrap a one-element array into the object.
  const row = Array.isArray(rows) ? rows[0] : rows;
  if (!row) return { exists: false, bytes: 0 };
  const exists = row.databaseExists === true || row.databaseExists === 1;
  const bytes = Number(row.sizeBytes ?? 0);
  if (!Number.isSafeInteger(bytes) || bytes < 0)
    throw new HostActionError(
      'SQL_ANSWER_INVALID',
      `SQL Server answered a database size of "${String(row.sizeBytes)}".`,
    );
  return { exists, bytes: exists ? bytes : 0 };
}
