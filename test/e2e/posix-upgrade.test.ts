import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnswers } from '../../electron/engine/answers/index.js';
import { computeLayout } from '../../electron/engine/layout.js';
import { pgTool, restorePosixBackup } from '../../electron/hosts/posix/upgrade-backup.js';
import {
  buildReleaseArchive,
  fixtureV240Overlays,
  fixtureV2Overlay,
  repoRoot,
  testPython,
  testWheelhouse,
} from '../support/fixture.js';
import {
  CANARY,
  cli,
  get,
  missingTools,
  prepareSite,
  sealBundle,
  startCli,
  teardownSite,
  writeAnswers,
  type Site,
} from '../support/posix-site.js';

/**
 * The upgrade on the posix host, for real, from one v1 install (fixture v1: 3.1.1.4's stack, Django
 * 2.2 on Python 3.9) shared by every scenario, through the real nginx, PostgreSQL (pg_dump,
 * pg_restore, CREATE/DROP DATABASE), venvs and workers:
 * - in place to 3.1.1.5 (test/fixtures/qatrack-fixture-v2: same stack, schema + data migration):
 *   a failure in migrate rolls back by pg_restore --clean (its success is the second describe);
 * - the major path to 4.0.0 (test/fixtures/qatrack-fixture-v2-40: Django 4.2, Python 3.12, django-q2,
 *   64-bit keys), as upstream's 3 -> 4 upgrade: the backup restored into a new database qatrack40,
 *   migrated there; failures in migrate and health, and a SIGKILL then `repair`, each drop the new
 *   database and leave the old one exactly as it was; then the upgrade itself, then uninstall.
 * Failures are injected with QATRACK_INSTALLER_FAULT.
 */
const missing = await missingTools({ python312: true });
if (missing && process.env.CI === 'true') throw new Error(`posix e2e cannot run in CI: ${missing}`);

type Kind = 'old' | 'maintenance' | 'new' | 'other';

/**
 * Lays out the target's bundle as `bundle create --release` does: for 3.1.1.5 the install's
 * wheelhouse and tools (same stack); for 4.0.0 the 4.0-line fixture's cp312 wheelhouse
 * (scripts/build-test-wheelhouse.sh 4.0). Returns the answers naming that bundle (and, for 4.0.0,
 * the Python 3.12 its venv is made with).
 */
async function targetBundle(site: Site, release: '3.1.1.5' | '4.0.0'): Promise<string> {
  const bundle = path.join(site.root, `bundle-${release}`);
  await mkdir(path.join(bundle, 'source'), { recursive: true });
  await mkdir(path.join(bundle, 'artifacts'), { recursive: true });
  await cp(path.join(site.bundleDir, 'artifacts'), path.join(bundle, 'artifacts'), { recursive: true });
  let python: string | undefined;
  if (release === '4.0.0') {
    const wh = await testWheelhouse('4.0');
    await cp(wh.wheels, path.join(bundle, 'wheelhouse'), { recursive: true });
    python = await testPython('3.12');
    if (!python) throw new Error('no Python 3.12 (scripts/test-python.sh 3.12)');
    await buildReleaseArchive(path.join(bundle, 'source'), release, undefined, fixtureV240Overlays);
  } else {
    await cp(path.join(site.bundleDir, 'wheelhouse'), path.join(bundle, 'wheelhouse'), { recursive: true });
    await buildReleaseArchive(path.join(bundle, 'source'), release, undefined, fixtureV2Overlay);
  }
  await sealBundle(bundle, release);
  return writeAnswers(site, `answers-${release}`, (a) => {
    a.paths.bundleDir = bundle;
    if (python) a.python = { executable: python };
  });
}

/** Installs v1 with the test-only catalog entries of the upgrade targets beside it. */
async function installV1(site: Site): Promise<void> {
  for (const f of ['3.1.1.3.json', '3.1.1.5.json', '4.0.0.json'])
    await cp(path.join(repoRoot, 'test', 'fixtures', 'upgrade-catalog', f), path.join(site.catalogDir, f));
  const install = await cli(site, ['install', '--yes']);
  if (install.exitCode !== 0) throw new Error(`install failed:\n${install.all}`);
}

async function installV1WithV2Bundle(site: Site): Promise<string> {
  await installV1(site);
  return targetBundle(site, '3.1.1.5');
}

