import { afterEach, describe, expect, it } from 'vitest';
import type { ActionOf } from '../../electron/engine/actions/index.js';
import { actionSchema } from '../../electron/engine/actions/index.js';
import { runSqlBatch } from '../../electron/hosts/windows/sql.js';
import {
  CREATE_DATABASE,
  ENSURE_SQL_LOGIN,
  ENSURE_USER_ROLES,
  createDatabase,
  ensureSqlLogin,
} from '../../electron/windows/sqlBatches.js';
import { HostActionError } from '../../electron/engine/host.js';
import { startTdsServer, type TdsServer } from '../support/tds/server.js';
import { ADMIN_PW, LOGIN_CANARY as CANARY, tdsSecrets, tdsTarget } from '../support/tds/target.js';

const secrets = tdsSecrets();

let server: TdsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const target = tdsTarget;

async function send(action: ActionOf<'sql'>, port: number) {
  await runSqlBatch(target(port), action.batch, action.params, secrets);
}

const conn = {
  server: '127.0.0.1',
  auth: 'sql' as const,
  user: 'installer',
  password: { $secret: 'database.admin.password' },
};

describe('T-SQL through the real mssql client', () => {
  it('logs in with the admin password and sends the batch with sp_executesql and typed parameters', async () => {
    server = await startTdsServer();
    const hostile = "qa]track'; DROP DATABASE x;--";
    const action = actionSchema.parse(createDatabase(conn, hostile, 'test')) as ActionOf<'sql'>;
    await send(action, server.port);
    expect(server.logins[0]).toMatchObject({ user: 'installer', password: ADMIN_PW });
    const req = server.requests.at(-1)!;
    expect(req.procedure).toBe('sp_executesql');
    expect(req.sql).toBe(CREATE_DATABASE);
    expect(req.sql).toContain('QUOTENAME(@db)');
    expect(req.params).toEqual({ db: hostile });
    expect(req.declaration).toMatch(/@db nvarchar/i);
  });

  it('sends a login password only as a parameter value, never in the statement text', async () => {
    server = await startTdsServer();
    const actions = ensureSqlLogin(conn, {
      db: 'qatrackplus',
      login: 'qatrack',
      secret: 'database.login.password',
      roles: ['db_ddladmin', 'db_datareader'],
      resetPassword: false,
      server: 'test',
    }).map((a) => actionSchema.parse(a) as ActionOf<'sql'>);
    for (const a of actions) await send(a, server.port);
    const [login, user] = server.requests.slice(-2);
    expect(login!.sql).toBe(ENSURE_SQL_LOGIN);
    expect(login!.sql).not.toContain(CANARY);
    expect(login!.params).toEqual({
      db: 'qatrackplus',
      login: 'qatrack',
      password: CANARY,
      resetPassword: false,
    });
    expect(user!.sql).toBe(ENSURE_USER_ROLES);
    expect(user!.params).toEqual({ db: 'qatrackplus', login: 'qatrack', roles: 'db_ddladmin,db_datareader' });
    expect(JSON.stringify(actions)).not.toContain(CANARY);
  });

  const errors: [number, string, string][] = [
    [18456, 'SQL_LOGIN_FAILED', 'refused the login'],
    [1802, 'SQL_CREATE_DATABASE_FAILED', 'could not create the database'],
    [15025, 'SQL_LOGIN_EXISTS', 'already exists'],
    [15023, 'SQL_USER_EXISTS', 'database user of that name already exists'],
    [15118, 'SQL_PASSWORD_POLICY', 'not complex enough'],
    [262, 'SQL_PERMISSION_DENIED', 'may not create databases'],
  ];
  for (const [number, code, words] of errors) {
    it(`reports SQL Server error ${number} as ${code} in plain words`, async () => {
      const reply = { number, message: `server text ${number} with ${CANARY}` };
      server = await startTdsServer(number === 18456 ? { onLogin: () => reply } : { onRequest: () => reply });
      const action = actionSchema.parse(createDatabase(conn, 'qatrackplus', 'test')) as ActionOf<'sql'>;
      const err = await send(action, server.port).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(HostActionError);
      const h = err as HostActionError;
      expect(h.code).toBe(code);
      expect(h.message).toContain(`SQL Server error ${number}`);
      expect(h.message).toContain(words);
      expect(h.details.hint).toBeTruthy();
      expect(h.message).not.toContain(CANARY);
    });
  }
});
