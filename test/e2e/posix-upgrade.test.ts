import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealManifest, writeManifest } from '../../electron/bundle/manifest.js';
import { loadAnswers } from '../../electron/engine/answers/index.js';
import { computeLayout } from '../../electron/engine/layout.js';
import { pgTool, restorePosixBackup } from '../../electron/hosts/posix/upgrade-backup.js';
import { buildReleaseArchive, repoRoot } from '../support/fixture.js';
import {
  CANARY,
  cli,
  missingTools,
  prepareSite,
  teardownSite,
  writeAnswers,
  type Site,
} from '../support/posix-site.js';

/**
 * The upgrade command against the real PostgreSQL of the posix e2e: refusals change nothing, the
 * backup is a real `pg_dump -Fc` (read back by the real `pg_restore -l`), and the rollback's
 * `pg_restore --clean` brings the data written before the upgrade back.
 */
const missing = await missingTools();
if (missing && process.env.CI === 'true') throw new Error(`posix e2e cannot run in CI: ${missing}`);

describe.skipIf(missing !== undefined)('posix upgrade (real PostgreSQL, pg_dump/pg_restore)', () => {
  let site: Site;
  let v2Answers: string;
  const backupDir = () => path.join(site.dataDir, 'backups');
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

  beforeAll(async () => {
    site = await prepareSite();
    // Test-only catalog entries beside the fixture's 3.1.1.4 (test/fixtures/upgrade-catalog).
    for (const f of ['3.1.1.3.json', '3.1.1.5.json'])
      await cp(path.join(repoRoot, 'test', 'fixtures', 'upgrade-catalog', f), path.join(site.catalogDir, f));
    // A bundle of the target release: the same sealed manifest shape `bundle create` writes.
    const v2Bundle = path.join(site.root, 'bundle-3.1.1.5');
    await mkdir(path.join(v2Bundle, 'source'), { recursive: true });
    const archive = await buildReleaseArchive(path.join(v2Bundle, 'source'), '3.1.1.5');
    const bytes = await readFile(archive);
    await writeManifest(
      v2Bundle,
      sealManifest({
        format: 1,
        tool: { name: 'qatrack-installer-test', version: '0' },
        release: '3.1.1.5',
        arch: 'x64',
        catalogSha256: '0'.repeat(64),
        pythonPlatform: 'manylinux_2_17_x86_64',
        createdAt: new Date(0).toISOString(),
        files: [
          {
            path: `source/${path.basename(archive)}`,
            size: bytes.length,
            sha256: createHash('sha256').update(bytes).digest('hex'),
            kind: 'source',
          },
        ],
      }),
    );
    v2Answers = await writeAnswers(site, 'answers-v2', (a) => (a.paths.bundleDir = v2Bundle));
    // Data of the running release, and a media file.
    await psql('CREATE TABLE qa_result (id serial PRIMARY KEY, value text NOT NULL)');
    await psql("INSERT INTO qa_result (value) VALUES ('before-upgrade-1'), ('before-upgrade-2')");
    await mkdir(path.join(site.dataDir, 'media', 'uploads'), { recursive: true });
    await cp(path.join(repoRoot, 'package.json'), path.join(site.dataDir, 'media', 'uploads', 'scan.json'));
  }, 300_000);

  afterAll(async () => {
    await teardownSite(site);
  }, 120_000);

  it('refuses a downgrade, an unknown release and a bundle of another release: exit 64, no backup', async () => {
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
    expect(existsSync(backupDir())).toBe(false);
  }, 120_000);

  it('prints the plan from -> to, backup before the new release; without --backup-only nothing changes', async () => {
    const r = await cli(site, ['upgrade', '--release', '3.1.1.5'], v2Answers);
    expect(r.exitCode, r.all).toBe(1);
    expect(r.stdout).toContain('Upgrade QATrack+ 3.1.1.4 -> 3.1.1.5');
    const backupAt = r.stdout.indexOf('pg_dump -Fc');
    expect(backupAt).toBeGreaterThan(-1);
    expect(backupAt).toBeLessThan(r.stdout.indexOf('Apply 3.1.1.5'));
    expect(r.stdout).toContain('Nothing was changed');
    expect(existsSync(backupDir())).toBe(false);
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
    console.log(`[upgrade] backup: ${backup.bytes} bytes in ${backup.ms} ms (${backup.dir})`);

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
    expect(await readdir(backupDir())).toHaveLength(1);
  }, 180_000);
});
