/**
 * The real wheelhouse for a release's requirements (git pins left out: they need GitHub), resolved
 * from the package registry for a Windows target, then checked offline. Prints size and time.
 *   npx tsx bench/bundle-wheelhouse-real.ts [--platform win_amd64|win32] [--release 3.1.1.4] [--keep DIR]
 *     [--without NAME,NAME]   leave these requirements out too (4.0.x: python-ldap's wheel is on
 *                             GitHub, and django-auth-ldap needs it)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildWheelhouse, type WheelPlatform } from '../electron/bundle/wheelhouse.js';
import { loadCatalog } from '../electron/engine/release.js';
import { fileURLToPath as resourcesUrlToPath } from 'node:url';
import { configureResources } from '../electron/engine/resources.js';

configureResources(resourcesUrlToPath(new URL('../resources/', import.meta.url)));

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const platform = arg('--platform', 'win_amd64') as WheelPlatform;
const catalog = loadCatalog(arg('--release', '3.1.1.4'));
const without = new Set(
  arg('--without', '')
    .split(',')
    .filter(Boolean)
    .map((n) => n.toLowerCase()),
);
const requirementName = (r: string) => /^[A-Za-z0-9._-]+/.exec(r)?.[0].toLowerCase() ?? r;
const keep = process.argv.includes('--keep') ? path.resolve(arg('--keep', '')) : undefined;
const work = keep ?? (await mkdtemp(path.join(tmpdir(), 'bench-wheelhouse-')));
try {
  const r = await buildWheelhouse({
    requirements: catalog.requirements.filter((r) => !without.has(requirementName(r))),
    platform,
    pythonVersion: catalog.python.version.split('.').slice(0, 2).join('.'),
    dest: path.join(work, 'wheelhouse'),
    skipGit: true,
    // A cold run: nothing from pip's HTTP cache.
    pipArgs: ['--no-cache-dir'],
    onLog: (l) => /^no .* wheel for/.test(l) && console.log(`  ${l}`),
  });
  console.log(
    `wheelhouse for QATrack+ ${catalog.release}, ${platform}, cp${catalog.python.version.split('.').slice(0, 2).join('')}`,
  );
  console.log(
    `  ${r.wheels.length} wheels, ${(r.bytes / 1e6).toFixed(1)} MB (${(r.bytes / 1048576).toFixed(1)} MiB), ${r.seconds.toFixed(0)} s`,
  );
  console.log(`  built here from sdists (pure Python): ${r.builtFromSdist.join(', ') || 'none'}`);
  console.log(`  git/wheel-URL pins left out: ${r.skippedGit.map((g) => g.name).join(', ') || 'none'}`);
  if (without.size) console.log(`  left out by --without: ${[...without].join(', ')}`);
  console.log('  offline check (pip download --no-index --find-links) passed');
} finally {
  if (!keep) await rm(work, { recursive: true, force: true });
}
