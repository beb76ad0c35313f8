import { createHash, generateKeyPairSync } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinsFileSchema } from '../../electron/engine/catalog-schema.js';
import { createBundle, type CreateOptions } from '../../electron/bundle/create.js';
import { manifestSchema } from '../../electron/bundle/manifest.js';
import { splitRequirements } from '../../electron/bundle/requirements.js';
import { assertBundleIntact, verifyBundle } from '../../electron/bundle/verify.js';
import { loadAnswers } from '../../electron/engine/answers/index.js';
import { InputError } from '../../electron/engine/errors.js';
import { computeLayout } from '../../electron/engine/layout.js';
import { resolveRelease } from '../../electron/engine/release.js';
import {
  fixtureBytes,
  makeFixtureCatalog,
  makeFixtureWheels,
  type FixtureCatalog,
} from '../../scripts/bundle-fixture-lib.js';
import { startMirror, type TestMirror } from '../support/bundle-mirror.js';

let work: string;
let fixture: FixtureCatalog;
let mirror: TestMirror;
let wheels: string;
let cacheDir: string;

const options = (out: string, extra: Partial<CreateOptions> = {}): CreateOptions => ({
  release: fixture.release,
  arch: 'x64',
  out,
  cacheDir,
  mirror: mirror.url,
  // Never fall back to the vendor urls from a test: the mirror is the whole internet here.
  mirrorOnly: true,
  catalogDir: fixture.catalogDir,
  pinsDir: fixture.pinsDir,
  acceptNewPins: true,
  // pip resolves the fixture requirements from local wheels only: the real pip path, offline.
  wheelhouse: { build: { pipArgs: ['--no-index', '--find-links', wheels] } },
  ...extra,
});

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'bundle-create-'));
  wheels = path.join(work, 'wheels');
  const requirements = await makeFixtureWheels(wheels);
  fixture = await makeFixtureCatalog(path.join(work, 'fixture'), { requirements, artifactBytes: 200_000 });
  mirror = await startMirror(fixture.files);
  cacheDir = path.join(work, 'cache');
});
afterAll(async () => {
  await mirror.close();
  await rm(work, { recursive: true, force: true });
});

