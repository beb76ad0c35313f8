import sql from 'mssql';
import type { RequestOf, ValueOf } from './contract.js';

/**
 * "Test connection" on the database page: connects with the real SQL Server client and reports in
 * plain words. The password is used for this one connection and never appears in the answer.
 */
export async function testSqlServer(
  req: RequestOf<'testDatabaseConnection'>,
  timeoutMs = 8000,
): Promise<ValueOf<'testDatabaseConnection'>> {
  const pool = new sql.ConnectionPool({
    server: req.server,
    ...(req.port ? { port: req.port } : {}),
    ...(req.authMode === 'sql' ? { user: req.user ?? '', password: req.password ?? '' } : {}),
    database: 'master',
    connectionTimeout: timeoutMs,
    options: {
      ...(req.instance && !req.port ? { instanceName: req.instance } : {}),
      encrypt: true,
      trustServerCertificate: true,
    },
  });
  try {
    await pool.connect();
    const r = await pool
      .request()
      .query<{ v: string }>("SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(64)) AS v");
    return { ok: true, detail: `Connected to SQL Server ${r.recordset[0]?.v ?? ''}`.trim() };
  } catch (e) {
    const err = e as { code?: string; originalError?: { number?: number } };
    const number = err.originalError?.number;
    if (number === 18456) {
      return {
        ok: false,
        detail: 'The server refused the login (error 18456).',
        fix: 'Check the user name and password, and that SQL Server allows SQL logins (mixed mode).',
      };
    }
    if (err.code === 'ETIMEOUT' || err.code === 'ESOCKET') {
      return {
        ok: false,
        detail: `No SQL Server answered at ${req.server}${req.instance ? `\\${req.instance}` : ''}${req.port ? `:${req.port}` : ''}.`,
        fix: 'Check the server name, that TCP/IP is enabled in SQL Server Configuration Manager, and the firewall.',
      };
    }
    return {
      ok: false,
      detail: `Could not connect (${err.code ?? 'error'}).`,
      fix: 'Check the server name and credentials.',
    };
  } finally {
    await pool.close().catch(() => undefined);
  }
}