describe.skipIf(missing !== undefined)('posix upgrade (real nginx, PostgreSQL, venv, workers)', () => {
  let site: Site;
  let v2Answers: string;
  let v40Answers: string;
  const started = Date.now();
  const backupDir = () => path.join(site.dataDir, 'backups');
  const stateDir = () => path.join(site.dataDir, 'installer');
  const v2Dir = () => path.join(site.installDir, 'releases', '3.1.1.5');
  const v40Dir = () => path.join(site.installDir, 'releases', '4.0.0');
  const psql = (sql: string, database = 'qatrack') =>
    execa(pgTool('psql'), ['-XAtqv', 'ON_ERROR_STOP=1', '-c', sql], {
      env: {
        PGHOST: '127.0.0.1',
        PGPORT: String(site.pg.port),
        PGUSER: 'qatrack',
        PGPASSWORD: site.secrets['database.login.password'],
        PGDATABASE: database,
      },
    });
  const backups = async () => (await readdir(backupDir()).catch(() => [] as string[])).length;
  const fixtureRelease = async () =>
    String((await get(site.httpPort, '/accounts/login/')).headers['x-fixture-release']);
  const migration = async (name: string, database = 'qatrack') =>
    (await psql(`SELECT count(*) FROM django_migrations WHERE app = 'qa' AND name = '${name}'`, database))
      .stdout;
  const newDbExists = async () =>
    (await site.pg.sql("SELECT count(*) FROM pg_database WHERE datname = 'qatrack40'")).trim();
  /** The old database's schema, every column with its type: must not change on the major path. */
  const schemaOf = async (database = 'qatrack') =>
    (
      await psql(
        "SELECT table_name || '.' || column_name || ':' || data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1",
        database,
      )
    ).stdout;
  const rowsOf = async (database = 'qatrack') =>
    (await psql("SELECT string_agg(value, ',' ORDER BY id) FROM qa_result", database)).stdout +
    '|' +
    (await psql("SELECT string_agg(id || ':' || name, ',' ORDER BY id) FROM qa_unit", database)).stdout;
  const workerCwd = async () =>
    (
      JSON.parse(
        await readFile(path.join(site.installDir, 'services', 'qatrack-worker-1', 'spec.json'), 'utf8'),
      ) as { cwd: string }
    ).cwd;
  const journal = async () =>
    (await readFile(path.join(stateDir(), 'journal.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.type === 'upgrade');
  let v1Schema = '';
  let v1Rows = '';

  /** Polls the public port every 100 ms: old site, maintenance page, new site, or anything else. */
  function startProbe(newRelease: string) {
    const seen: { t: number; kind: Kind; detail: string }[] = [];
    let on = true;
    const done = (async () => {
      while (on) {
        const t = Date.now();
        const r = await get(site.httpPort, '/accounts/login/').catch((e: Error) => ({
          status: 0,
          headers: undefined,
          body: Buffer.from(e.message),
        }));
        const body = r.body.toString();
        const rel = r.headers?.['x-fixture-release'];
        const kind: Kind =
          r.status === 200 && rel === 'v1'
            ? 'old'
            : r.status === 200 && rel === newRelease
              ? 'new'
              : r.status === 503 && body.includes('QATrack+ is being upgraded')
                ? 'maintenance'
                : 'other';
        seen.push({ t, kind, detail: `${r.status} ${body.slice(0, 80)}` });
        await sleep(100);
      }
    })();
    return {
      seen,
      async stop() {
        await sleep(300);
        on = false;
        await done;
        return {
          kinds: seen.map((s) => s.kind).filter((k, i, a) => k !== a[i - 1]),
          others: seen.filter((s) => s.kind === 'other'),
          maintenanceMs: (() => {
            const m = seen.filter((s) => s.kind === 'maintenance');
            return m.length ? m.at(-1)!.t - m[0]!.t : 0;
          })(),
        };
      },
    };
  }

  /** Until the upgrade's state says `phase` is done but for the injected hang (its work is done). */
  async function waitForPhase(
    phase: string,
    lastMigration: () => Promise<boolean>,
    child: { exitCode: number | null },
  ) {
    const stateFile = path.join(stateDir(), 'upgrade-state.json');
    for (let i = 0; i < 3000; i++) {
      // An upgrade that ended (refused, failed) never gets there: say so now, not after 10 minutes.
      if (child.exitCode !== null)
        throw new Error(`the upgrade ended (exit ${child.exitCode}) before ${phase}`);
      const s = existsSync(stateFile)
        ? (JSON.parse(await readFile(stateFile, 'utf8').catch(() => '{}')) as { phase?: string })
        : {};
      // The phase ran (the hang comes after its work): for migrate, the last migration is recorded.
      if (s.phase === phase && (phase !== 'migrate' || (await lastMigration().catch(() => false)))) return;
      await sleep(200);
    }
    throw new Error(`the upgrade never reached ${phase}`);
  }

  /** v1 as it was before any upgrade: its code, its schema and rows exactly, no new database, no record. */
  async function expectBackOnV1() {
    expect(await fixtureRelease()).toBe('v1');
    expect(await schemaOf()).toBe(v1Schema);
    expect(await rowsOf()).toBe(v1Rows);
    expect(await migration('0002_unit_code')).toBe('0');
    expect(await newDbExists()).toBe('0');
    expect(await workerCwd()).toBe(path.join(site.installDir, 'qatrackplus'));
    expect(existsSync(v2Dir())).toBe(false);
    expect(existsSync(v40Dir())).toBe(false);
    expect(existsSync(path.join(stateDir(), 'installed-release.json'))).toBe(false);
    expect(existsSync(path.join(stateDir(), 'upgrade-state.json'))).toBe(false);
  }

  /**
   * The 4.0 release's Python 3.12 venv, built once by the upgrade's own stage phase (venv + offline
   * wheelhouse, ~55 s of each 3 -> 4 run) and copied into releases/4.0.0 before each 3 -> 4 scenario:
   * the venv and wheelhouse steps then find it converged (python runs, wheelhouse stamp matches, the
   * requirements check passes) and plan nothing. A venv is not relocatable, so it goes back to the
   * path it was made at (cp -a keeps its symlinks to the pyenv interpreter as they are).
   */
  let venv40Template = '';
  async function buildVenv40Template() {
    const t0 = Date.now();
    const child = startCli(site, ['upgrade', '--release', '4.0.0'], v40Answers, {
      QATRACK_INSTALLER_FAULT: 'upgrade:stage-release:hang',
    });
    // local_settings.py is the stage phase's last step: the venv and its wheelhouse stamp are done.
    const settings = path.join(v40Dir(), 'qatrackplus', 'qatrack', 'local_settings.py');
    const stamp = path.join(v40Dir(), 'venv', 'qatrack-wheelhouse.sha256');
    for (let i = 0; i < 3000 && child.exitCode === null && !(existsSync(settings) && existsSync(stamp)); i++)
      await sleep(200);
    if (child.exitCode !== null || !existsSync(stamp)) {
      // Still running (hung or slow): end it so the hook reports what it printed instead of timing out.
      if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
      const r = await child;
      throw new Error(
        `the stage phase never finished the 4.0 venv:\n${String(r.stdout)}\n${String(r.stderr)}`,
      );
    }
    venv40Template = path.join(site.root, 'venv-4.0.0-template');
    await execa('cp', ['-a', path.join(v40Dir(), 'venv'), venv40Template]);
    const built = Date.now() - t0;
    // Cancelled (SIGTERM) in its hang: rolled back, releases/4.0.0 removed, nothing else was touched.
    // process.kill, not child.kill: execa's kill turns into SIGKILL after 5 s, mid-rollback.
    process.kill(child.pid!, 'SIGTERM');
    const r = await child;
    if (r.exitCode !== 130)
      throw new Error(
        `the template run did not cancel cleanly (exit ${r.exitCode}, ${r.signal}):\n${String(r.stdout)}\n${String(r.stderr)}`,
      );
    console.log(
      `[upgrade] 4.0 venv built once by the stage phase (template): ${built} ms, cancelled and rolled back ${Date.now() - t0 - built} ms`,
    );
  }
  const seedVenv40 = async () => {
    await mkdir(v40Dir(), { recursive: true });
    await execa('cp', ['-a', venv40Template, path.join(v40Dir(), 'venv')]);
  };

  beforeAll(async () => {
    site = await prepareSite();
    await installV1(site);
    [v2Answers, v40Answers] = await Promise.all([targetBundle(site, '3.1.1.5'), targetBundle(site, '4.0.0')]);
    // Upstream's 3 -> 4 path has the DBA create the new database; here the login may create it
    // (one scenario below takes the DBA's way).
    await site.pg.sql('ALTER ROLE qatrack CREATEDB');
    // Data of the running release: a table of our own, a unit, a media file.
    await psql('CREATE TABLE qa_result (id serial PRIMARY KEY, value text NOT NULL)');
    await psql("INSERT INTO qa_result (value) VALUES ('before-upgrade-1'), ('before-upgrade-2')");
    await psql("INSERT INTO qa_unit (name) VALUES ('Halcyon 3')");
    await mkdir(path.join(site.dataDir, 'media', 'uploads'), { recursive: true });
    await cp(path.join(repoRoot, 'package.json'), path.join(site.dataDir, 'media', 'uploads', 'scan.json'));
    v1Schema = await schemaOf();
    v1Rows = await rowsOf();
    expect(v1Schema).toContain('qa_unit.id:integer');
    await buildVenv40Template();
  }, 900_000);

  afterAll(async () => {
    console.log(`[upgrade] shared-install describe: ${Date.now() - started} ms`);
    await teardownSite(site);
  }, 120_000);

  it('refuses a downgrade, an unknown release and a bundle of another release: exit 64, no backup', async () => {
    const before = await backups();
    const down = await cli(site, ['upgrade', '--release', '3.1.1.3'], v2Answers);
    expect(down.exitCode, down.all).toBe(64);
    expect(down.all).toContain('--release: 3.1.1.3 is older than the installed 3.1.1.4');
    const unknown = await cli(site, ['upgrade', '--release', '9.9.9'], v2Answers);
    expect(unknown.exitCode, unknown.all).toBe(64);
    expect(unknown.all).toContain('unknown release 9.9.9');
    // The install's bundle holds 3.1.1.4, not the target.
    const wrong = await cli(site, ['upgrade', '--release', '3.1.1.5']);
    expect(wrong.exitCode, wrong.all).toBe(64);
    expect(wrong.all).toContain('the bundle holds release 3.1.1.4, not 3.1.1.5');
    const days = await cli(site, ['upgrade', '--release', '3.1.1.5', '--keep-old-days', '0'], v2Answers);
    expect(days.exitCode, days.all).toBe(64);
    expect(days.all).toContain('--keep-old-days: must be from 1 to 365');
    // The major path's new database must not exist yet: one that does is not the upgrade's to drop.
    await site.pg.sql('CREATE DATABASE qatrack40');
    const taken = await cli(site, ['upgrade', '--release', '4.0.0'], v40Answers);
    await site.pg.sql('DROP DATABASE qatrack40');
    expect(taken.exitCode, taken.all).toBe(64);
    expect(taken.all).toContain('(database.name): a database qatrack40 exists');
    expect(existsSync(v40Dir())).toBe(false);
    expect(await backups()).toBe(before);
    expect(await fixtureRelease()).toBe('v1');
  }, 120_000);

  it('3.1 -> 4.0 preflight: a login without CREATEDB, a qatrack40 not empty, no Python 3.12: exit 64 naming each, no backup', async () => {
    const before = await backups();
    const upgrade40 = (answers = v40Answers) => cli(site, ['upgrade', '--release', '4.0.0'], answers);
    await site.pg.sql('ALTER ROLE qatrack NOCREATEDB');
    try {
      const noCreate = await upgrade40();
      expect(noCreate.exitCode, noCreate.all).toBe(64);
      expect(noCreate.all).toContain(
        '(database.login.user): qatrack may not create the new database qatrack40 (it has neither CREATEDB nor superuser)',
      );
      expect(noCreate.all).toContain('CREATE DATABASE qatrack40 OWNER qatrack');
      // A database the DBA made for the login, but not empty: not the upgrade's to restore into.
      await site.pg.sql('CREATE DATABASE qatrack40 OWNER qatrack');
      await psql('CREATE TABLE leftover (id int)', 'qatrack40');
      const notEmpty = await upgrade40();
      expect(notEmpty.exitCode, notEmpty.all).toBe(64);
      expect(notEmpty.all).toContain('(database.name): a database qatrack40 exists and is not empty');
    } finally {
      await site.pg.sql('DROP DATABASE IF EXISTS qatrack40');
      await site.pg.sql('ALTER ROLE qatrack CREATEDB');
    }
    // 4.0 needs Python 3.12: one that does not exist, and the 3.9 that runs 3.1.1.4.
    const bundle40 = path.join(site.root, 'bundle-4.0.0');
    const noPython = await writeAnswers(site, 'answers-4.0.0-no-python', (a) => {
      a.paths.bundleDir = bundle40;
      a.python = { executable: path.join(site.root, 'no-such-python3.12') };
    });
    const missingPy = await upgrade40(noPython);
    expect(missingPy.exitCode, missingPy.all).toBe(64);
    expect(missingPy.all).toContain(
      `(python.executable): Python 3.12 is needed and ${path.join(site.root, 'no-such-python3.12')} does not run`,
    );
    expect(missingPy.all).toContain('pyenv install 3.12');
    const py39 = (await testPython('3.9'))!;
    const oldPython = await writeAnswers(site, 'answers-4.0.0-python39', (a) => {
      a.paths.bundleDir = bundle40;
      a.python = { executable: py39 };
    });
    const wrongPy = await upgrade40(oldPython);
    expect(wrongPy.exitCode, wrongPy.all).toBe(64);
    expect(wrongPy.all).toMatch(/is Python 3\.9\.\d+; this release needs Python 3\.12/);
    expect(existsSync(v40Dir())).toBe(false);
    expect(existsSync(path.join(stateDir(), 'upgrade-state.json'))).toBe(false);
    expect(await newDbExists()).toBe('0');
    expect(await backups()).toBe(before);
    expect(await fixtureRelease()).toBe('v1');
  }, 180_000);

  it('--backup-only writes a pg_dump -Fc that pg_restore lists, media, and no password anywhere', async () => {
    const r = await cli(site, ['upgrade', '--release', '3.1.1.5', '--backup-only', '--json'], v2Answers);
    expect(r.exitCode, r.all).toBe(0);
    const line = r.stdout.split('\n').find((l) => l.includes('"type":"backup"'));
    const backup = JSON.parse(line!) as { dir: string; dumpFile: string; bytes: number; ms: number };
    expect(backup.dir.startsWith(backupDir())).toBe(true);
    // The real pg_restore parses the archive's table of contents.
    const toc = await execa(pgTool('pg_restore'), ['-l', backup.dumpFile]);
    expect(toc.stdout).toMatch(/TABLE DATA public qa_result/);
    expect(await readFile(path.join(backup.dir, 'media', 'uploads', 'scan.json'), 'utf8')).toContain(
      'qatrack-installer',
    );
    const meta = JSON.parse(await readFile(path.join(backup.dir, 'backup.json'), 'utf8')) as {
      release: string;
    };
    expect(meta.release).toBe('3.1.1.4');
    for (const text of site.outputs) expect(text).not.toContain(CANARY);
    console.log(`[upgrade] backup only: ${backup.bytes} bytes in ${backup.ms} ms`);

    // Rollback of the database: a write after the backup is undone by pg_restore --clean.
    await psql("DELETE FROM qa_result WHERE value = 'before-upgrade-1'");
    await psql("INSERT INTO qa_result (value) VALUES ('half-migrated')");
    const loaded = loadAnswers(JSON.parse(await readFile(v2Answers, 'utf8')), {
      env: {},
      provided: site.secrets,
    });
    if (!loaded.ok) throw new Error('answers do not load');
    expect(computeLayout(loaded.answers, 'posix').backupDir).toBe(backupDir());
    await restorePosixBackup(loaded.answers, loaded.secrets, backup.dumpFile);
    expect(await rowsOf()).toBe(v1Rows);
  }, 180_000);

  it('in place: a failure injected in migrate (migrations applied) rolls back to v1 by pg_restore; exit 1 names the backup', async () => {
    const probe = startProbe('v2');
    const r = await cli(site, ['upgrade', '--release', '3.1.1.5'], v2Answers, {
      QATRACK_INSTALLER_FAULT: 'upgrade:migrate',
    });
    const seen = await probe.stop();
    expect(r.exitCode, r.all).toBe(1);
    expect(r.stdout).toContain('failed in migrate: injected fault');
    expect(r.stdout).toContain('Rolled back: 3.1.1.4 is running again');
    expect(r.stdout).toMatch(new RegExp(`The backup is in ${backupDir()}/\\S+-before-3\\.1\\.1\\.5`));
    // One event per migration applied, as Django's own output says (the v2 migration was applied).
    expect(r.stderr).toContain('applied qa.0002_unit_code');
    expect(r.stderr).toContain('applied qa.0003_unithistory');
    expect(r.stderr).toContain('[rollback] Restore the database');
    await expectBackOnV1();
    expect(seen.others).toEqual([]);
    expect(seen.kinds).toEqual(['old', 'maintenance', 'old']);
    expect((await journal()).at(-1)).toMatchObject({
      from: '3.1.1.4',
      to: '3.1.1.5',
      path: 'in-place',
      outcome: 'rolled-back',
      phase: 'migrate',
      database: 'qatrack',
    });
  }, 600_000);

  it('3.1 -> 4.0 into an empty qatrack40 the DBA made (login without CREATEDB): a failure in migrate empties it again; the old one is untouched', async () => {
    // Upstream's guide: the DBA creates the new database; the login itself may not create one.
    await site.pg.sql('ALTER ROLE qatrack NOCREATEDB');
    await site.pg.sql('CREATE DATABASE qatrack40 OWNER qatrack');
    let r: Awaited<ReturnType<typeof cli>>;
    let seen: Awaited<ReturnType<ReturnType<typeof startProbe>['stop']>>;
    let left: string;
    try {
      await seedVenv40();
      const probe = startProbe('v2-40');
      r = await cli(site, ['upgrade', '--release', '4.0.0'], v40Answers, {
        QATRACK_INSTALLER_FAULT: 'upgrade:migrate',
      });
      seen = await probe.stop();
      left = await newDbExists();
      // Every relation of its own schemas is gone: as the DBA handed it over.
      left += `|${(await psql("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'", 'qatrack40')).stdout}`;
    } finally {
      await site.pg.sql('DROP DATABASE IF EXISTS qatrack40');
      await site.pg.sql('ALTER ROLE qatrack CREATEDB');
    }
    expect(r.exitCode, r.all).toBe(1);
    expect(r.stdout).toContain('failed in migrate: injected fault');
    expect(r.stdout).toContain('(the new database qatrack40 was emptied)');
    // Django 4.2's own migrations and the fixture's 64-bit key change ran, in qatrack40 only.
    expect(r.stderr).toContain('restored into the new database qatrack40');
    expect(r.stderr).toContain('applied qa.0004_bigint_keys');
    expect(r.stderr).toContain('applied auth.0012_alter_user_first_name_max_length');
    expect(r.stderr).toContain('[rollback] Empty the new database qatrack40 (qatrack was not changed)');
    expect(r.stderr).not.toContain('[rollback] Restore the database');
    expect(left).toBe('1|0');
    await expectBackOnV1();
    expect(seen.others).toEqual([]);
    expect(seen.kinds).toEqual(['old', 'maintenance', 'old']);
  }, 600_000);

  it('3.1 -> 4.0: a failed health check (services already on 4.0) puts them back on v1 and drops the new database', async () => {
    await seedVenv40();
    const r = await cli(site, ['upgrade', '--release', '4.0.0'], v40Answers, {
      QATRACK_INSTALLER_FAULT: 'upgrade:health',
    });
    expect(r.exitCode, r.all).toBe(1);
    expect(r.stdout).toContain('failed in health: injected fault');
    expect(r.stderr).toContain('[rollback] Put qatrack-worker-1 back on 3.1.1.4');
    expect(r.stderr).toContain('[rollback] Drop the new database qatrack40');
    await expectBackOnV1();
    expect((await journal()).at(-1)).toMatchObject({
      to: '4.0.0',
      path: 'new-database',
      outcome: 'rolled-back',
      phase: 'health',
      database: 'qatrack',
    });
  }, 600_000);

  it('3.1 -> 4.0: SIGKILL mid-upgrade (migrations applied in the new database), then repair: back on v1 alone', async () => {
    await seedVenv40();
    const child = startCli(site, ['upgrade', '--release', '4.0.0'], v40Answers, {
      QATRACK_INSTALLER_FAULT: 'upgrade:migrate:hang',
    });
    await waitForPhase(
      'migrate',
      async () => (await migration('0004_bigint_keys', 'qatrack40')) === '1',
      child,
    );
    expect(await newDbExists()).toBe('1');
    child.kill('SIGKILL');
    await child.catch(() => undefined);
    // The site still shows the maintenance page: nothing half-switched is served.
    expect((await get(site.httpPort, '/accounts/login/')).status).toBe(503);
    // A new upgrade is refused until repair has dealt with the interrupted one.
    const blocked = await cli(site, ['upgrade', '--release', '4.0.0'], v40Answers);
    expect(blocked.exitCode, blocked.all).toBe(64);
    expect(blocked.all).toContain('was interrupted in migrate; nothing was changed');
    const r = await cli(site, ['repair']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain('(stopped in migrate) was rolled back');
    await expectBackOnV1();
    expect((await journal()).at(-1)).toMatchObject({ to: '4.0.0', outcome: 'rolled-back-by-repair' });
  }, 900_000);

  it('3.1 -> 4.0: v1 -> v2-40 in a new database, data kept, 64-bit keys; the probe sees old site / maintenance / new site', async () => {
    const before = await backups();
    await seedVenv40();
    const probe = startProbe('v2-40');
    const t0 = Date.now();
    const r = await cli(site, ['upgrade', '--release', '4.0.0', '--json'], v40Answers);
    const wallMs = Date.now() - t0;
    const seen = await probe.stop();
    expect(r.exitCode, r.all).toBe(0);
    const events = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[0]).toMatchObject({
      type: 'upgradePlan',
      from: '3.1.1.4',
      to: '4.0.0',
      path: { kind: 'new-database', database: 'qatrack40' },
    });
    // Staging first, while v1 still serves; the backup before anything touches a database.
    const order = events.filter((e) => e.type === 'upgrade-phase' && e.state === 'start').map((e) => e.id);
    expect(order).toEqual([
      'stage-release',
      'maintenance-on',
      'backup',
      'restore-copy',
      'migrate',
      'collectstatic',
      'switch',
      'health',
      'maintenance-off',
      'keep-old',
    ]);
    const migrations = events
      .filter((e) => e.type === 'migration')
      .map((e) => `${String(e.app)}.${String(e.name)}`);
    expect(migrations).toEqual(
      expect.arrayContaining(['qa.0002_unit_code', 'qa.0003_unithistory', 'qa.0004_bigint_keys']),
    );
    expect(migrations.indexOf('qa.0004_bigint_keys')).toBeGreaterThan(
      migrations.indexOf('qa.0002_unit_code'),
    );
    const result = events.find((e) => e.type === 'upgrade-result') as { phaseMs: Record<string, number> };
    const backup = events.find((e) => e.type === 'backup') as { bytes: number; ms: number };
    const copy = events.find((e) => e.type === 'restore-copy') as { ms: number };
    expect(await backups()).toBe(before + 1);
    expect(seen.others).toEqual([]);
    expect(seen.kinds).toEqual(['old', 'maintenance', 'new']);

    // The new database holds the data written before, migrated: data migration, 64-bit keys.
    expect(await rowsOf('qatrack40')).toBe(v1Rows);
    expect((await psql("SELECT code FROM qa_unit WHERE name = 'Halcyon 3'", 'qatrack40')).stdout).toBe(
      'HALCYON-3',
    );
    expect(await schemaOf('qatrack40')).toContain('qa_unit.id:bigint');
    expect(await schemaOf('qatrack40')).toContain('qa_unithistory.unit_id:bigint');
    // The old database is exactly v1's: the rollback of a later problem by hand.
    expect(await schemaOf()).toBe(v1Schema);
    expect(await rowsOf()).toBe(v1Rows);
    expect(existsSync(path.join(site.dataDir, 'media', 'uploads', 'scan.json'))).toBe(true);
    // Release-versioned: 4.0 beside v1 (kept), on Python 3.12, services on it, the record names it.
    expect(await workerCwd()).toBe(path.join(v40Dir(), 'qatrackplus'));
    const venvPy = await execa(path.join(v40Dir(), 'venv', 'bin', 'python'), [
      '-c',
      'import sys, django; print(sys.version_info[:2], django.get_version())',
    ]);
    expect(venvPy.stdout).toBe('(3, 12) 4.2.30');
    const settings = await readFile(
      path.join(v40Dir(), 'qatrackplus', 'qatrack', 'local_settings.py'),
      'utf8',
    );
    expect(settings).toContain('"NAME": "qatrack40"');
    expect(settings).toContain('CSRF_TRUSTED_ORIGINS = ["http://qatrack.test:');
    expect(existsSync(path.join(site.installDir, 'qatrackplus', 'manage.py'))).toBe(true);
    const record = JSON.parse(await readFile(path.join(stateDir(), 'installed-release.json'), 'utf8')) as {
      release: string;
      releaseDir: string;
      databaseName: string;
      previous: { release: string };
    };
    expect(record).toMatchObject({ release: '4.0.0', releaseDir: v40Dir(), databaseName: 'qatrack40' });
    expect(record.previous.release).toBe('3.1.1.4');
    expect((await journal()).at(-1)).toMatchObject({
      from: '3.1.1.4',
      to: '4.0.0',
      path: 'new-database',
      outcome: 'upgraded',
      database: 'qatrack40',
    });
    expect(existsSync(path.join(stateDir(), 'upgrade-state.json'))).toBe(false);
    for (const text of site.outputs) expect(text).not.toContain(CANARY);

    // Converged on 4.0.0 and its database: a plan with the upgrade's answers changes nothing.
    const plan = await cli(site, ['plan'], v40Answers);
    expect(plan.exitCode, plan.all).toBe(0);
    const verify = await cli(site, ['verify'], v40Answers);
    expect(verify.exitCode, verify.all).toBe(0);

    console.log(
      `[upgrade] v1 -> v2-40 (3.1 -> 4.0, new database) wall ${wallMs} ms; maintenance window seen by the probe ` +
        `${seen.maintenanceMs} ms (${probe.seen.length} probes); backup ${backup.bytes} bytes in ${backup.ms} ms; ` +
        `restore into qatrack40 ${copy.ms} ms; phases ${JSON.stringify(result.phaseMs)}`,
    );
  }, 900_000);

  it('uninstall removes every release folder (releases/ and the replaced one), keeping the data', async () => {
    expect(existsSync(path.join(site.installDir, 'releases'))).toBe(true);
    const r = await cli(site, ['uninstall', '--yes'], v40Answers);
    expect(r.exitCode, r.all).toBe(0);
    expect(existsSync(path.join(site.installDir, 'releases'))).toBe(false);
    expect(existsSync(path.join(site.installDir, 'qatrackplus'))).toBe(false);
    expect(existsSync(path.join(site.installDir, 'venv'))).toBe(false);
    expect(existsSync(path.join(site.dataDir, 'media', 'uploads', 'scan.json'))).toBe(true);
    expect(await rowsOf('qatrack40')).toBe(v1Rows);
  }, 180_000);
});

describe.skipIf(missing !== undefined)('posix upgrade killed after its health check passed', () => {
  let site: Site;
  let v2Answers: string;

  beforeAll(async () => {
    site = await prepareSite();
    v2Answers = await installV1WithV2Bundle(site);
  }, 900_000);

  afterAll(async () => {
    await teardownSite(site);
  }, 120_000);

  it('SIGKILL after maintenance off (v2 live, not recorded yet), then repair: finished on v2', async () => {
    const stateFile = path.join(site.dataDir, 'installer', 'upgrade-state.json');
    const child = startCli(site, ['upgrade', '--release', '3.1.1.5'], v2Answers, {
      QATRACK_INSTALLER_FAULT: 'upgrade:maintenance-off:hang',
    });
    let live = false;
    for (let i = 0; i < 3000 && !live; i++) {
      const s = existsSync(stateFile)
        ? (JSON.parse(await readFile(stateFile, 'utf8').catch(() => '{}')) as { phase?: string })
        : {};
      live =
        s.phase === 'maintenance-off' &&
        (await get(site.httpPort, '/accounts/login/').catch(() => undefined))?.headers[
          'x-fixture-release'
        ] === 'v2';
      if (!live) await sleep(200);
    }
    expect(live).toBe(true);
    child.kill('SIGKILL');
    await child.catch(() => undefined);
    expect(existsSync(path.join(site.dataDir, 'installer', 'installed-release.json'))).toBe(false);

    const r = await cli(site, ['repair'], v2Answers);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain('had passed its health check: finished, 3.1.1.5 is installed');
    expect(existsSync(stateFile)).toBe(false);
    const record = JSON.parse(
      await readFile(path.join(site.dataDir, 'installer', 'installed-release.json'), 'utf8'),
    ) as { release: string; releaseDir: string };
    const v2Dir = path.join(site.installDir, 'releases', '3.1.1.5');
    expect(record).toMatchObject({ release: '3.1.1.5', releaseDir: v2Dir });
    expect((await get(site.httpPort, '/accounts/login/')).headers['x-fixture-release']).toBe('v2');
    const spec = JSON.parse(
      await readFile(path.join(site.installDir, 'services', 'qatrack-worker-1', 'spec.json'), 'utf8'),
    ) as { cwd: string };
    expect(spec.cwd).toBe(path.join(v2Dir, 'qatrackplus'));
    // The old release is kept beside it for its days.
    expect(existsSync(path.join(site.installDir, 'qatrackplus', 'manage.py'))).toBe(true);
    const plan = await cli(site, ['plan'], v2Answers);
    expect(plan.exitCode, plan.all).toBe(0);
    for (const text of site.outputs) expect(text).not.toContain(CANARY);
  }, 900_000);
});
