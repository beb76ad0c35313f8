import { afterEach, describe, expect, it } from 'vitest';
import type { ActionOf } from '../../electron/engine/actions/index.js';
import { actionSchema } from '../../electron/engine/actions/index.js';
import { HostActionError } from '../../electron/engine/host.js';
import { runSqlBatch, sqlConfig } from '../../electron/hosts/windows/sql.js';
import {
  BACKUP_COPY_ONLY,
  BACKUP_RESTORE_TIMEOUT_MS,
  DROP_NEW_DATABASE,
  REMAP_RESTORED_USER,
  RESTORE_AS_NEW_DATABASE,
  UPGRADE_40_ROLES,
  dropNewDatabase,
  upgrade40SqlActions,
  type Upgrade40Sql,
} from '../../electron/steps/windows/sqlUpgrade.js';
import { ENSURE_USER_ROLES } from '../../electron/windows/sqlBatches.js';
import { startTdsServer, type TdsServer } from '../support/tds/server.js';
import { ADMIN_PW, LOGIN_CANARY as CANARY, tdsSecrets, tdsTarget } from '../support/tds/target.js';

/**
 * The 3.x → 4.0 SQL batches (upstream docs/install/win_upgrade_from_3_to_4.rst: copy-only backup,
 * restore into the new database qatrackplus40, users and roles there) sent by the real `mssql`
 * client to the TDS test server, which records every statement and parameter.
 */

const secrets = tdsSecrets();

let server: TdsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const target = tdsTarget;

// Names and a path that would break string-built SQL.
const OLD_DB = "qa]track'31";
const BACKUP = "E:\\Backups\\O'Brien ]\\qatrack-3.1.1.4-20261202T1600Z.bak";
const plan: Upgrade40Sql = {
  connection: {
    server: '127.0.0.1',
    auth: 'sql',
    user: 'installer',
    password: { $secret: 'database.admin.password' },
  },
  server: 'sql01,1433',
  oldDb: OLD_DB,
  newDb: 'qatrackplus40',
  backupFile: BACKUP,
  appLogin: 'qatrack',
  readonlyLogin: 'qatrack_reports',
  release: '4.0.x',
};

const parsed = (actions: unknown[]) => actions.map((a) => actionSchema.parse(a) as ActionOf<'sql'>);

async function sendAll(actions: ActionOf<'sql'>[], port: number) {
  for (const a of actions) await runSqlBatch(target(port), a.batch, a.params, secrets);
}

