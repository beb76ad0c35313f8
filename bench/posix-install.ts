/**
 * The whole posix install through the CLI, side by side: this branch's fixture (QATrack+ 3.1.1.4's
 * own stack: Python 3.9, Django 2.2.18, django-q, the task cluster) and the OLD fixture (Django 4.2
 * on the system Python, installed by the installer as it was at commit dce1453, both taken from git
 * with `git archive dce1453`). For each: clean folder to site answering, then a no-op `install` and
 * a no-op `plan`. PostgreSQL and the bundles are prepared first and not timed. Prints figures and
 * the new/old ratios; asserts nothing.
 *
 *   npx tsx bench/posix-install.ts
 */
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import * as current from '../test/support/posix-site.js';
import { repoRoot } from '../test/support/fixture.js';

const OLD_COMMIT = 'dce1453';
type SiteModule = Pick<typeof current, 'prepareSite' | 'teardownSite' | 'cli'>;
type Figures = Record<string, { s: number; exit: number }>;

/** The repository at OLD_COMMIT in a temp folder (our node_modules, the shared download cache). */
async function oldTree(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'qatrack-bench-old-'));
  const archive = await execa('git', ['-C', repoRoot, 'archive', '--format=tar', OLD_COMMIT], {
    encoding: 'buffer',
  });
  await execa('tar', ['-x', '-C', dir], { input: archive.stdout });
  await symlink(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

async function run(label: string, m: SiteModule): Promise<Figures> {
  const site = await m.prepareSite();
  const figures: Figures = {};
  const timed = async (name: string, args: string[]) => {
    const t0 = performance.now();
    const r = await m.cli(site, args);
    const s = (performance.now() - t0) / 1000;
    figures[name] = { s, exit: r.exitCode };
    console.log(`${label.padEnd(4)} ${name.padEnd(30)} ${s.toFixed(1).padStart(6)} s  (exit ${r.exitCode})`);
    if (r.exitCode !== 0 && !(name === 'plan, clean' && r.exitCode === 2)) console.log(r.all.slice(-3000));
  };
  try {
    await timed('plan, clean', ['plan']);
    await timed('install, clean folder', ['install', '--yes']);
    await timed('install again (no-op)', ['install', '--yes']);
    await timed('plan (no-op)', ['plan']);
    await timed('verify', ['verify']);
  } finally {
    await m.teardownSite(site);
  }
  return figures;
}

const load = () =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${os.cpus().length} cores`;

console.log(`${load()} (before)`);
const fresh = await run('new', current);
const dir = await oldTree();
let old: Figures;
try {
  process.env.QATRACK_TEST_CACHE ??= path.join(repoRoot, '.cache');
  const oldSite = (await import(
    pathToFileURL(path.join(dir, 'test', 'support', 'posix-site.ts')).href
  )) as SiteModule;
  old = await run('old', oldSite);
} finally {
  await rm(dir, { recursive: true, force: true });
}
console.log(`${load()} (after)`);
console.log('\nstep                              new (s)  old (s)  new/old');
for (const name of Object.keys(fresh)) {
  const n = fresh[name]!;
  const o = old[name];
  const ratio = o && o.s > 0 ? (n.s / o.s).toFixed(2) : '-';
  console.log(
    `${name.padEnd(32)} ${n.s.toFixed(1).padStart(8)} ${(o?.s ?? NaN).toFixed(1).padStart(8)} ${ratio.padStart(8)}`,
  );
}
