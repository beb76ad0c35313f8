import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnswers } from '../../electron/engine/answers/index.js';
import { computeLayout } from '../../electron/engine/layout.js';
import { pgTool, restorePosixBackup } from '../../electron/hosts/posix/upgrade-backup.js';
import { buildReleaseArchive, fixtureV2Overlay, repoRoot } from '../support/fixture.js';
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
 * The upgrade on the posix host, for real: fixture v1 (3.1.1.4's stack) installed by `install`, then
 * `upgrade --release 3.1.1.5` to the fixture's second release (test/fixtures/qatrack-fixture-v2: a
 * schema + data migration), through the real nginx, PostgreSQL (pg_dump/pg_restore), venv and
 * workers. Failures injected with QATRACK_INSTALLER_FAULT roll back to v1 with its data; a SIGKILL
 * mid-upgrade then `repair` converges on v1.
 */
const missing = await missingTools();
if (missing && process.env.CI === 'true') throw new Error(`posix e2e cannot run in CI: ${missing}`);

type Kind = 'old' | 'maintenance' | 'new' | 'other';

/**
 * Installs v1, then lays out the target's bundle as `bundle create --release 3.1.1.5` does: same
 * wheelhouse and tools (same stack), the fixture's second release as the source archive. Returns
 * the answers naming that bundle.
 */
async function installV1WithV2Bundle(site: Site): Promise<string> {
  // Test-only catalog entries beside the fixture's 3.1.1.4 (test/fixtures/upgrade-catalog).
  for (const f of ['3.1.1.3.json', '3.1.1.5.json'])
    await cp(path.join(repoRoot, 'test', 'fixtures', 'upgrade-catalog', f), path.join(site.catalogDir, f));
  const install = await cli(site, ['install', '--yes']);
  if (install.exitCode !== 0) throw new Error(`install failed:\n${install.all}`);
  const v2Bundle = path.join(site.root, 'bundle-3.1.1.5');
  await mkdir(path.join(v2Bundle, 'source'), { recursive: true });
  await cp(path.join(site.bundleDir, 'wheelhouse'), path.join(v2Bundle, 'wheelhouse'), { recursive: true });
  await cp(path.join(site.bundleDir, 'artifacts'), path.join(v2Bundle, 'artifacts'), { recursive: true });
  await buildReleaseArchive(path.join(v2Bundle, 'source'), '3.1.1.5', undefined, fixtureV2Overlay);
  await sealBundle(v2Bundle, '3.1.1.5');
  return writeAnswers(site, 'answers-v2', (a) => (a.paths.bundleDir = v2Bundle));
}