describe('3.x → 4.0 SQL batches through the real mssql client', () => {
  it('backup, restore into the new database, then users and roles: in order, each a fixed batch with typed parameters', async () => {
    server = await startTdsServer();
    const actions = parsed(upgrade40SqlActions(plan));
    await sendAll(actions, server.port);
    expect(server.logins[0]).toMatchObject({ user: 'installer', password: ADMIN_PW });
    const reqs = server.requests;
    expect(reqs.map((r) => r.sql)).toEqual([
      BACKUP_COPY_ONLY,
      RESTORE_AS_NEW_DATABASE,
      REMAP_RESTORED_USER,
      ENSURE_USER_ROLES,
      REMAP_RESTORED_USER,
      ENSURE_USER_ROLES,
    ]);
    for (const r of reqs) expect(r.procedure).toBe('sp_executesql');
    expect(reqs[0]!.params).toEqual({
      db: OLD_DB,
      file: BACKUP,
      name: `QATrack+ ${OLD_DB} before the upgrade to 4.0.x`,
    });
    expect(reqs[0]!.declaration).toMatch(/@db nvarchar.*@file nvarchar.*@name nvarchar/i);
    expect(reqs[1]!.params).toEqual({ newDb: 'qatrackplus40', oldDb: OLD_DB, file: BACKUP });
    // upstream: qatrack gets db_ddladmin, db_datawriter, db_datareader and db_owner; reports db_datareader.
    expect(reqs[3]!.params).toEqual({
      db: 'qatrackplus40',
      login: 'qatrack',
      roles: 'db_ddladmin,db_datawriter,db_datareader,db_owner',
    });
    expect(reqs[5]!.params).toEqual({
      db: 'qatrackplus40',
      login: 'qatrack_reports',
      roles: 'db_datareader',
    });
    expect(UPGRADE_40_ROLES.readonly).toEqual(['db_datareader']);
  });

  it('names and paths travel only as parameters; no password is in any batch, parameter or action', async () => {
    server = await startTdsServer();
    const actions = parsed([...upgrade40SqlActions(plan), dropNewDatabase(plan)]);
    await sendAll(actions, server.port);
    for (const r of server.requests) {
      expect(r.sql).not.toContain(OLD_DB);
      expect(r.sql).not.toContain("O'Brien");
      expect(r.sql).not.toContain('qatrackplus40');
      expect(r.sql).not.toContain(CANARY);
      expect(r.sql).not.toContain(ADMIN_PW);
      expect(JSON.stringify(r.params)).not.toContain(ADMIN_PW);
      expect(Object.keys(r.params)).not.toContain('password');
    }
    expect(JSON.stringify(actions)).not.toContain(ADMIN_PW);
    // Every database name reaches dynamic SQL only through QUOTENAME.
    for (const batch of [BACKUP_COPY_ONLY, RESTORE_AS_NEW_DATABASE, REMAP_RESTORED_USER, DROP_NEW_DATABASE])
      expect(batch).not.toMatch(/N'[^']*'\s*\+\s*@(db|newDb|oldDb)\b/);
  });

  it('backup and restore carry their own time limit, which the mssql request gets (the default is 10 minutes)', () => {
    const [backup, restore, remap] = parsed(upgrade40SqlActions(plan));
    expect(backup!.timeoutMs).toBe(BACKUP_RESTORE_TIMEOUT_MS);
    expect(restore!.timeoutMs).toBe(BACKUP_RESTORE_TIMEOUT_MS);
    expect(remap!.timeoutMs).toBeUndefined();
    expect(sqlConfig({ ...target(1433), requestTimeoutMs: backup!.timeoutMs }).requestTimeout).toBe(
      4 * 3600_000,
    );
    expect(sqlConfig(target(1433)).requestTimeout).toBe(600_000);
  });

  it('backup is COPY_ONLY with CHECKSUM and read back; restore reads FILELISTONLY, MOVEs every file, never REPLACEs', () => {
    expect(BACKUP_COPY_ONLY).toMatch(/BACKUP DATABASE ' \+ QUOTENAME\(@db\)/);
    expect(BACKUP_COPY_ONLY).toContain('TO DISK = @f WITH COPY_ONLY, CHECKSUM');
    expect(BACKUP_COPY_ONLY).toContain('RESTORE VERIFYONLY FROM DISK = @file WITH CHECKSUM');
    expect(RESTORE_AS_NEW_DATABASE).toContain("N'RESTORE FILELISTONLY FROM DISK = @f'");
    expect(RESTORE_AS_NEW_DATABASE).toMatch(/RESTORE DATABASE ' \+ QUOTENAME\(@newDb\)/);
    expect(RESTORE_AS_NEW_DATABASE).toContain("N', MOVE N'''");
    expect(RESTORE_AS_NEW_DATABASE).not.toMatch(/REPLACE\s*[,;]|WITH[^;]*\bREPLACE\b(?!\()/);
    expect(RESTORE_AS_NEW_DATABASE).toContain('IF DB_ID(@newDb) IS NOT NULL THROW 50003');
    expect(DROP_NEW_DATABASE).toContain('IF @newDb = @oldDb THROW 50005');
  });

  const errors: [number, string, RegExp][] = [
    [3201, 'SQL_BACKUP_DEVICE', /cannot open the backup file/],
    [3013, 'SQL_BACKUP_FAILED', /stopped before it finished/],
    [3257, 'SQL_DISK_FULL', /not enough free space/],
    [50003, 'SQL_UPGRADE_TARGET_EXISTS', /never restores over a database/],
  ];
  for (const [number, code, words] of errors)
    it(`SQL Server error ${number} during the upgrade is ${code}, in plain words, without the server's text`, async () => {
      const reply = { number, message: `server text ${number} ${CANARY}` };
      server = await startTdsServer({
        onRequest: (r) => (r.sql === BACKUP_COPY_ONLY || number === 50003 ? reply : undefined),
      });
      const [backup, restore] = parsed(upgrade40SqlActions(plan));
      const action = number === 50003 ? restore! : backup!;
      const err = await runSqlBatch(target(server.port), action.batch, action.params, secrets).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(HostActionError);
      const h = err as HostActionError;
      expect(h.code).toBe(code);
      expect(h.message).toContain(`SQL Server error ${number}`);
      expect(h.message).toMatch(words);
      expect(h.message).not.toContain(CANARY);
    });
});
