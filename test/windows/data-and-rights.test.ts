import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { actionSchema, type ActionOf } from '../../electron/engine/actions/index.js';
import type { RunReport } from '../../electron/engine/report.js';
import { MapSecretStore } from '../../electron/engine/secrets.js';
import { runSession } from '../../electron/app/session.js';
import { descendants } from '../../electron/hosts/sim/paths.js';
import { cleanServer, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { simWindows } from '../../electron/hosts/sim/windows/state.js';
import { reportsRightsFromRows } from '../../electron/hosts/windows/parse.js';
import { runSqlBatch } from '../../electron/hosts/windows/sql.js';
import { DENY_REPORTS, DROP_DATABASE, DROP_LOGIN } from '../../electron/windows/sqlBatches.js';
import { windowsProfile } from '../../electron/steps/windows/index.js';
import { startTdsServer, type TdsServer } from '../support/tds/server.js';
import {
  CANARY as CANARY_DB,
  exampleAnswers,
  newStateFile,
  readState,
  sim,
  writeState,
} from '../support/windows-sim.js';

/** Issue 16 items 3 and 6 for the Windows profile, on the sim and through the real mssql client. */

const uninstall = async (file: string, a: ReturnType<typeof exampleAnswers>, keepData: boolean) =>
  (
    await runSession({
      command: 'uninstall',
      answers: a.answers,
      secrets: a.secrets,
      hostSpec: { kind: 'sim', file },
      steps: windowsProfile,
      logFile: path.join(path.dirname(file), 'logs', `uninstall-${keepData}.log`),
      uninstall: { keepData },
    })
  ).result as RunReport;

describe('Windows: the reports login and the data on sim', () => {
  it('install denies the reports login passwords, sessions and tokens; repair restores a DENY removed', async () => {
    const a = exampleAnswers();
    const file = newStateFile(withExistingSql(cleanServer()));
    const r = await sim('install', file, a);
    expect(r.error ?? null).toBeNull();
    const db = () => simWindows(readState(file)).sql.databases.qatrackplus!;
    expect(db().denied.qatrack_reports).toEqual(['auth_user.password', 'authtoken_token', 'django_session']);
    expect(r.checks.find((c) => c.id === 'sql.reportsRights')).toMatchObject({ ok: true });
    expect((await sim('plan', file, a)).changes).toBe(0);

    // Someone REVOKEs the DENY on the password column: verify says so, repair puts it back.
    const s = readState(file);
    simWindows(s).sql.databases.qatrackplus!.denied.qatrack_reports = ['authtoken_token', 'django_session'];
    writeState(file, s);
    const v = await sim('verify', file, a);
    expect(v.checks.find((c) => c.id === 'sql.reportsRights')).toMatchObject({
      ok: false,
      detail: 'can still read auth_user.password',
    });
    const plan = await sim('plan', file, a);
    expect(plan.steps.filter((x) => x.actions.length).map((x) => x.id)).toEqual(['win-sql-reports-rights']);
    expect((await sim('repair', file, a)).error ?? null).toBeNull();
    expect(db().denied.qatrack_reports).toContain('auth_user.password');
  });

  it('uninstall keeps the database, logins and data folder and lists them with where they are', async () => {
    const a = exampleAnswers();
    const file = newStateFile(withExistingSql(cleanServer()));
    await sim('install', file, a);
    const r = await uninstall(file, a, true);
    expect(r.error ?? null).toBeNull();
    expect(r.kept).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^data folder D:\\QATrackData /),
        'backups E:\\QATrackBackups',
        expect.stringMatching(
          /^database qatrackplus on SQL Server sql01\.hospital\.local\\QATRACK:1433 with logins qatrack and qatrack_reports/,
        ),
      ]),
    );
    const w = simWindows(readState(file));
    expect(Object.keys(w.sql.databases)).toEqual(['qatrackplus']);
    expect(w.sql.logins.qatrack).toBeDefined();
    expect(descendants(readState(file), 'D:\\QATrackData').length).toBeGreaterThan(0);
  });

  it('uninstall --remove-data drops the provisioned database and logins and deletes the data folder', async () => {
    const a = exampleAnswers();
    const file = newStateFile(withExistingSql(cleanServer()));
    await sim('install', file, a);
    const r = await uninstall(file, a, false);
    expect(r.error ?? null).toBeNull();
    const s = readState(file);
    const w = simWindows(s);
    expect(w.sql.databases).toEqual({});
    expect(w.sql.logins.qatrack).toBeUndefined();
    expect(w.sql.logins.qatrack_reports).toBeUndefined();
    expect(descendants(s, 'D:\\QATrackData')).toEqual([]);
    // A backups folder of its own (E:\QATrackBackups) is not inside the data folder: kept, and said so.
    expect(r.kept).toEqual([expect.stringMatching(/^backups E:\\QATrackBackups: a folder of its own/)]);
  });

  it('a DBA-prepared database is never dropped, even with --remove-data', async () => {
    const a = exampleAnswers((x) => (x.database.provision = false));
    const file = newStateFile(withExistingSql(cleanServer()));
    const s = readState(file);
    simWindows(s).sql.databases.qatrackplus = { users: {}, denied: {} };
    writeState(file, s);
    const r = await uninstall(file, a, false);
    expect(r.error ?? null).toBeNull();
    expect(Object.keys(simWindows(readState(file)).sql.databases)).toEqual(['qatrackplus']);
    expect(r.kept).toEqual(
      expect.arrayContaining([expect.stringMatching(/prepared by a DBA, so the installer never drops them/)]),
    );
  });
});

