import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildReleaseArchive, fixtureV2Overlay, repoRoot } from './fixture.js';
import { cli, sealBundle, writeAnswers, type Site } from './posix-site.js';

/**
 * Fixture v1 installed by the CLI on a real posix site, and the target's bundle laid out as
 * `bundle create --release 3.1.1.5` does (same wheelhouse and tools, the fixture's second release as
 * the source archive), with the test-only catalog entries beside 3.1.1.4. Returns the answers file
 * that names that bundle (the deployment's answers for the upgrade).
 */
export async function installV1WithV2Bundle(site: Site): Promise<string> {
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
