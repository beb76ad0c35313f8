/**
 * "Test connection" with Windows authentication goes the way provisioning connects: through the
 * host's `sql` topic (on Windows the fixed SqlClient script with Integrated Security; here the sim's
 * SQL Server), never through tedious, which has no integrated login (tediousjs/tedious#415).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHost } from '../../electron/hosts/index.js';
import { cleanServer, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { testSqlServer } from '../../electron/ipc/db-test.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'qatrack-dbtest-'));
function simHost(state: object) {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(state));
  return () => createHost({ kind: 'sim', file }, { readOnly: true });
}
const req = { server: 'sql01.hospital.local', instance: 'QATRACK', authMode: 'windows' as const };

describe('Test connection, Windows authentication', () => {
  it('connects through the host as the account running the installer', async () => {
    const r = await testSqlServer(req, { readHost: simHost(withExistingSql(cleanServer())) });
    expect(r.ok).toBe(true);
    expect(r.detail).toBe(
      'Connected to sql01.hospital.local\\QATRACK with Windows authentication, as the Windows account running the installer.',
    );
  });

  it('a refused Windows login says so, and does not send the reader to "mixed mode"', async () => {
    const r = await testSqlServer(req, { readHost: simHost(cleanServer()) });
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('refused the Windows account running the installer (error 18456)');
    expect(`${r.detail} ${r.fix}`).not.toMatch(/mixed mode|password/i);
  });

  it('off Windows (the posix host) it says it cannot test, instead of failing a login', async () => {
    const r = await testSqlServer(req, { readHost: () => createHost({ kind: 'posix' }, { readOnly: true }) });
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('only be tested on a Windows machine');
  });
});
