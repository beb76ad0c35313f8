import { afterEach, describe, expect, it } from 'vitest';
import { actionSchema, type ActionOf } from '../../electron/engine/actions/index.js';
import { runSqlBatch } from '../../electron/hosts/windows/sql.js';
import { RESTORE_IN_PLACE, restoreInPlace } from '../../electron/steps/windows/upgradeSql.js';
import { BACKUP_RESTORE_TIMEOUT_MS } from '../../electron/steps/windows/sqlUpgrade.js';
import { startTdsServer, type TdsServer } from '../support/tds/server.js';
import { ADMIN_PW, tdsSecrets, tdsTarget } from '../support/tds/target.js';

/**
 * The in-place rollback batch (3.1.1.x -> 3.1.1.y: the copy-only backup restored over the migrated
 * database) sent by the real `mssql` client to the TDS test server, which records each request.
 */
let server: TdsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const DB = "qa]track'31";
const FILE = "E:\\QATrackBackups\\O'Brien ]\\upgrade-3.1.1.3-to-3.1.1.4-20261201-220000\\qatrackplus.bak";

describe('in-place rollback: RESTORE ... WITH REPLACE through the real mssql client', () => {
  it('one fixed batch, the name and the file only as parameters, its own long time limit, no password', async () => {
    server = await startTdsServer();
    const action = actionSchema.parse(
      restoreInPlace({
        connection: {
          server: '127.0.0.1',
          auth: 'sql',
          user: 'installer',
          password: { $secret: 'database.admin.password' },
        },
        server: 'sql01,1433',
        db: DB,
        backupFile: FILE,
      }),
    ) as ActionOf<'sql'>;
    await runSqlBatch(tdsTarget(server.port), action.batch, action.params, tdsSecrets());
    expect(server.logins[0]).toMatchObject({ user: 'installer', password: ADMIN_PW });
    const [req] = server.requests;
    expect(req!.sql).toBe(RESTORE_IN_PLACE);
    expect(req!.procedure).toBe('sp_executesql');
    expect(req!.params).toEqual({ db: DB, file: FILE });
    expect(action.timeoutMs).toBe(BACKUP_RESTORE_TIMEOUT_MS);
    // Neither the name nor the path is ever part of the batch text.
    expect(action.batch).not.toContain(DB);
    expect(action.batch).not.toContain("O'Brien");
    expect(JSON.stringify(action)).not.toContain(ADMIN_PW);
    expect(RESTORE_IN_PLACE).toMatch(
      /SINGLE_USER WITH ROLLBACK IMMEDIATE[\s\S]*WITH REPLACE, CHECKSUM, RECOVERY[\s\S]*MULTI_USER/,
    );
  });
});
