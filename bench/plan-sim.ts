/**
 * Wall time of `plan` on a converged sim state with the whole Windows profile (issue 3: aim < 1 s).
 * Seeds a sim Windows Server (existing SQL Server, the bundle's files) when the Windows sim seeds
 * exist, converges it with `install`, then times `plan` in-process (runSession: state load, logs,
 * every probe) and as a CLI process (node bin/qatrack-installer.js plan).
 *
 *   npm run bench:plan            (or: npx tsx bench/plan-sim.ts [runs])
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadAnswers } from '../electron/engine/answers/index.js';
import { computeLayout } from '../electron/engine/layout.js';
import { resolveRelease } from '../electron/engine/release.js';
import type { RunReport } from '../electron/engine/report.js';
import { runSession } from '../electron/app/session.js';
import { parseHostSpec } from '../electron/hosts/index.js';
import type { SimState } from '../electron/hosts/sim/state.js';
import { stepsFor } from '../electron/steps/index.js';
import { buildCli } from '../scripts/build-cli.js';
import { fileURLToPath as resourcesUrlToPath } from 'node:url';
import { configureResources } from '../electron/engine/resources.js';

configureResources(resourcesUrlToPath(new URL('../resources/', import.meta.url)));

const runs = Number(process.argv[2] ?? 5);
const answersFile = 'resources/examples/answers.json';
const loaded = loadAnswers(JSON.parse(readFileSync(answersFile, 'utf8')));
if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
const { answers, secrets } = loaded;
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-plan-'));
const state = path.join(dir, 'state.json');
const hostSpec = parseHostSpec(`sim:${state}`);
const base = { answers, secrets, hostSpec };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

/** The Windows sim seeds (owned by the Windows work); a plain fresh state without them. */
async function seed(): Promise<string> {
  const seedModule = '../electron/hosts/sim/windows/seed.js';
  try {
    type Seed = (s: SimState, ...rest: unknown[]) => SimState;
    const m = (await import(seedModule)) as Record<string, Seed & ((o?: object) => SimState)>;
    const artifacts = resolveRelease(answers, computeLayout(answers, 'win32')).artifacts;
    writeFileSync(state, JSON.stringify(m.withBundleFiles!(m.withExistingSql!(m.cleanServer!()), artifacts)));
    return 'clean Windows Server + existing SQL Server + bundle files';
  } catch {
    return 'empty sim state (no Windows seeds found)';
  }
}

const seeded = await seed();
const steps = stepsFor('windows');
const t0 = performance.now();
const install = (await runSession({ ...base, command: 'install' })).result as RunReport;
const installMs = performance.now() - t0;
const applied = install.steps.reduce((n, s) => n + s.changed, 0);

const inProcess: number[] = [];
let left = -1;
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  const { result } = await runSession({ ...base, command: 'plan' });
  inProcess.push(performance.now() - t);
  left = result.changes;
}

/** Times `node <entry> plan ...` runs; exit 0 or 2 (changes) are both a finished plan. */
function timeCli(entry: string, extra: string[] = []): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const args = [entry, 'plan', '--host', `sim:${state}`, '--answers', answersFile, ...extra];
    const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
    times.push(performance.now() - t);
    if (r.status !== 0 && r.status !== 2) throw new Error(`${entry} plan exited ${r.status}`);
  }
  return times;
}

// The development entry (tsx transpiles on load) and the shipped form (one esbuild bundle).
const cli = timeCli('bin/qatrack-installer.js');
const bundled = path.join(dir, 'cli.mjs');
await buildCli(bundled);
const cliBundled = timeCli(bundled, ['--catalog-dir', 'resources/catalog/releases']);

console.log(`Windows profile: ${steps.length} steps; start: ${seeded}`);
console.log(
  `install: ${install.status}, ${applied} actions applied in ${ms(installMs)}${install.error ? ` (${install.error.message})` : ''}`,
);
console.log(`sim state file: ${existsSync(state) ? (statSync(state).size / 1024).toFixed(1) : 0} KiB`);
console.log(
  `plan after install: ${left} changes left${left ? ' (NOT converged: figures are for a partly converged state)' : ' (converged)'}; ${runs} runs each:`,
);
console.log(`  in-process (runSession): median ${ms(median(inProcess))}  [${inProcess.map(ms).join(', ')}]`);
console.log(
  `  CLI process, tsx entry (node bin/qatrack-installer.js plan): median ${ms(median(cli))}  [${cli.map(ms).join(', ')}]`,
);
console.log(
  `  CLI process, esbuild bundle (node cli.mjs plan): median ${ms(median(cliBundled))}  [${cliBundled.map(ms).join(', ')}]`,
);
console.log(
  `load average at the end: ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${os.cpus().length} cores`,
);
rmSync(dir, { recursive: true, force: true });
