/**
 * `npm run bundle:fixture -- DIR [--registry]`: a small real offline bundle built through the real
 * `bundle create` path from a local test mirror, so the offline flow can be tried without internet.
 *
 *   DIR/bundle     the bundle (verify it: qatrack-installer bundle verify DIR/bundle)
 *   DIR/source     fixture catalog, pins and wheels the mirror serves
 *   DIR/cache      download cache (a second run downloads nothing)
 *
 * Artifacts are small generated files at the real catalog's url paths; the wheelhouse is resolved by
 * pip for win_amd64 from two generated pure wheels (offline), plus `six` from PyPI with --registry.
 */
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createBundle } from '../electron/bundle/create.js';
import { startMirror } from '../test/support/bundle-mirror.js';
import { makeFixtureCatalog, makeFixtureWheels } from './bundle-fixture-lib.js';
import { fileURLToPath as resourcesUrlToPath } from 'node:url';
import { configureResources } from '../electron/engine/resources.js';

configureResources(resourcesUrlToPath(new URL('../resources/', import.meta.url)));

async function main(argv: string[]): Promise<number> {
  const args = argv.filter((a) => !a.startsWith('--'));
  const registry = argv.includes('--registry');
  if (args.length !== 1) {
    process.stderr.write('usage: npm run bundle:fixture -- DIR [--registry]\n');
    return 64;
  }
  const root = path.resolve(args[0]!);
  const out = path.join(root, 'bundle');
  await mkdir(root, { recursive: true });
  if ((await readdir(out).catch(() => [])).length > 0) {
    process.stderr.write(`${out} exists and is not empty: choose another DIR or delete it.\n`);
    return 64;
  }
  const wheels = path.join(root, 'source', 'wheels');
  const requirements = await makeFixtureWheels(wheels);
  if (registry) requirements.push('six==1.16.0');
  const fixture = await makeFixtureCatalog(path.join(root, 'source'), { requirements });
  const mirror = await startMirror(fixture.files);
  try {
    const r = await createBundle({
      release: fixture.release,
      arch: 'x64',
      out,
      cacheDir: path.join(root, 'cache'),
      mirror: mirror.url,
      mirrorOnly: true,
      catalogDir: fixture.catalogDir,
      pinsDir: fixture.pinsDir,
      acceptNewPins: true,
      wheelhouse: {
        build: { pipArgs: registry ? ['--find-links', wheels] : ['--no-index', '--find-links', wheels] },
      },
      onLog: (l) => /building/.test(l) && process.stdout.write(`  ${l}\n`),
    });
    const bytes = r.manifest.files.reduce((n, f) => n + f.size, 0);
    process.stdout.write(
      `Fixture bundle: ${out}\n  ${r.manifest.files.length} files, ${bytes} bytes, ${r.wheelhouse.wheels} wheels, ${r.ms} ms\n` +
        `  mirror requests: ${mirror.log.length}\n` +
        `Try: npm run cli -- bundle verify ${out}\n`,
    );
    return 0;
  } finally {
    await mirror.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
