import sql from 'mssql';
import type { Host } from '../engine/host.js';
import { askWindows } from '../windows/topics.js';
import type { RequestOf, ValueOf } from './contract.js';

type Request = RequestOf<'testDatabaseConnection'>;
type Answer = ValueOf<'testDatabaseConnection'>;

const where = (req: Request) =>
  `${req.server}${req.instance ? `\\${req.instance}` : ''}${req.port ? `:${req.port}` : ''}`;

/**
 * "Test connection" on the database page, the way provisioning will connect. SQL authentication:
 * the real SQL Server client (mssql/tedious), as the windows host's sql.ts does for SQL logins.
 * Windows authentication: tedious has no integrated (SSPI) login (tediousjs/tedious#415), so it
 * goes through the host's `sql` topic, which on Windows runs the fixed PowerShell script with
 * .NET SqlClient and `Integrated Security` (electron/hosts/windows/scripts.ts `sqlBatch`), the very
 * path the database step uses. The password is used for this one connection and never appears in
 * the answer.
 */
export async function testSqlServer(
  req: Request,
  o: { timeoutMs?: number; readHost?: () => Promise<Host> } = {},
): Promise<Answer> {
  if (req.authMode === 'windows') return testWindowsAuth(req, o.readHost);
  return testSqlAuth(req, o.timeoutMs ?? 8000);
}

async function testWindowsAuth(req: Request, readHost?: () => Promise<Host>): Promise<Answer> {
  if (!readHost) {
    return {
      ok: false,
      detail: 'Windows authentication can only be tested on the Windows server itself.',
      fix: 'Run the wizard on the server that will host QATrack+, or use the machine check after Install.',
    };
  }
  const host = await readHost();
  try {
    if (host.kind === 'posix') {
      return {
        ok: false,
        detail: 'Windows authentication can only be tested on a Windows machine.',
        fix: 'Run the installer on the Windows server, where it signs in as the Windows account running it.',
      };
    }
    const r = await askWindows(host, 'sql', {
      connection: {
        server: req.server,
        ...(req.instance ? { instance: req.instance } : {}),
        ...(req.port ? { port: req.port } : {}),
        auth: 'windows',
      },
      database: 'master',
      logins: [],
    });
    if (r.reachable) {
      return {
        ok: true,
        detail: `Connected to ${where(req)} with Windows authentication, as the Windows account running the installer.`,
      };
    }
    if (r.errorNumber === 18456) {
      return {
        ok: false,
        detail: `${where(req)} refused the Windows account running the installer (error 18456).`,
        fix: 'Give this Windows account a login on that SQL Server (sysadmin, or dbcreator + securityadmin to provision), or run the installer as an account that has one.',
      };
    }
    return {
      ok: false,
      detail: `Could not connect to ${where(req)} with Windows authentication: ${r.message}`,
      fix: 'Check the server and instance names, that TCP/IP is enabled in SQL Server Configuration Manager, and the firewall.',
    };
  } finally {
    await host.close();
  }
}

async function testSqlAuth(req: Request, timeoutMs: number): Promise<Answer> {
  const pool = new sql.ConnectionPool({
    server: req.server,
    ...(req.port ? { port: req.port } : {}),
    user: req.user ?? '',
    password: req.password ?? '',
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
        detail: `No SQL Server answered at ${where(req)}.`,
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
