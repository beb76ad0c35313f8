import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeFixtureCatalog,
  makeFixtureWheels,
  type FixtureCatalog,
} from '../../scripts/bundle-fixture-lib.js';
import { startMirror, type TestMirror } from '../support/bundle-mirror.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = (args: string[]) =>
  execa(process.execPath, [path.join(repo, 'bin', 'qatrack-installer.js'), ...args], {
    reject: false,
    cwd: repo,
  });

let work: string;
let fixture: FixtureCatalog;
let mirror: TestMirror;
let wheels: string;

const createArgs = (out: string, extra: string[] = []) => [
  'bundle',
  'create',
  '--release',
  '3.1.1.4',
  '--arch',
  'x64',
  '--out',
  out,
  '--mirror',
  mirror.url,
  '--mirror-only',
  '--cache',
  path.join(work, 'cache'),
  '--catalog-dir',
  fixture.catalogDir,
  '--pins-dir',
  fixture.pinsDir,
  '--wheelhouse',
  wheels,
  ...extra,
];

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'bundle-cli-'));
  wheels = path.join(work, 'wheels');
  const requirements = await makeFixtureWheels(wheels);
  fixture = await makeFixtureCatalog(path.join(work, 'src'), { requirements, artifactBytes: 20_000 });
  mirror = await startMirror(fixture.files);
});
afterAll(async () => {
  await mirror.close();
  await rm(work, { recursive: true, force: true });
});

describe('qatrack-installer bundle', () => {
  it('create without --accept-new-pins exits 64 and names the unpinned artifacts', async () => {
    const r = await cli(createArgs(path.join(work, 'no-pins')));
    expect(r.exitCode).toBe(64);
    expect(r.stderr + r.stdout).toContain('BUNDLE_UNPINNED');
    expect(r.stderr + r.stdout).toContain('--accept-new-pins');
  });

  it('create writes a bundle and the new pins to review; verify --json agrees', async () => {
    const out = path.join(work, 'b');
    const r = await cli(createArgs(out, ['--accept-new-pins']));
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    // 8 artifacts, the source archive, tools/uv.exe unpacked from its zip, 2 wheels, wheelhouse/requirements.txt.
    expect(r.stdout).toMatch(/Bundle .*: 12 files/);
    expect(r.stdout).toContain('New pins written to');
    expect(r.stdout).toMatch(/winsw@any [0-9a-f]{64}/);
    const v = await cli(['bundle', 'verify', out, '--json']);
    expect(v.exitCode).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, files: 12, missing: [], extra: [], altered: [] });
  });

  it('--include sqlexpress without offline media exits 64 and says how to prepare it on Windows', async () => {
    const before = mirror.log.length;
    const r = await cli(
      createArgs(path.join(work, 'no-media'), ['--accept-new-pins', '--include', 'sqlexpress']),
    );
    const text = r.stderr + r.stdout;
    expect(r.exitCode).toBe(64);
    expect(text).toContain('BUNDLE_MEDIA_MISSING');
    expect(text).toContain(
      'SQL2022-SSEI-Expr.exe /ACTION=Download /MEDIAPATH=C:\\SQLMedia /MEDIATYPE=Core /QUIET',
    );
    expect(text).toContain('--sqlexpress-media');
    expect(mirror.log.length).toBe(before); // refused before downloading anything
  });

  it('--sqlexpress-media adds the prepared media, pinned in the manifest', async () => {
    const media = path.join(work, 'SQLEXPR_x64_ENU.exe');
    await writeFile(media, Buffer.concat([Buffer.from('MZ'), Buffer.alloc(4096, 7)]));
    const out = path.join(work, 'with-media');
    const r = await cli(createArgs(out, ['--accept-new-pins', '--sqlexpress-media', media, '--json']));
    expect(r.exitCode, r.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8'));
    const entry = manifest.files.find((f: { id?: string }) => f.id === 'sqlexpress');
    expect(entry).toMatchObject({ path: 'artifacts/SQLEXPR_x64_ENU.exe', size: 4098 });
    expect(entry.sha256).toBe(
      createHash('sha256')
        .update(await readFile(media))
        .digest('hex'),
    );
    const v = await cli(['bundle', 'verify', out, '--json']);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true });
  });

  it('refuses a prepared wheelhouse that does not resolve offline', async () => {
    await unlink(path.join(wheels, 'qatrack_fixture_dep-1.0-py3-none-any.whl'));
    const r = await cli(createArgs(path.join(work, 'incomplete'), ['--accept-new-pins']));
    expect(r.exitCode).toBe(1);
    expect(r.stderr + r.stdout).toContain('WHEELHOUSE_INCOMPLETE');
    expect(r.stderr + r.stdout).toContain('qatrack-fixture-dep');
  });

  it('rejects an unknown arch with the flag and the allowed values', async () => {
    const r = await cli([
      'bundle',
      'create',
      '--release',
      '3.1.1.4',
      '--arch',
      'arm64',
      '--out',
      path.join(work, 'x'),
    ]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr + r.stdout).toContain('--arch');
    expect(r.stderr + r.stdout).toContain('x64 or x86');
  });
});