describe('bundle create and verify', () => {
  let first: Awaited<ReturnType<typeof createBundle>>;
  const out1 = () => path.join(work, 'b1');

  it('refuses unpinned artifacts unless --accept-new-pins, before downloading anything', async () => {
    const before = mirror.log.length;
    const err = await createBundle(options(path.join(work, 'refused'), { acceptNewPins: false })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('BUNDLE_UNPINNED');
    expect((err as Error).message).toContain('winsw@any');
    expect(mirror.log.length).toBe(before);
  });

  it('builds a bundle from the mirror: every file pinned in a self-hashed manifest, new pins recorded', async () => {
    first = await createBundle(options(out1()));
    const manifest = manifestSchema.parse(
      JSON.parse(await readFile(path.join(out1(), 'manifest.json'), 'utf8')),
    );
    const paths = manifest.files.map((f) => f.path);
    expect(paths).toContain('artifacts/python-3.9.13-amd64.exe');
    expect(paths).toContain('source/qatrackplus-3.1.1.4.tar.gz');
    expect(paths).not.toContain('artifacts/python-3.9.13.exe'); // x86 only
    expect(paths).toContain('wheelhouse/qatrack_fixture_app-1.0-py3-none-any.whl');
    expect(paths).toContain('wheelhouse/qatrack_fixture_dep-1.0-py3-none-any.whl');
    expect(manifest.release).toBe('3.1.1.4');
    expect(manifest.arch).toBe('x64');
    expect(manifest.tool.name).toBe('qatrack-installer');
    // Unpublished hashes were pinned and written for review.
    const pins = pinsFileSchema.parse(JSON.parse(await readFile(first.pinsFile!, 'utf8')));
    expect(Object.keys(pins.pins).sort()).toEqual(['arr@any', 'source@any', 'urlrewrite@any', 'winsw@any']);
    expect(first.downloads.every((d) => !d.fromCache)).toBe(true);
    expect((await verifyBundle(out1())).ok).toBe(true);
  });

  it('unpacks uv.exe from its release zip into tools/, pinned in the manifest', async () => {
    const manifest = manifestSchema.parse(
      JSON.parse(await readFile(path.join(out1(), 'manifest.json'), 'utf8')),
    );
    const tool = manifest.files.find((f) => f.path === 'tools/uv.exe');
    expect(tool).toMatchObject({ kind: 'tool', id: 'uv' });
    const uv = fixture.catalog.artifacts.find((a) => a.id === 'uv')!;
    // The fixture zip holds the filler bytes as uv.exe: the unpacked file is exactly them.
    const unpacked = await readFile(path.join(out1(), 'tools', 'uv.exe'));
    expect(unpacked.equals(fixtureBytes(`${uv.id}@${uv.arch}`, 200_000))).toBe(true);
    expect(tool!.sha256).toBe(createHash('sha256').update(unpacked).digest('hex'));
    expect((await verifyBundle(out1())).ok).toBe(true);
  });

  it('a second create is served from the cache: no request reaches the mirror', async () => {
    const before = mirror.log.length;
    const second = await createBundle(options(path.join(work, 'b2')));
    expect(mirror.log.length).toBe(before);
    expect(second.downloads.every((d) => d.fromCache)).toBe(true);
    expect(second.wheelhouse.fromCache).toBe(true);
    expect(second.newPins).toEqual([]);
    expect(second.manifest.files.map((f) => [f.path, f.sha256])).toEqual(
      first.manifest.files.map((f) => [f.path, f.sha256]),
    );
  });

  it('a pinned artifact served with different bytes later is rejected, not re-pinned', async () => {
    mirror.faults.corrupt = {
      [new URL(fixture.catalog.artifacts.find((a) => a.id === 'winsw')!.url).pathname]: { offset: 3 },
    };
    const err = await createBundle(
      options(path.join(work, 'b3'), { cacheDir: path.join(work, 'cache-empty') }),
    ).catch((e: unknown) => e);
    mirror.faults.corrupt = undefined;
    expect((err as { code?: string }).code).toBe('BUNDLE_CHECKSUM_MISMATCH');
    expect((err as Error).message).toContain('winsw@any');
  });

  it('names every missing, extra and altered file, and an edited manifest', async () => {
    const dir = path.join(work, 'b2');
    const whl = path.join(dir, 'wheelhouse', 'qatrack_fixture_dep-1.0-py3-none-any.whl');
    await unlink(path.join(dir, 'artifacts', 'WinSW-x64.exe'));
    await writeFile(path.join(dir, 'artifacts', 'evil.dll'), 'x');
    // One flipped byte, same size.
    const buf = await readFile(path.join(dir, 'artifacts', 'msodbcsql17-x64.msi'));
    buf[1000] = buf[1000]! ^ 1;
    await writeFile(path.join(dir, 'artifacts', 'msodbcsql17-x64.msi'), buf);
    await appendFile(whl, 'extra');
    const r = await verifyBundle(dir);
    expect(r.ok).toBe(false);
    expect(r.missing).toEqual(['artifacts/WinSW-x64.exe']);
    expect(r.extra).toEqual(['artifacts/evil.dll']);
    expect(r.altered.map((a) => a.path)).toEqual([
      'artifacts/msodbcsql17-x64.msi',
      'wheelhouse/qatrack_fixture_dep-1.0-py3-none-any.whl',
    ]);
    expect(r.altered[0]!.reason).toContain('SHA-256');
    expect(r.altered[1]!.reason).toContain('size');

    const err = await assertBundleIntact(dir).catch((e: unknown) => e);
    expect((err as InputError).code).toBe('BUNDLE_INVALID');
    expect((err as Error).message).toContain('msodbcsql17-x64.msi');

    const m = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    m.files[0].size += 1;
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(m));
    const edited = await verifyBundle(dir);
    expect(edited.problems.join()).toContain('was edited');
  });

  it('marks a bundle built without its git pins as incomplete, and verify refuses it', async () => {
    const dir = path.join(work, 'skipgit');
    const gitReq = '-e git+https://github.com/example/fx.git@abc#egg=fx-git';
    const withGit = await makeFixtureCatalog(path.join(work, 'withgit'), {
      requirements: ['qatrack-fixture-app==1.0', gitReq],
      artifactBytes: 200_000, // the same bytes the mirror serves
    });
    const r = await createBundle(
      options(dir, {
        catalogDir: withGit.catalogDir,
        pinsDir: withGit.pinsDir,
        wheelhouse: { build: { skipGit: true, pipArgs: ['--no-index', '--find-links', wheels] } },
      }),
    );
    expect(r.manifest.missingRequirements).toEqual(['git+https://github.com/example/fx.git@abc#egg=fx-git']);
    const v = await verifyBundle(dir);
    expect(v.ok).toBe(false);
    expect(v.problems.join()).toContain('fx-git');
  });

  it('checks a detached Ed25519 signature against the public key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519').publicKey;
    const dir = path.join(work, 'signed');
    await createBundle(
      options(dir, { signingKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }),
    );
    const pub = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect((await verifyBundle(dir, { publicKeyPem: pub })).ok).toBe(true);
    const wrong = await verifyBundle(dir, {
      publicKeyPem: other.export({ type: 'spki', format: 'pem' }).toString(),
    });
    expect(wrong.problems.join()).toContain('does not verify');
  });

  it('builds an x86 bundle with the 32-bit Python and runtime, and the server-side x64 MSIs', async () => {
    const r = await createBundle(options(path.join(work, 'x86'), { arch: 'x86' }));
    const paths = r.manifest.files.map((f) => f.path);
    expect(r.manifest.pythonPlatform).toBe('win32');
    expect(paths).toContain('artifacts/python-3.9.13.exe');
    expect(paths).toContain('artifacts/VC_redist.x86.exe');
    // The machine is 64-bit: the x64 ODBC MSI and the x64 runtime it needs go in too.
    expect(paths).toContain('artifacts/VC_redist.x64.exe');
    expect(paths).toContain('artifacts/msodbcsql17-x64.msi');
    expect(paths).toContain('artifacts/rewrite_amd64_en-US.msi');
    expect(paths).toContain('tools/uv.exe');
    expect(paths).not.toContain('artifacts/python-3.9.13-amd64.exe');
    // What the server installs offline: the catalog's requirements, git pins by name, in the manifest.
    const req = await readFile(path.join(work, 'x86', 'wheelhouse', 'requirements.txt'), 'utf8');
    const { index, git } = splitRequirements(fixture.catalog.requirements);
    expect(req).toBe([...index, ...git.map((g) => g.name)].join('\n') + '\n');
    expect(r.manifest.files.find((f) => f.path === 'wheelhouse/requirements.txt')?.kind).toBe('requirements');
    // The install side resolves exactly the artifacts this bundle holds.
    const answers = loadAnswers({
      ...JSON.parse(await readFile('resources/examples/answers.json', 'utf8')),
      python: { arch: 'x86' },
      paths: {
        ...JSON.parse(await readFile('resources/examples/answers.json', 'utf8')).paths,
        bundleDir: 'E:\\b',
      },
    });
    if (!answers.ok) throw new Error(JSON.stringify(answers.issues));
    const release = resolveRelease(answers.answers, computeLayout(answers.answers, 'win32'), fixture.catalog);
    // Every bundle file an install runs is staged from the bundle first.
    const resolved = new Set(release.staged.map((s) => s.from.slice('E:\\b\\'.length).replace(/\\/g, '/')));
    const bundled = new Set(
      r.manifest.files
        .filter((f) => f.kind !== 'wheel' && f.kind !== 'tool' && f.kind !== 'requirements')
        .map((f) => f.path),
    );
    const optional = new Set(
      fixture.catalog.artifacts
        .filter((a) => a.optional)
        .map((a) => `artifacts/${a.offlineMedia?.file ?? a.file}`),
    );
    // Optional artifacts are staged only when the answers ask for them; the uv zip is never run
    // (its unpacked tools/uv.exe is).
    const uvZip = `artifacts/${fixture.catalog.artifacts.find((a) => a.id === 'uv')!.file}`;
    expect(new Set([...resolved].filter((p) => !p.startsWith('tools/')))).toEqual(
      new Set([...bundled].filter((p) => !optional.has(p) && p !== uvZip)),
    );
    const staged = 'D:\\QATrackData\\installer\\staging';
    expect(release.artifacts['vcredist@x64']).toBe(`${staged}\\artifacts\\VC_redist.x64.exe`);
    expect(release.artifacts['vcredist@x86']).toBe(`${staged}\\artifacts\\VC_redist.x86.exe`);
    expect(release.uvExe).toBe(`${staged}\\tools\\uv.exe`);
  });

  it('SQL Express: refuses a file that is not a Windows executable, or media for an artifact that needs none', async () => {
    const html = path.join(work, 'SQLEXPR_x64_ENU.exe');
    await writeFile(html, '<html>Sign in to download</html>');
    const before = mirror.log.length;
    const notExe = await createBundle(
      options(path.join(work, 'media-html'), { media: { sqlexpress: html } }),
    ).catch((e: unknown) => e);
    expect((notExe as InputError).code).toBe('BUNDLE_MEDIA_INVALID');
    expect((notExe as InputError).issues[0]!.path).toBe('--sqlexpress-media');
    const chrome = await createBundle(
      options(path.join(work, 'media-chrome'), { media: { chrome: html } }),
    ).catch((e: unknown) => e);
    expect((chrome as InputError).code).toBe('BUNDLE_MEDIA_UNEXPECTED');
    expect((chrome as InputError).issues[0]!.path).toBe('--chrome-media');
    expect(mirror.log.length).toBe(before);
  });

  it('SQL Express: the prepared media replaces the bootstrapper, and installs resolve to it', async () => {
    const media = path.join(work, 'media', 'SQLEXPR_x64_ENU.exe');
    await mkdir(path.dirname(media), { recursive: true });
    await writeFile(media, Buffer.concat([Buffer.from('MZ'), Buffer.alloc(10_000, 1)]));
    const r = await createBundle(
      options(path.join(work, 'with-media'), { include: ['sqlexpress'], media: { sqlexpress: media } }),
    );
    const paths = r.manifest.files.map((f) => f.path);
    expect(paths).toContain('artifacts/SQLEXPR_x64_ENU.exe');
    expect(paths).not.toContain('artifacts/SQL2022-SSEI-Expr.exe');
    expect((await verifyBundle(path.join(work, 'with-media'))).ok).toBe(true);
    const raw = JSON.parse(await readFile('resources/examples/answers.json', 'utf8'));
    const loaded = loadAnswers({
      ...raw,
      paths: { ...raw.paths, bundleDir: 'E:\\b' },
      database: { ...raw.database, mode: 'express' },
    });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const release = resolveRelease(loaded.answers, computeLayout(loaded.answers, 'win32'), fixture.catalog);
    expect(release.staged.find((s) => s.id === 'sqlexpress')?.from).toBe(
      'E:\\b\\artifacts\\SQLEXPR_x64_ENU.exe',
    );
  });

  it('refuses an arch the catalog has no complete wheelhouse for, naming the field', async () => {
    const only64 = await makeFixtureCatalog(path.join(work, 'only64'), { requirements: [], archs: ['x64'] });
    const err = await createBundle(
      options(path.join(work, 'x86-refused'), { arch: 'x86', catalogDir: only64.catalogDir }),
    ).catch((e: unknown) => e);
    expect((err as InputError).code).toBe('BUNDLE_ARCH_UNSUPPORTED');
    expect((err as InputError).issues[0]!.path).toBe('arch');
  });

  it('--extra-wheel: a python-ldap wheel lands in the wheelhouse, pinned by its SHA-256 in the manifest', async () => {
    // python-ldap has no Windows wheel on PyPI; sites bring their own (a wheel file's bytes as given).
    const wheel = path.join(work, 'python_ldap-3.4.4-cp39-cp39-win_amd64.whl');
    const bytes = fixtureBytes('python-ldap', 4096);
    await writeFile(wheel, bytes);
    const out = path.join(work, 'with-ldap');
    await createBundle(options(out, { extraWheels: [wheel] }));
    const manifest = manifestSchema.parse(
      JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')),
    );
    expect(
      manifest.files.find((f) => f.path === 'wheelhouse/python_ldap-3.4.4-cp39-cp39-win_amd64.whl'),
    ).toEqual({
      path: 'wheelhouse/python_ldap-3.4.4-cp39-cp39-win_amd64.whl',
      size: 4096,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      kind: 'wheel',
      id: 'extra-wheel',
    });
    expect((await verifyBundle(out)).ok).toBe(true);
  });

  it('--extra-wheel: a wheel for another arch is refused before anything is downloaded', async () => {
    const wheel = path.join(work, 'python_ldap-3.4.4-cp39-cp39-win32.whl');
    await writeFile(wheel, 'x');
    const before = mirror.log.length;
    const err = await createBundle(options(path.join(work, 'ldap-refused'), { extraWheels: [wheel] })).catch(
      (e: unknown) => e,
    );
    expect((err as InputError).code).toBe('EXTRA_WHEEL_INVALID');
    expect((err as InputError).issues[0]).toMatchObject({
      path: '--extra-wheel',
      message: expect.stringContaining('win_amd64'),
    });
    expect(mirror.log.length).toBe(before);
  });
});
