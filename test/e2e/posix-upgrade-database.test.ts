import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answers } from '../../electron/engine/answers/index.js';
import { MapSecretStore } from '../../electron/engine/secrets.js';
import { newDatabaseIssues } from '../../electron/engine/upgrade/preflight.js';
import {
  emptyPreparedDatabase,
  pgEnv,
  pgTool,
  restoreIntoNewDatabase,
  restorePosixBackup,
} from '../../electron/hosts/posix/upgrade-backup.js';
import { newDatabaseFacts } from '../../electron/hosts/posix/upgrade-preflight.js';
import { createQatrackDatabase, PG_BIN, startPostgres, type TestPostgres } from '../support/postgres.js';

/**
 * The major path's database preflight against a real PostgreSQL (the cluster the posix e2e tests
 * start): what pg_roles and pg_database say for a login without CREATEDB, with it, and for a
 * database a DBA made beforehand; and the rollback that empties such a database again.
 */
const PASSWORD = `pw'"\\ 3`;

describe.skipIf(!PG_BIN)('posix upgrade: the new database (real PostgreSQL)', () => {
  let pg: TestPostgres;
  let answers: Answers;
  let tmp: string;
  const secrets = new MapSecretStore([['database.login.password', PASSWORD]]);
  const facts = () => newDatabaseFacts(answers, secrets, 'qatrack40');

  beforeAll(async () => {
    pg = await startPostgres();
    tmp = await mkdtemp(path.join(os.tmpdir(), 'qatrack-newdb-'));
    await createQatrackDatabase(pg, {
      name: 'qatrack',
      user: 'qatrack',
      password: PASSWORD,
      readonlyUser: 'qatrack_reports',
      readonlyPassword: `ro ${PASSWORD}`,
    });
    // Only the fields the database functions read (a full Answers needs paths, site...).
    answers = {
      database: {
        engine: 'postgresql',
        server: '127.0.0.1',
        port: pg.port,
        name: 'qatrack',
        login: { user: 'qatrack' },
      },
    } as unknown as Answers;
    await execa(pgTool('psql'), ['-XAtqv', 'ON_ERROR_STOP=1'], {
      env: pgEnv(answers, secrets),
      input:
        "CREATE TABLE qa_unit (id serial PRIMARY KEY, name text); INSERT INTO qa_unit (name) VALUES ('Halcyon 3');",
    });
  }, 120_000);

  afterAll(async () => {
    await pg?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('a login without CREATEDB (and no database made for it) is refused, naming database.login.user', async () => {
    const f = await facts();
    expect(f).toEqual({ database: 'qatrack40', role: 'qatrack', canCreate: false });
    const issues = newDatabaseIssues(f);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('database.login.user');
    expect(issues[0]!.message).toContain('neither CREATEDB nor superuser');
    expect(issues[0]!.message).toContain('ALTER ROLE qatrack CREATEDB');
    expect(issues[0]!.message).toContain('CREATE DATABASE qatrack40 OWNER qatrack');
  });

  it('CREATEDB (or superuser) is enough', async () => {
    await pg.sql('ALTER ROLE qatrack CREATEDB');
    try {
      expect(newDatabaseIssues(await facts())).toEqual([]);
    } finally {
      await pg.sql('ALTER ROLE qatrack NOCREATEDB');
    }
    await pg.sql('ALTER ROLE qatrack SUPERUSER');
    try {
      expect((await facts()).canCreate).toBe(true);
    } finally {
      await pg.sql('ALTER ROLE qatrack NOSUPERUSER');
    }
  });

  it('a database of that name owned by someone else is refused', async () => {
    await pg.sql('CREATE DATABASE qatrack40');
    try {
      const f = await facts();
      expect(f.existing).toEqual({ owner: 'postgres', objects: 0 });
      const issues = newDatabaseIssues(f);
      expect(issues.map((i) => i.path)).toEqual(['database.name']);
      expect(issues[0]!.message).toContain('owned by postgres, not qatrack');
    } finally {
      await pg.sql('DROP DATABASE qatrack40');
    }
  });

  it('an empty one made by the DBA for the login is used, refused once it holds anything, and emptied again by the rollback', async () => {
    await pg.sql('CREATE DATABASE qatrack40 OWNER qatrack');
    const f = await facts();
    expect(f).toEqual({
      database: 'qatrack40',
      role: 'qatrack',
      canCreate: false,
      existing: { owner: 'qatrack', objects: 0 },
    });
    expect(newDatabaseIssues(f)).toEqual([]);

    // The restore into it, as the major path does it without CREATEDB (pg_dump -Fc of the old one).
    const dump = path.join(tmp, 'database.dump');
    await execa(pgTool('pg_dump'), ['-Fc', '--no-owner', '-f', dump], { env: pgEnv(answers, secrets) });
    await restoreIntoNewDatabase(answers, secrets, dump, 'qatrack40', { create: false });
    expect((await pg.sql('SELECT name FROM qa_unit', 'qatrack40')).trim()).toBe('Halcyon 3');
    const full = await facts();
    expect(full.existing!.objects).toBeGreaterThan(0);
    expect(newDatabaseIssues(full)[0]!.message).toContain('exists and is not empty');

    // What a migration may add beyond tables: a view, a function, an enum type.
    await execa(pgTool('psql'), ['-XAtqv', 'ON_ERROR_STOP=1'], {
      env: { ...pgEnv(answers, secrets), PGDATABASE: 'qatrack40' },
      input: [
        'CREATE VIEW unit_names AS SELECT name FROM qa_unit;',
        "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';",
        "CREATE TYPE mode AS ENUM ('a', 'b');",
      ].join('\n'),
    });
    await emptyPreparedDatabase(answers, secrets, 'qatrack40');
    expect((await facts()).existing).toEqual({ owner: 'qatrack', objects: 0 });
    // The old database was only read.
    expect((await pg.sql('SELECT name FROM qa_unit', 'qatrack')).trim()).toBe('Halcyon 3');
    await expect(emptyPreparedDatabase(answers, secrets, 'qatrack')).rejects.toThrow(
      "it is the deployment's own database",
    );
    await pg.sql('DROP DATABASE qatrack40');
  });

  it('the in-place rollback restores every table but the cache rows (a running django-q writes its key there)', async () => {
    const asLogin = (input: string) =>
      execa(pgTool('psql'), ['-XAtqv', 'ON_ERROR_STOP=1'], { env: pgEnv(answers, secrets), input });
    await asLogin(
      "CREATE TABLE qatrack_cache_table (cache_key varchar(255) PRIMARY KEY, value text, expires timestamptz); INSERT INTO qatrack_cache_table VALUES (':1:django_q:qatrack:cluster', 'x', now());",
    );
    const dump = path.join(tmp, 'in-place.dump');
    await execa(pgTool('pg_dump'), ['-Fc', '--no-owner', '-f', dump], { env: pgEnv(answers, secrets) });
    await asLogin("UPDATE qa_unit SET name = 'half-migrated'");
    await restorePosixBackup(answers, secrets, dump);
    expect((await pg.sql('SELECT name FROM qa_unit', 'qatrack')).trim()).toBe('Halcyon 3');
    expect((await pg.sql('SELECT count(*) FROM qatrack_cache_table', 'qatrack')).trim()).toBe('0');
    expect(existsSync(`${dump}.restore-list`)).toBe(false);
  });
});