describe('Windows: the DENY, DROP and probe batches through the real mssql client', () => {
  let server: TdsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  const secrets = new MapSecretStore([['database.admin.password', 'Admin "pw" %^&! 9']]);
  const target = (port: number) => ({
    server: '127.0.0.1',
    port,
    user: 'installer',
    password: 'Admin "pw" %^&! 9',
    database: 'master',
    encrypt: false,
  });

  it('sends the DENY with the names as parameters, identifiers through QUOTENAME', async () => {
    server = await startTdsServer();
    const hostile = "qa]reports'; DROP LOGIN sa;--";
    const action = actionSchema.parse({
      kind: 'sql',
      describe: 'deny',
      connection: {
        server: '127.0.0.1',
        auth: 'sql',
        user: 'installer',
        password: { $secret: 'database.admin.password' },
      },
      batch: DENY_REPORTS,
      params: { db: { type: 'nvarchar', value: 'qatrackplus' }, login: { type: 'nvarchar', value: hostile } },
    }) as ActionOf<'sql'>;
    await runSqlBatch(target(server.port), action.batch, action.params, secrets);
    const req = server.requests.at(-1)!;
    expect(req.procedure).toBe('sp_executesql');
    expect(req.sql).toBe(DENY_REPORTS);
    expect(req.params).toEqual({ db: 'qatrackplus', login: hostile });
    for (const batch of [DENY_REPORTS, DROP_DATABASE, DROP_LOGIN]) {
      expect(batch).toContain('QUOTENAME(');
      expect(batch).not.toMatch(/qatrack_reports|qatrackplus/);
    }
  });

  it('a reports login without a user in the database (error 50002) fails with the number named', async () => {
    server = await startTdsServer({
      onRequest: () => ({
        number: 50002,
        message: 'The reports login has no user in this database.',
        state: 1,
      }),
    });
    const err = await runSqlBatch(
      target(server.port),
      DENY_REPORTS,
      {
        db: { type: 'nvarchar', value: 'qatrackplus' },
        login: { type: 'nvarchar', value: 'qatrack_reports' },
      },
      secrets,
    ).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain('50002');
  });

  it('reads the probe result sets: table-level and column-level DENYs', () => {
    const r = reportsRightsFromRows([
      [{ databaseExists: true }],
      [{ tableName: 'auth_user' }, { tableName: 'django_session' }],
      [
        { deniedObject: 'auth_user', deniedColumn: 'password' },
        { deniedObject: 'django_session', deniedColumn: null },
      ],
    ]);
    expect(r).toEqual({
      reachable: true,
      databaseExists: true,
      tables: ['auth_user', 'django_session'],
      denied: ['auth_user.password', 'django_session'],
    });
  });
});

