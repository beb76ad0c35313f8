import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanServer, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { runCli } from '../support/cli.js';

/**
 * `--release` on the command line: QATrack+ 4.0.x planned on a fresh simulated Windows server
 * through the real CLI process, and a release the catalog does not hold refused with exit 64.
 */

const dir = mkdtempSync(path.join(os.tmpdir(), 'qatrack-r40-'));

/** The example answers without their "release", so that --release decides. */
function answersFile(name: string, edit: (a: any) => void = () => undefined): string {
  const a = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
  delete a.release;
  a.paths.bundleDir = 'E:\\qatrack-bundle-4.0.x-x64';
  edit(a);
  const file = path.join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(a));
  return file;
}

function freshServer(name: string): string {
  const file = path.join(dir, `${name}-state.json`);
  writeFileSync(file, JSON.stringify(withExistingSql(cleanServer())));
  return file;
}

interface PlannedAction {
  kind: string;
  describe: string;
  file?: string;
  args?: string[];
  path?: string;
  content?: (string | { $secret: string })[];
}

describe('plan --release 4.0.x on a fresh sim server', () => {
  it('is a full install plan: Python 3.12 into python312-x64, local_settings with ENGINE mssql and CSRF_TRUSTED_ORIGINS', async () => {
    const state = freshServer('plan');
    const before = readFileSync(state, 'utf8');
    const r = await runCli([
      'plan',
      '--release',
      '4.0.x',
      '--json',
      '--host',
      `sim:${state}`,
      '--answers',
      answersFile('plan'),
    ]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(2); // changes pending
    const plan = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      release?: string;
      steps: { id: string; actions: PlannedAction[] }[];
    };
    const actions = plan.steps.flatMap((s) => s.actions.map((a) => ({ step: s.id, ...a })));
    const python = actions.find((a) => a.step === 'win-python');
    expect(python?.file).toMatch(/\\python-3\.12\.10-amd64\.exe$/);
    expect(python?.args).toContain('TargetDir=C:\\QATrack\\python312-x64');
    const venv = actions.find((a) => a.step === 'venv' && a.kind === 'exec');
    expect(venv?.file).toBe('C:\\QATrack\\python312-x64\\python.exe');
    const settings = actions.find(
      (a) => a.kind === 'writeFile' && a.path === 'C:\\QATrack\\qatrackplus\\qatrack\\local_settings.py',
    );
    const text = (settings?.content ?? []).map((p) => (typeof p === 'string' ? p : '«secret»')).join('');
    expect(text.match(/"ENGINE": "mssql",/g)).toHaveLength(2);
    expect(text).not.toContain('sql_server.pyodbc');
    expect(text).toContain('CSRF_TRUSTED_ORIGINS = ["https://qatrack.hospital.local", "https://qatrack"]');
    // Every step a fresh install needs is there (not an upgrade, not a partial plan).
    for (const id of ['win-python', 'win-runtimes', 'venv', 'wheelhouse', 'local-settings', 'win-services'])
      expect(plan.steps.find((s) => s.id === id)?.actions.length, `${id} has actions`).toBeGreaterThan(0);
    // plan changes nothing.
    expect(readFileSync(state, 'utf8')).toBe(before);
  });
});

describe('install --release 4.0.x on a fresh sim server', () => {
  it('converges, and a second plan for 4.0.x has nothing to do (exit 0)', async () => {
    const state = freshServer('install');
    const answers = answersFile('install');
    const installed = await runCli([
      'install',
      '--yes',
      '--release',
      '4.0.x',
      '--host',
      `sim:${state}`,
      '--answers',
      answers,
    ]);
    expect(installed.exitCode, installed.stderr).toBe(0);
    const sim = JSON.parse(readFileSync(state, 'utf8')) as { products?: Record<string, unknown> };
    expect(Object.keys(sim.products ?? {})).toContain('python-3.12-x64');
    const again = await runCli([
      'plan',
      '--release',
      '4.0.x',
      '--host',
      `sim:${state}`,
      '--answers',
      answers,
    ]);
    expect(again.exitCode, again.stdout).toBe(0);
  });
});

describe('a bad --release is refused before anything happens (exit 64)', () => {
  it('plan: names --release and every release the catalog holds', async () => {
    const state = path.join(dir, 'bad-state.json');
    const r = await runCli([
      'plan',
      '--release',
      '4.1.x',
      '--host',
      `sim:${state}`,
      '--answers',
      answersFile('bad'),
    ]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/--release\)?: must be one of 3\.1\.1\.4, 4\.0\.x/);
    expect(existsSync(state)).toBe(false);
  });

  it('install: the same, and the sim server is not created', async () => {
    const state = path.join(dir, 'bad-install-state.json');
    const r = await runCli([
      'install',
      '--yes',
      '--release',
      'latest',
      '--host',
      `sim:${state}`,
      '--answers',
      answersFile('bad-install'),
    ]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/--release\)?: must be one of 3\.1\.1\.4, 4\.0\.x/);
    expect(existsSync(state)).toBe(false);
  });

  it('an answers file naming another release contradicts --release: exit 64 naming both', async () => {
    const r = await runCli([
      'plan',
      '--release',
      '4.0.x',
      '--host',
      `sim:${path.join(dir, 'conflict-state.json')}`,
      '--answers',
      answersFile('conflict', (a) => (a.release = '3.1.1.4')),
    ]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/--release\)?: must match the answers' release \("3\.1\.1\.4"\)/);
  });

  it('an unknown release in the answers file names "release" and the allowed values', async () => {
    const r = await runCli([
      'plan',
      '--host',
      `sim:${path.join(dir, 'ans-state.json')}`,
      '--answers',
      answersFile('ans', (a) => (a.release = '9.9')),
    ]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/[ (]release\)?: must be one of 3\.1\.1\.4, 4\.0\.x/);
  });

  it('bundle create: --release defaults to 3.1.1.4, a bad one exits 64 before any download', async () => {
    const out = path.join(dir, 'bundle-out');
    const r = await runCli(['bundle', 'create', '--release', '4.0', '--out', out]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/--release\)?: must be one of 3\.1\.1\.4, 4\.0\.x/);
    expect(existsSync(out)).toBe(false);
    const help = await runCli(['bundle', 'create', '--help']);
    expect(help.stdout).toMatch(/--release <release>[\s\S]*\(default: "3\.1\.1\.4"\)/);
  });
});
