import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadAnswers, type Answers } from '../../electron/engine/answers/index.js';
import { computeLayout } from '../../electron/engine/layout.js';
import type { PlanResult, RunReport } from '../../electron/engine/report.js';
import type { MapSecretStore } from '../../electron/engine/secrets.js';
import { runSession, type Command } from '../../electron/app/session.js';
import type { SimState } from '../../electron/hosts/sim/state.js';
import { windowsProfile } from '../../electron/steps/windows/index.js';

/** A password no output may ever contain. */
export const CANARY = 'Canary-"pw"%^&! 7f3a';

export function exampleAnswers(edit: (a: any) => void = () => undefined): {
  answers: Answers;
  secrets: MapSecretStore;
} {
  const raw = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
  raw.database.login.password = CANARY;
  edit(raw);
  const r = loadAnswers(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return { answers: r.answers, secrets: r.secrets };
}

export const testProfile = windowsProfile;

export function newStateFile(state: SimState): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qatrack-winsim-'));
  const file = path.join(dir, 'state.json');
  writeFileSync(file, JSON.stringify(state, null, 2));
  return file;
}

export const readState = (file: string): SimState => JSON.parse(readFileSync(file, 'utf8'));
export const writeState = (file: string, s: SimState) => writeFileSync(file, JSON.stringify(s, null, 2));

export async function sim(
  command: 'plan',
  file: string,
  a: ReturnType<typeof exampleAnswers>,
): Promise<PlanResult>;
export async function sim(
  command: Exclude<Command, 'plan'>,
  file: string,
  a: ReturnType<typeof exampleAnswers>,
): Promise<RunReport>;
export async function sim(
  command: Command,
  file: string,
  a: ReturnType<typeof exampleAnswers>,
): Promise<PlanResult | RunReport> {
  const { result } = await runSession({
    command,
    answers: a.answers,
    secrets: a.secrets,
    hostSpec: { kind: 'sim', file },
    steps: testProfile,
    logFile: path.join(path.dirname(file), 'logs', `${command}.log`),
  });
  return result;
}

export const layoutOf = (a: Answers) => computeLayout(a, 'win32');
