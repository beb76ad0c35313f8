import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUnattendedFromArgv } from '../../electron/cli/unattended.js';
import { sealBundle } from '../support/posix-site.js';
import { createQatrackDatabase, PG_BIN, startPostgres, type TestPostgres } from '../support/postgres.js';

/**
 * `--unattended --mode upgrade` to 4.0 (the new-database path) on the posix host, refused by the
 * preflight checks the 3 -> 4 path adds: a login that may not create the new database (real
 * PostgreSQL: pg_roles says NOCREATEDB), a qatrack40 that is not empty, no Python 3.12. Each is the
 * CLI's exit 64, which IT automation sees as 1639 (ERROR_INVALID_COMMAND_LINE, electron/engine/msi-exit.ts),
 * with every problem named and nothing changed.
 */
const DB_PASSWORD = 'Upgrade-db pw "x" 7!';

describe.skipIf(!PG_BIN)(
  'packaged app --unattended --mode upgrade: 3 -> 4 preflight refusals are 1639',
  () => {
    let pg: TestPostgres;
    let root: string;
    let answersFile: string;
    let dataDir: string;
    let catalogDir: string;

    beforeAll(async () => {
      pg = await startPostgres();
      await createQatrackDatabase(pg, {
        name: 'qatrack',
        user: 'qatrack',
        password: DB_PASSWORD,
        readonlyUser: 'qatrack_reports',
        readonlyPassword: 'Upgrade-ro pw 7!',
      });
      root = await mkdtemp(path.join(os.tmpdir(), 'qatrack-unattended-40-'));
      dataDir = path.join(root, 'data');
      catalogDir = path.join(root, 'catalog');
      await mkdir(catalogDir, { recursive: true });
      await copyFile('test/fixtures/engine/catalog/3.1.1.4.json', path.join(catalogDir, '3.1.1.4.json'));
      await copyFile('test/fixtures/upgrade-catalog/4.0.0.json', path.join(catalogDir, '4.0.0.json'));
      // A bundle of the target release (its manifest is what the preflight reads).
      const bundleDir = path.join(root, 'bundle-4.0.0');
      await mkdir(path.join(bundleDir, 'source'), { recursive: true });
      await writeFile(
        path.join(bundleDir, 'source', 'qatrackplus-4.0.0.tar.gz'),
        'not read by the preflight',
      );
      await sealBundle(bundleDir, '4.0.0');
      answersFile = path.join(root, 'answers.json');
      await writeFile(
        answersFile,
        JSON.stringify({
          release: '3.1.1.4',
          paths: { installDir: path.join(root, 'app'), dataDir, bundleDir },
          python: { executable: path.join(root, 'no-such-python3.12') },
          database: {
            engine: 'postgresql',
            server: '127.0.0.1',
            port: pg.port,
            name: 'qatrack',
            login: { user: 'qatrack', password: DB_PASSWORD },
            readonlyLogin: { user: 'qatrack_reports', password: 'Upgrade-ro pw 7!' },
            provision: false,
          },
          admin: { username: 'admin', email: 'admin@example.org', password: 'Upgrade-admin pw 7!' },
          site: { hostNames: ['qatrack.test'], httpPort: 8080 },
          workers: { count: 1, basePort: 9100 },
          chrome: { mode: 'none' },
          timeZone: 'Europe/Berlin',
        }),
      );
    }, 120_000);

    afterAll(async () => {
      await pg?.stop();
      if (root) await rm(root, { recursive: true, force: true });
    });

    async function upgrade40(logName: string, file = answersFile) {
      const lines: string[] = [];
      const logFile = path.join(root, 'logs', `${logName}.log`);
      const code = await runUnattendedFromArgv(
        [
          'app.exe',
          '--unattended',
          '--mode',
          'upgrade',
          '--release',
          '4.0.0',
          '--answers',
          file,
          '--log-file',
          logFile,
        ],
        { write: (l) => lines.push(l), runOptions: { host: 'posix', catalogDir } },
      );
      return { code, text: lines.join('\n'), lines, log: readFileSync(logFile, 'utf8') };
    }

    it('no CREATEDB for the login and no Python 3.12: 1639, both named in the output and the log, nothing made', async () => {
      const r = await upgrade40('no-createdb');
      expect(r.code, r.text).toBe(1639);
      expect(r.text).toContain('Error UPGRADE_REFUSED: The upgrade from 3.1.1.4 to 4.0.0 was refused');
      expect(r.text).toContain(
        'database.login.user: qatrack may not create the new database qatrack40 (it has neither CREATEDB nor superuser)',
      );
      expect(r.text).toContain(
        `python.executable: Python 3.12 is needed and ${path.join(root, 'no-such-python3.12')} does not run`,
      );
      expect(r.lines.at(-1)).toContain(
        'did not start: the answers or options are invalid; nothing was changed (exit code 1639)',
      );
      expect(r.log).toContain('qatrack may not create the new database qatrack40');
      expect(r.log + r.text).not.toContain(DB_PASSWORD);
      // Refused before the backup: no data folder, no new database.
      expect(existsSync(dataDir)).toBe(false);
      expect((await pg.sql("SELECT count(*) FROM pg_database WHERE datname = 'qatrack40'")).trim()).toBe('0');
    });

    it('a qatrack40 that is not empty (even one the login owns) is 1639 naming database.name, and is left as it was', async () => {
      await pg.sql('CREATE DATABASE qatrack40 OWNER qatrack');
      await pg.sql('CREATE TABLE leftover (id int); INSERT INTO leftover VALUES (7)', 'qatrack40');
      try {
        const r = await upgrade40('not-empty');
        expect(r.code, r.text).toBe(1639);
        expect(r.text).toContain('database.name: a database qatrack40 exists and is not empty');
        expect((await pg.sql('SELECT id FROM leftover', 'qatrack40')).trim()).toBe('7');
        expect(existsSync(dataDir)).toBe(false);
      } finally {
        await pg.sql('DROP DATABASE qatrack40');
      }
    });

    it('a database server that cannot be asked is 1639 naming database.login (no password in the message)', async () => {
      const answers = JSON.parse(readFileSync(answersFile, 'utf8')) as { database: { port: number } };
      answers.database.port = 1;
      const down = path.join(root, 'answers-down.json');
      await writeFile(down, JSON.stringify(answers));
      const r = await upgrade40('server-down', down);
      expect(r.code, r.text).toBe(1639);
      expect(r.text).toContain(
        'database.login: could not check whether qatrack may create the new database qatrack40',
      );
      expect(r.log + r.text).not.toContain(DB_PASSWORD);
      expect(existsSync(dataDir)).toBe(false);
    });
  },
);
