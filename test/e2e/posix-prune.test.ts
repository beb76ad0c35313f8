import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeExpiredPrevious } from '../../electron/app/upgrade/prune.js';
import type { Answers } from '../../electron/engine/answers/index.js';
import { computeLayout } from '../../electron/engine/layout.js';
import { MapSecretStore } from '../../electron/engine/secrets.js';
import { writeInstalledRelease } from '../../electron/engine/upgrade/installed-release.js';
import { pgTool } from '../../electron/hosts/posix/upgrade-backup.js';
import { createQatrackDatabase, startPostgres, type TestPostgres } from '../support/postgres.js';

/**
 * repair after the keep period on the major path (3.x -> 4.0: the new database qatrackplus40, the
 * old qatrackplus kept for a rollback), against a real PostgreSQL: the old database is dropped only
 * when the upgrade's pg_dump -Fc file exists and pg_restore --list reads it.
 */
const PW = 'Prune "pw" %^&! 1';
let pg: TestPostgres;
let root: string;

beforeAll(async () => {
  pg = await startPostgres();
  root = await mkdtemp(path.join(os.tmpdir(), 'qatrack-prune-'));
}, 120_000);
afterAll(async () => {
  await pg?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const databases = async () =>
  (await pg.sql("SELECT datname FROM pg_database WHERE datname LIKE 'qa%' ORDER BY 1"))
    .split('\n')
    .filter(Boolean);

/** An upgraded deployment: old db with a row, its dump, the new db, the old code, the record. */
async function upgraded(name: string, keepUntil: Date) {
  const dir = path.join(root, name);
  const installDir = path.join(dir, 'app');
  const answers = {
    release: '4.0.x',
    paths: { installDir, dataDir: path.join(dir, 'data') },
    python: {},
    backup: {},
    database: {
      server: '127.0.0.1',
      port: pg.port,
      name: `${name}40`,
      login: { user: `${name}_rw` },
    },
  } as unknown as Answers;
  await createQatrackDatabase(pg, {
    name,
    user: `${name}_rw`,
    password: PW,
    readonlyUser: `${name}_ro`,
    readonlyPassword: PW,
  });
  await pg.sql(`CREATE TABLE t (id int); INSERT INTO t VALUES (1); ALTER TABLE t OWNER TO ${name}_rw;`, name);
  await pg.sql(`CREATE DATABASE ${name}40 OWNER ${name}_rw;`);
  const backupDir = path.join(dir, 'backups', 'upgrade');
  await mkdir(backupDir, { recursive: true });
  const dump = path.join(backupDir, 'database.dump');
  const env = {
    PGHOST: '127.0.0.1',
    PGPORT: String(pg.port),
    PGUSER: `${name}_rw`,
    PGPASSWORD: PW,
    PGDATABASE: name,
  };
  await execa(pgTool('pg_dump'), ['-Fc', '--no-owner', '-f', dump], { env });
  const layout = computeLayout(answers, 'posix');
  const current = path.join(installDir, 'releases', '4.0.x');
  for (const d of [path.join(installDir, 'qatrackplus'), path.join(installDir, 'venv'), current])
    await mkdir(d, { recursive: true });
  await writeInstalledRelease(layout.stateDir, {
    release: '4.0.x',
    releaseDir: current,
    databaseName: `${name}40`,
    previous: {
      release: '3.1.1.4',
      releaseDir: installDir,
      keepUntil: keepUntil.toISOString(),
      database: name,
      backupFile: dump,
    },
  });
  const db = { answers, secrets: new MapSecretStore([['database.login.password', PW]]) };
  return { layout, installDir, dump, db, name };
}

const past = () => new Date(Date.now() - 1000);

describe('posix repair after the keep period: the old PostgreSQL database', { timeout: 120_000 }, () => {
  it('before keepUntil: nothing is dropped or removed', async () => {
    const u = await upgraded('qaearly', new Date(Date.now() + 86_400_000));
    expect(await removeExpiredPrevious(u.layout, new Date(), u.db)).toEqual({ removed: [] });
    expect(await databases()).toEqual(expect.arrayContaining(['qaearly', 'qaearly40']));
    expect(existsSync(path.join(u.installDir, 'venv'))).toBe(true);
  });

  it('after keepUntil, the dump reads back: the old database is dropped, the old code goes, the new database stays; again: nothing', async () => {
    const u = await upgraded('qadue', past());
    const r = await removeExpiredPrevious(u.layout, new Date(), u.db);
    expect(r).toEqual({
      removed: [path.join(u.installDir, 'qatrackplus'), path.join(u.installDir, 'venv')],
      droppedDatabase: 'qadue',
    });
    const dbs = await databases();
    expect(dbs).toContain('qadue40');
    expect(dbs).not.toContain('qadue');
    expect(existsSync(u.dump)).toBe(true); // the backup itself is kept
    const record = JSON.parse(await readFile(path.join(u.layout.stateDir, 'installed-release.json'), 'utf8'));
    expect(record.previous).toBeUndefined();
    expect(await removeExpiredPrevious(u.layout, new Date(), u.db)).toEqual({ removed: [] });
  });

  for (const c of [
    { name: 'qagone', why: /qagone.*database\.dump does not exist/, spoil: (f: string) => rm(f) },
    {
      name: 'qabad',
      why: /pg_restore --list .*database\.dump failed: .+/,
      // What is left of a dump cut short (its first bytes only): not a readable archive.
      spoil: async (f: string) => writeFile(f, (await readFile(f)).subarray(0, 40)),
    },
  ])
    it(`after keepUntil, the dump ${c.name === 'qagone' ? 'is missing' : 'is truncated'}: the old database and code are kept, a warning says why`, async () => {
      const u = await upgraded(c.name, past());
      await c.spoil(u.dump);
      const r = await removeExpiredPrevious(u.layout, new Date(), u.db);
      expect(r.removed).toEqual([]);
      expect(r.droppedDatabase).toBeUndefined();
      expect(r.warning).toMatch(c.why);
      expect(r.warning).toContain(`nothing was removed: kept the database ${c.name}`);
      expect(r.warning).not.toContain(PW);
      expect(await databases()).toEqual(expect.arrayContaining([c.name, `${c.name}40`]));
      expect(await pg.sql('SELECT count(*) FROM t', c.name)).toBe('1');
      expect(existsSync(path.join(u.installDir, 'venv'))).toBe(true);
      const record = JSON.parse(
        await readFile(path.join(u.layout.stateDir, 'installed-release.json'), 'utf8'),
      );
      expect(record.previous.database).toBe(c.name);
    });
});
