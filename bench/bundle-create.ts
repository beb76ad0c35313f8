/**
 * bundle create from the local test mirror, cold cache vs warm cache.
 *   npx tsx bench/bundle-create.ts [--mib-per-artifact N] [--link-mib-s R]
 * Artifacts: the catalog's 8 required x64 files at N MiB each (default 20); wheelhouse resolved by pip from
 * local wheels. --link-mib-s paces the mirror like a WAN link (default: loopback, unpaced).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadavg } from 'node:os';
import { createBundle } from '../electron/bundle/create.js';
import { makeFixtureCatalog, makeFixtureWheels } from '../scripts/bundle-fixture-lib.js';
import { startMirror } from '../test/support/bundle-mirror.js';
import { fileURLToPath as resourcesUrlToPath } from 'node:url';
import { configureResources } from '../electron/engine/resources.js';

configureResources(resourcesUrlToPath(new URL('../resources/', import.meta.url)));

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const mibPerArtifact = arg('--mib-per-artifact', 20);
const linkMiBs = arg('--link-mib-s', 0);

const work = await mkdtemp(path.join(tmpdir(), 'bench-bundle-create-'));
try {
  const wheels = path.join(work, 'wheels');
  const requirements = await makeFixtureWheels(wheels);
  const fixture = await makeFixtureCatalog(path.join(work, 'src'), {
    requirements,
    artifactBytes: mibPerArtifact * 1048576,
  });
  const mirror = await startMirror(fixture.files, linkMiBs ? { bytesPerSecond: linkMiBs * 1048576 } : {});
  const cacheDir = path.join(work, 'cache');
  const run = async (name: string) => {
    const t = process.hrtime.bigint();
    const r = await createBundle({
      release: fixture.release,
      arch: 'x64',
      out: path.join(work, name),
      cacheDir,
      mirror: mirror.url,
      mirrorOnly: true,
      catalogDir: fixture.catalogDir,
      pinsDir: fixture.pinsDir,
      acceptNewPins: true,
      wheelhouse: { build: { pipArgs: ['--no-index', '--find-links', wheels] } },
    });
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    const bytes = r.manifest.files.reduce((n, f) => n + f.size, 0);
    return { ms, bytes, fetched: r.downloads.filter((d) => !d.fromCache).length };
  };
  const before = mirror.bytesSent();
  const cold = await run('cold');
  const coldNet = mirror.bytesSent() - before;
  const warm = await run('warm');
  const warmNet = mirror.bytesSent() - before - coldNet;
  await mirror.close();
  const mib = (n: number) => (n / 1048576).toFixed(1);
  console.log(
    `bundle create, ${mib(cold.bytes)} MiB bundle (${fixture.catalog.artifacts.filter((a) => !a.optional && a.arch !== 'x86').length} artifacts x ${mibPerArtifact} MiB + 2 wheels), mirror ${linkMiBs ? `paced at ${linkMiBs} MiB/s per connection, 4 connections` : 'loopback, unpaced'}`,
  );
  console.log(
    `  cold cache: ${cold.ms.toFixed(0)} ms, ${cold.fetched} files fetched, ${mib(coldNet)} MiB from the mirror`,
  );
  console.log(
    `  warm cache: ${warm.ms.toFixed(0)} ms, ${warm.fetched} files fetched, ${mib(warmNet)} MiB from the mirror`,
  );
  console.log(`  warm/cold: ${((warm.ms / cold.ms) * 100).toFixed(1)}% (target < 5%)`);
  console.log(
    `  load average during the run: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (2 cores shared)`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
