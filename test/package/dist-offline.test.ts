import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { sealManifest, writeManifest } from '../../electron/bundle/manifest.js';
import { verifyBundle } from '../../electron/bundle/verify.js';
import { distOffline } from '../../scripts/dist-offline.js';
import { which } from '../../scripts/dist/toolchain.js';

const work = await mkdtemp(path.join(os.tmpdir(), 'qatrack-offline-'));
afterAll(() => rm(work, { recursive: true, force: true }));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A small real bundle: two files pinned in a sealed manifest, as `bundle create` writes it. */
async function makeBundle(dir: string): Promise<void> {
  const files = {
    'wheels/Django-2.2.28-py3-none-any.whl': Buffer.from('PK fake wheel bytes'),
    'artifacts/python-3.9.13-amd64.exe': Buffer.from('MZ fake python'),
  };
  for (const [rel, data] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), data);
  }
  const manifest = sealManifest({
    format: 1,
    tool: { name: 'qatrack-installer', version: '0.1.0' },
    release: '3.1.1.4',
    arch: 'x64',
    catalogSha256: sha(Buffer.from('catalog')),
    pythonPlatform: 'win_amd64',
    createdAt: '2026-11-23T00:00:00Z',
    files: Object.entries(files).map(([p, data]) => ({
      path: p,
      size: data.length,
      sha256: sha(data),
      kind: p.startsWith('wheels/') ? ('wheel' as const) : ('artifact' as const),
    })),
  });
  await writeManifest(dir, manifest);
}

describe('dist:offline deliverable', () => {
  let bundle: string;
  let setup: string;
  let out: string;
  beforeEach(async () => {
    const run = await mkdtemp(path.join(work, 'run-'));
    bundle = path.join(run, 'bundle-src');
    out = path.join(run, 'release');
    setup = path.join(run, 'QATrack+ Installer Setup 0.1.0.exe');
    await makeBundle(bundle);
    // The setup itself is built and installed by installer-wine.test.ts; here any file stands in.
    await writeFile(setup, 'MZ setup');
  });

  it('puts the setup beside a verified copy of the bundle, with instructions, and zips both', async () => {
    const has7za = (await which('7za')) !== null;
    const result = await distOffline({
      bundleDir: bundle,
      installer: setup,
      outputDir: out,
      archive: has7za,
      log: () => {},
    });
    expect(path.basename(result.folder)).toBe('QATrack+ Installer 0.1.0 offline');
    expect(await readFile(result.installer, 'utf8')).toBe('MZ setup');
    expect((await verifyBundle(path.join(result.folder, 'bundle'))).ok).toBe(true);
    expect(result.bundleFiles).toBe(2);
    const readme = await readFile(path.join(result.folder, 'README-OFFLINE.txt'), 'utf8');
    expect(readme).toContain('"QATrack+ Installer Setup 0.1.0.exe" /S');
    expect(readme).toContain('1603 failed');
    if (has7za) {
      const { stdout } = await execa('7za', ['l', '-ba', result.archive!]);
      expect(stdout).toContain('QATrack+ Installer 0.1.0 offline/QATrack+ Installer Setup 0.1.0.exe');
      expect(stdout).toContain('QATrack+ Installer 0.1.0 offline/bundle/manifest.json');
      expect(stdout).toContain(
        'QATrack+ Installer 0.1.0 offline/bundle/wheels/Django-2.2.28-py3-none-any.whl',
      );
    }
  });

  it('refuses a bundle that does not verify, naming the file, and creates nothing', async () => {
    await writeFile(path.join(bundle, 'wheels/Django-2.2.28-py3-none-any.whl'), 'PK tampered bytes!!');
    await expect(
      distOffline({ bundleDir: bundle, installer: setup, outputDir: out, log: () => {} }),
    ).rejects.toThrow(/BUNDLE_INVALID: .*wheels\/Django-2\.2\.28-py3-none-any\.whl/);
    expect(existsSync(out)).toBe(false);
  });
});
