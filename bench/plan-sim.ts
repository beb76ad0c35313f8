/**
 * Wall time of `plan` on a converged sim state with the whole Windows profile (issue 3: aim < 1 s).
 * Converges a fresh sim state with `install`, then times `plan` in-process (runSession, the whole
 * session: state load, logs, probes) and as a CLI process (node bin/qatrack-installer.js plan).
 *
 *   npm run bench:plan            (or: npx tsx bench/plan-sim.ts [runs])
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadAnswers } from '../electron/engine/answers/index.js';
import { runSession } from '../electron/engine/session.js';
import type { RunReport } from '../electron/engine/report.js';
import { parseHostSpec } from '../electron/hosts/index.js';
import { stepsFor } from '../electron/steps/index.js';

const runs = Number(process.argv[2] ?? 5);
const answersFile = 'resources/examples/answers.json';
const loaded = loadAnswers(JSON.parse(readFileSync(answersFile, 'utf8')));
if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-plan-'));
const state = path.join(dir, 'state.json');
const hostSpec = parseHostSpec(`sim:${state}`);
const base = { answers: loaded.answers, secrets: loaded.secrets, hostSpec };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

const steps = stepsFor('windows');
const t0 = performance.now();
const install = (await runSession({ ...base, command: 'install' })).result as RunReport;
const installMs = performance.now() - t0;
const changed = install.steps.reduce((n, s) => n + s.changed, 0);

const inProcess: number[] = [];
let changes = -1;
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  const { result } = await runSession({ ...base, command: 'plan' });
  inProcess.push(performance.now() - t);
  changes = result.changes;
}

const cli: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  try {
    execFileSync(
      process.execPath,
      ['bin/qatrack-installer.js', 'plan', '--host', `sim:${state}`, '--answers', answersFile],
      {
        stdio: 'ignore',
      },
    );
  } catch (e) {
    throw new Error(`plan did not exit 0 on the converged state: ${(e as Error).message}`, { cause: e });
  }
  cli.push(performance.now() - t);
}

console.log(
  `Windows profile: ${steps.length} steps; install on a fresh sim state: ${install.status}, ${changed} actions in ${ms(installMs)}`,
);
console.log(`sim state file: ${existsSync(state) ? (statSync(state).size / 1024).toFixed(1) : 0} KiB`);
console.log(`plan on the converged state (${changes} changes), ${runs} runs each:`);
console.log(`  in-process (runSession): median ${ms(median(inProcess))}  [${inProcess.map(ms).join(', ')}]`);
console.log(
  `  CLI process (node bin/qatrack-installer.js plan): median ${ms(median(cli))}  [${cli.map(ms).join(', ')}]`,
);
rmSync(dir, { recursive: true, force: true });
