/**
 * The whole posix install of the fixture through the CLI: clean folder to site answering (aim: under
 * 90 s on 2 cores), then a no-op rerun of `install` and of `plan` (aim: under 5 s). PostgreSQL and
 * the bundle are prepared first and not timed.
 *
 *   npx tsx bench/posix-install.ts
 */
import os from 'node:os';
import { cli, get, prepareSite, teardownSite } from '../test/support/posix-site.js';

const site = await prepareSite();
const timed = async (label: string, args: string[]) => {
  const t0 = performance.now();
  const r = await cli(site, args);
  const ms = performance.now() - t0;
  console.log(`${label.padEnd(34)} ${(ms / 1000).toFixed(1).padStart(6)} s  (exit ${r.exitCode})`);
  if (r.exitCode !== 0) console.log(r.all);
  return ms;
};
try {
  console.log(
    `load average before: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${os.cpus().length} cores`,
  );
  await timed('install, clean folder', ['install', '--yes']);
  const home = await get(site.httpPort, '/');
  console.log(`site answers: HTTP ${home.status} (served by ${String(home.headers['x-served-by'])})`);
  await timed('install again (no-op)', ['install', '--yes']);
  await timed('plan (no-op, exit 0 expected)', ['plan']);
  const t0 = performance.now();
  await cli(site, ['schema']);
  console.log(
    `${'CLI start-up alone (schema)'.padEnd(34)} ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s`,
  );
} finally {
  await teardownSite(site);
}