describe.skipIf(missing !== undefined)('posix upgrade (real nginx, PostgreSQL, venv, workers)', () => {
  let site: Site;
  let v2Answers: string;
  const backupDir = () => path.join(site.dataDir, 'backups');
  const stateDir = () => path.join(site.dataDir, 'installer');
  const v2Dir = () => path.join(site.installDir, 'releases', '3.1.1.5');
  const psql = (sql: string) =>
    execa(pgTool('psql'), ['-XAtqv', 'ON_ERROR_STOP=1', '-c', sql], {
      env: {
        PGHOST: '127.0.0.1',
        PGPORT: String(site.pg.port),
        PGUSER: 'qatrack',
        PGPASSWORD: site.secrets['database.login.password'],
        PGDATABASE: 'qatrack',
      },
    });
  const backups = async () => (await readdir(backupDir()).catch(() => [] as string[])).length;
  const fixtureRelease = async () =>
    String((await get(site.httpPort, '/accounts/login/')).headers['x-fixture-release']);
  const migration0002 = async () =>
    (await psql("SELECT count(*) FROM django_migrations WHERE app = 'qa' AND name = '0002_unit_code'"))
      .stdout;
  const migration0003 = async () =>
    (await psql("SELECT count(*) FROM django_migrations WHERE app = 'qa' AND name = '0003_unithistory'"))
      .stdout;
  const workerCwd = async () =>
    (
      JSON.parse(
        await readFile(path.join(site.installDir, 'services', 'qatrack-worker-1', 'spec.json'), 'utf8'),
      ) as { cwd: string }
    ).cwd;

  /** Polls the public port every 100 ms: old site, maintenance page, new site, or anything else. */
  function startProbe() {
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
            : r.status === 200 && rel === 'v2'
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
  async function waitForPhase(phase: string) {
    const stateFile = path.join(stateDir(), 'upgrade-state.json');
    for (let i = 0; i < 3000; i++) {
      const s = existsSync(stateFile)
        ? (JSON.parse(await readFile(stateFile, 'utf8').catch(() => '{}')) as { phase?: string })
        : {};
      // The phase ran (the hang comes after its work): for migrate, the last migration is recorded.
      if (s.phase === phase && (phase !== 'migrate' || (await migration0003()) === '1')) return;
      await sleep(200);
    }
    throw new Error(`the upgrade never reached ${phase}`);
  }

  /** v1 as it was before the upgrade: its code, its schema, its data, no record of 3.1.1.5. */
  async function expectBackOnV1() {
    expect(await fixtureRelease()).toBe('v1');
    expect(await migration0002()).toBe('0');
    expect((await psql('SELECT value FROM qa_result ORDER BY id')).stdout.split('\n')).toEqual([
      'before-upgrade-1',
      'before-upgrade-2',
    ]);
    expect((await psql('SELECT name FROM qa_unit ORDER BY id')).stdout).toContain('Halcyon 3');
    // The schema is v1's exactly: no column and no table of v2's migrations is left.
    expect((await psql("SELECT to_regclass('public.qa_unithistory') IS NULL")).stdout).toBe('t');
    expect(
      (
        await psql(
          "SELECT count(*) FROM information_schema.columns WHERE table_name = 'qa_unit' AND column_name = 'code'",
        )
      ).stdout,
    ).toBe('0');
    expect(await workerCwd()).toBe(path.join(site.installDir, 'qatrackplus'));
    expect(existsSync(v2Dir())).toBe(false);
    expect(existsSync(path.join(stateDir(), 'installed-release.json'))).toBe(false);
    expect(existsSync(path.join(stateDir(), 'upgrade-state.json'))).toBe(false);
  }

  beforeAll(async () => {
    site = await prepareSite();
    v2Answers = await installV1WithV2Bundle(site);
    // Data of the running release: a table of our own, a unit, a media file.
    await psql('CREATE TABLE qa_result (id serial PRIMARY KEY, value text NOT NULL)');
    await psql("INSERT INTO qa_result (value) VALUES ('before-upgrade-1'), ('before-upgrade-2')");
    await psql("INSERT INTO qa_unit (name) VALUES ('Halcyon 3')");
    await mkdir(path.join(site.dataDir, 'media', 'uploads'), { recursive: true });
    await cp(path.join(repoRoot, 'package.json'), path.join(site.dataDir, 'media', 'uploads', 'scan.json'));
  }, 900_000);

  afterAll(async () => {
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
    expect(await backups()).toBe(before);
    expect(await fixtureRelease()).toBe('v1');
  }, 120_000);

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
    const rows = await psql('SELECT value FROM qa_result ORDER BY id');
    expect(rows.stdout.split('\n')).toEqual(['before-upgrade-1', 'before-upgrade-2']);
  }, 180_000);

  it('a failure injected in migrate (migrations applied) rolls back to v1 with its data; exit 1 names the backup', async () => {
    const probe = startProbe();
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
  }, 600_000);

  it('a failed health check (services already on v2) rolls back to v1 with its data', async () => {
    const r = await cli(site, ['upgrade', '--release', '3.1.1.5'], v2Answers, {
      QATRACK_INSTALLER_FAULT: 'upgrade:health',
    });
    expect(r.exitCode, r.all).toBe(1);
    expect(r.stdout).toContain('failed in health: injected fault');
    expect(r.stderr).toContain('[rollback] Put qatrack-worker-1 back on 3.1.1.4');
    await expectBackOnV1();
  }, 600_000);

  it('a cancel (SIGINT) after collectstatic rolls back to v1: exit 130, the backup named', async () => {
    const child = startCli(site, ['upgrade', '--release', '3.1.1.5'], v2Answers, {
      QATRACK_INSTALLER_FAULT: 'upgrade:collectstatic:hang',
    });
    await waitForPhase('collectstatic');
    child.kill('SIGINT');
    const r = await child;
    const stdout = String(r.stdout);
    site.outputs.push(stdout, String(r.stderr));
    expect(r.exitCode, stdout).toBe(130);
    expect(stdout).toContain('3.1.1.4 -> 3.1.1.5 was cancelled. Rolled back');
    expect(stdout).toMatch(/The backup is in \S+-before-3\.1\.1\.5/);
    await expectBackOnV1();
  }, 600_000);

  it('SIGKILL mid-upgrade (migrations applied), then repair: back on v1 alone, data kept', async () => {
    const child = startCli(site, ['upgrade', '--release', '3.1.1.5'], v2Answers, {
      QATRACK_INSTALLER_FAULT: 'upgrade:migrate:hang',
    });
    await waitForPhase('migrate');
    expect(await migration0002()).toBe('1');
    child.kill('SIGKILL');
    await child.catch(() => undefined);
    // The site still shows the maintenance page: nothing half-switched is served.
    expect((await get(site.httpPort, '/accounts/login/')).status).toBe(503);
    // A new upgrade is refused until repair has dealt with the interrupted one.
    const blocked = await cli(site, ['upgrade', '--release', '3.1.1.5'], v2Answers);
    expect(blocked.exitCode, blocked.all).toBe(64);
    expect(blocked.all).toContain('was interrupted in migrate; nothing was changed');
    const r = await cli(site, ['repair']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain('(stopped in migrate) was rolled back');
    await expectBackOnV1();
  }, 900_000);

  it('v1 -> v2: data kept, migration applied, the probe sees only old site / maintenance page / new site', async () => {
    const before = await backups();
    const probe = startProbe();
    const t0 = Date.now();
    const r = await cli(site, ['upgrade', '--release', '3.1.1.5', '--json'], v2Answers);
    const wallMs = Date.now() - t0;
    const seen = await probe.stop();
    expect(r.exitCode, r.all).toBe(0);
    const events = r.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The plan from -> to comes first, the backup before anything of the new release.
    expect(events[0]).toMatchObject({ type: 'upgradePlan', from: '3.1.1.4', to: '3.1.1.5' });
    const order = events.filter((e) => e.type === 'upgrade-phase' && e.state === 'start').map((e) => e.id);
    expect(order).toEqual([
      'maintenance-on',
      'backup',
      'stage-release',
      'migrate',
      'collectstatic',
      'switch',
      'health',
      'maintenance-off',
      'keep-old',
    ]);
    expect(events.filter((e) => e.type === 'migration')).toEqual([
      { type: 'migration', app: 'qa', name: '0002_unit_code', faked: false },
      { type: 'migration', app: 'qa', name: '0003_unithistory', faked: false },
    ]);
    const result = events.find((e) => e.type === 'upgrade-result') as { backupDir: string; phaseMs: any };
    const backup = events.find((e) => e.type === 'backup') as { bytes: number; ms: number };
    expect(await backups()).toBe(before + 1);

    expect(seen.others).toEqual([]);
    expect(seen.kinds).toEqual(['old', 'maintenance', 'new']);
    // Data written before is there after; the data migration filled the new column.
    expect((await psql('SELECT value FROM qa_result ORDER BY id')).stdout.split('\n')).toEqual([
      'before-upgrade-1',
      'before-upgrade-2',
    ]);
    expect((await psql("SELECT code FROM qa_unit WHERE name = 'Halcyon 3'")).stdout).toBe('HALCYON-3');
    expect(await migration0002()).toBe('1');
    expect(existsSync(path.join(site.dataDir, 'media', 'uploads', 'scan.json'))).toBe(true);
    // Release-versioned: v2 beside v1 (kept), services on v2, the record names it.
    expect(await workerCwd()).toBe(path.join(v2Dir(), 'qatrackplus'));
    expect(existsSync(path.join(site.installDir, 'qatrackplus', 'manage.py'))).toBe(true);
    const record = JSON.parse(await readFile(path.join(stateDir(), 'installed-release.json'), 'utf8')) as {
      release: string;
      releaseDir: string;
      previous: { release: string; keepUntil: string };
      answers: { release: string };
    };
    expect(record).toMatchObject({
      release: '3.1.1.5',
      releaseDir: v2Dir(),
      answers: { release: '3.1.1.5' },
    });
    expect(record.previous.release).toBe('3.1.1.4');
    const keptDays = (Date.parse(record.previous.keepUntil) - Date.now()) / 86_400_000;
    expect(Math.round(keptDays)).toBe(14);
    expect(existsSync(path.join(stateDir(), 'upgrade-state.json'))).toBe(false);
    for (const text of site.outputs) expect(text).not.toContain(CANARY);

    // The machine is converged on 3.1.1.5: a plan with the upgrade's answers changes nothing.
    const plan = await cli(site, ['plan'], v2Answers);
    expect(plan.exitCode, plan.all).toBe(0);
    const verify = await cli(site, ['verify'], v2Answers);
    expect(verify.exitCode, verify.all).toBe(0);
    // An upgrade to the release now installed is refused.
    const again = await cli(site, ['upgrade', '--release', '3.1.1.5'], v2Answers);
    expect(again.exitCode, again.all).toBe(64);

    console.log(
      `[upgrade] v1 -> v2 wall ${wallMs} ms; maintenance window seen by the probe ${seen.maintenanceMs} ms ` +
        `(${probe.seen.length} probes); backup ${backup.bytes} bytes in ${backup.ms} ms; phases ${JSON.stringify(result.phaseMs)}`,
    );
  }, 900_000);
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