describe('Windows: preflight proves the database side before any change', () => {
  const installOn = async (
    seed: (s: ReturnType<typeof cleanServer>) => void,
    edit: (a: any) => void = () => {},
  ) => {
    const a = exampleAnswers(edit);
    const state = withExistingSql(cleanServer());
    seed(state);
    const file = newStateFile(state);
    const before = JSON.stringify(readState(file));
    const r = await sim('install', file, a);
    return { r, unchanged: JSON.stringify(readState(file)) === before };
  };

  it('an admin connection without securityadmin: exit 64, the field named, the GRANT to run, nothing changed', async () => {
    const { r, unchanged } = await installOn((s) => void (simWindows(s).sql.adminRoles = ['dbcreator']));
    expect(r.exitCode).toBe(64);
    expect(r.error?.code).toBe('PREFLIGHT_DATABASE');
    expect(r.error?.message).toContain('database.authMode');
    expect(r.error?.message).toContain('ALTER SERVER ROLE [securityadmin] ADD MEMBER');
    expect(r.error?.message).not.toContain('[dbcreator]');
    expect(unchanged).toBe(true);
  });

  it('dbcreator with securityadmin (or sysadmin) is enough to provision', async () => {
    const { r } = await installOn(
      (s) => void (simWindows(s).sql.adminRoles = ['dbcreator', 'securityadmin']),
    );
    expect(r.error ?? null).toBeNull();
  });

  const dba = (a: any) => {
    a.database.provision = false;
  };

  it('a DBA-prepared database that does not exist', async () => {
    const { r, unchanged } = await installOn((s) => {
      simWindows(s).sql.logins.qatrack = { disabled: false, windows: false };
      simWindows(s).sql.logins.qatrack_reports = { disabled: false, windows: false };
    }, dba);
    expect(r.exitCode).toBe(64);
    expect(r.error?.message).toContain('database.name: database qatrackplus does not exist');
    expect(unchanged).toBe(true);
  });

  it('a DBA-prepared login lacking roles and a reports login that is refused', async () => {
    const { r, unchanged } = await installOn((s) => {
      const w = simWindows(s);
      w.sql.logins.qatrack = { disabled: false, windows: false };
      w.sql.databases.qatrackplus = { users: { qatrack: { roles: ['db_datareader'] } }, denied: {} };
    }, dba);
    expect(r.exitCode).toBe(64);
    expect(r.error?.message).toContain(
      'database.login.user: login qatrack lacks db_ddladmin, db_datawriter in database qatrackplus: ask the DBA to run USE [qatrackplus]; ALTER ROLE [db_ddladmin] ADD MEMBER [qatrack]; ALTER ROLE [db_datawriter] ADD MEMBER [qatrack];',
    );
    expect(r.error?.message).toContain('database.readonlyLogin.password: SQL Server');
    expect(r.error?.message).not.toContain(CANARY_DB);
    expect(unchanged).toBe(true);
  });

  it('a DBA-prepared database with both logins mapped passes preflight', async () => {
    const { r } = await installOn((s) => {
      const w = simWindows(s);
      w.sql.logins.qatrack = { disabled: false, windows: false };
      w.sql.logins.qatrack_reports = { disabled: false, windows: false };
      w.sql.databases.qatrackplus = {
        users: {
          qatrack: { roles: ['db_ddladmin', 'db_datawriter', 'db_datareader'] },
          qatrack_reports: { roles: ['db_datareader'] },
        },
        denied: {},
      };
    }, dba);
    expect(r.error ?? null).toBeNull();
  });
});
