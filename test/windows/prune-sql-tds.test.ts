import { afterEach, describe, expect, it } from 'vitest';
import { actionSchema, type ActionOf } from '../../electron/engine/actions/index.js';
import { HostActionError } from '../../electron/engine/host.js';
import { runSqlBatch } from '../../electron/hosts/windows/sql.js';
import {
  DROP_OLD_DATABASE,
  dropOldDatabase,
  VERIFY_BACKUP,
  verifyBackup,
} from '../../electron/steps/windows/prunePrevious.js';
import { BACKUP_RESTORE_TIMEOUT_MS } from '../../electron/steps/windows/sqlUpgrade.js';
import { startTdsServer, type TdsServer } from '../support/tds/server.js';
import { ADMIN_PW, tdsSecrets, tdsTarget } from '../support/tds/target.js';

/**
 * repair after the keep period: RESTORE VERIFYONLY of the upgrade's backup, then DROP of the old
 * 3.x database, sent by the real `mssql` client to the TDS test server (which records each request
 * and can answer with SQL Server's error numbers).
 */
let server: TdsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const connection = {
  server: '127.0.0.1',
  auth: 'sql' as const,
  user: 'installer',
  password: { $secret: 'database.admin.password' },
};
const FILE = "E:\\QATrackBackups\\O'Brien ]\\upgrade-3.1.1.4-to-4.0.x-20261201-220000\\qatrackplus.bak";
const OLD = "qa]track'plus";
const sqlOf = (a: unknown) => actionSchema.parse(a) as ActionOf<'sql'>;

describe('keep period over: the old database through the real mssql client', () => {
  it('VERIFYONLY ... WITH CHECKSUM: one fixed batch, the file only as a parameter, the long time limit', async () => {
    server = await startTdsServer();
    const a = sqlOf(verifyBackup(connection, 'sql01,1433', FILE));
    await runSqlBatch(tdsTarget(server.port), a.batch, a.params, tdsSecrets());
    expect(server.logins[0]).toMatchObject({ user: 'installer', password: ADMIN_PW });
    const [req] = server.requests;
    expect(req!.sql).toBe(VERIFY_BACKUP);
    expect(req!.params).toEqual({ file: FILE });
    expect(VERIFY_BACKUP).toBe('RESTORE VERIFYONLY FROM DISK = @file WITH CHECKSUM;');
    expect(a.batch).not.toContain("O'Brien");
    expect(a.timeoutMs).toBe(BACKUP_RESTORE_TIMEOUT_MS);
    expect(a.effect).toBeUndefined(); // read only: the sim changes nothing for it
  });

  it('a backup that does not verify (SQL Server error 3013) fails the action, so the drop after it never runs', async () => {
    server = await startTdsServer({
      onRequest: (r) =>
        r.sql === VERIFY_BACKUP
          ? { number: 3013, message: 'VERIFY DATABASE is terminating abnormally.' }
          : undefined,
    });
    const a = sqlOf(verifyBackup(connection, 'sql01,1433', FILE));
    const err = await runSqlBatch(tdsTarget(server.port), a.batch, a.params, tdsSecrets()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HostActionError);
    expect((err as HostActionError).message).toContain('SQL Server error 3013');
  });

  it('DROP of the old database: name by QUOTENAME only, the running database refused by name', async () => {
    server = await startTdsServer();
    const a = sqlOf(dropOldDatabase(connection, 'sql01,1433', OLD, 'qatrackplus40'));
    await runSqlBatch(tdsTarget(server.port), a.batch, a.params, tdsSecrets());
    const [req] = server.requests;
    expect(req!.sql).toBe(DROP_OLD_DATABASE);
    expect(req!.params).toEqual({ oldDb: OLD, runningDb: 'qatrackplus40' });
    expect(a.batch).not.toContain(OLD);
    expect(DROP_OLD_DATABASE).toContain('IF @oldDb = @runningDb THROW 50005');
    expect(DROP_OLD_DATABASE).toMatch(/DROP DATABASE ' \+ QUOTENAME\(@oldDb\)/);
    expect(a.effect).toEqual({ kind: 'dropDatabase', name: OLD });
  });
});
