import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-context.js';
import { runCli } from '../support/cli.js';

/**
 * Saved plans (Terraform's `plan -out` / `apply PLANFILE`) on the Windows profile over the sim host:
 * what the change board approved is what runs, and nothing else.
 */
const EXAMPLE = 'resources/examples/answers.json';
const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, any>;

const sim = () => {
  const dir = tempDir('qti-plan-');
  const state = path.join(dir, 'state.json');
  const planFile = path.join(dir, 'approved.plan.json');
  return { dir, state, planFile, host: ['--host', `sim:${state}`] };
};

const withAnswers = (dir: string, change: (a: Record<string, any>) => void): string => {
  const a = structuredClone(example);
  change(a);
  const file = path.join(dir, 'answers.json');
  writeFileSync(file, JSON.stringify(a));
  return file;
};

describe('saved plans bind the run to what was approved', { timeout: 180_000 }, () => {
  it('plan --out, then install --plan on the unchanged machine applies it; the plan file holds no secret', async () => {
    const s = sim();
    const plan = await runCli(['plan', ...s.host, '--answers', EXAMPLE, '--out', s.planFile]);
    expect(plan.exitCode, plan.stderr).toBe(2);
    expect(plan.stderr).toMatch(/Plan saved to .*approved\.plan\.json \(sha256 [0-9a-f]{64}\)/);
    const text = readFileSync(s.planFile, 'utf8');
    const saved = JSON.parse(text) as { planSha256: string; changes: number; command: string };
    expect(saved.command).toBe('install');
    expect(saved.changes).toBeGreaterThan(50);
    for (const secret of [
      example.database.login.password,
      example.database.readonlyLogin.password,
      example.admin.password,
      example.email.password,
    ])
      expect(text).not.toContain(secret);
    expect(existsSync(s.state)).toBe(false);

    // No --yes and no terminal: the approved plan is the confirmation.
    const install = await runCli(['install', ...s.host, '--answers', EXAMPLE, '--plan', s.planFile]);
    expect(install.exitCode, install.stdout + install.stderr).toBe(0);
    expect(install.stdout).toMatch(/Installed: \d+ changes/);
    const again = await runCli(['plan', ...s.host, '--answers', EXAMPLE]);
    expect(again.exitCode, again.stdout).toBe(0);
  });

  it('a changed answer is refused with the difference, exit 64, and the machine is untouched', async () => {
    const s = sim();
    expect((await runCli(['plan', ...s.host, '--answers', EXAMPLE, '--out', s.planFile])).exitCode).toBe(2);
    const changed = withAnswers(s.dir, (a) => (a.workers.count = 4));
    const r = await runCli(['install', ...s.host, '--answers', changed, '--plan', s.planFile]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/PLAN_STALE/);
    expect(r.stderr).toMatch(/answers: changed since the plan was made/);
    // The new worker is in the difference, by name.
    expect(r.stderr).toMatch(/\+ .*QATrackWorker4.*\(planned now, not approved\)/);
    expect(existsSync(s.state)).toBe(false);
  });

  it('a machine that changed since the plan was made is refused; a fresh plan of it applies', async () => {
    const s = sim();
    expect((await runCli(['plan', ...s.host, '--answers', EXAMPLE, '--out', s.planFile])).exitCode).toBe(2);
    // Someone installs by other means in between: the approved plan no longer describes the machine.
    expect((await runCli(['install', ...s.host, '--answers', EXAMPLE, '--yes'])).exitCode).toBe(0);
    const before = readFileSync(s.state, 'utf8');
    const r = await runCli(['install', ...s.host, '--answers', EXAMPLE, '--plan', s.planFile]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/PLAN_STALE[^\n]*nothing was changed/);
    expect(r.stderr).toMatch(/- .*\(approved, no longer planned\)/);
    expect(readFileSync(s.state, 'utf8')).toBe(before);

    const fresh = path.join(s.dir, 'fresh.plan.json');
    expect((await runCli(['plan', ...s.host, '--answers', EXAMPLE, '--out', fresh])).exitCode).toBe(0);
    expect((await runCli(['repair', ...s.host, '--answers', EXAMPLE, '--plan', fresh])).exitCode).toBe(0);
  });

  it('a plan file with an edited action fails its hash before anything runs', async () => {
    const s = sim();
    expect((await runCli(['plan', ...s.host, '--answers', EXAMPLE, '--out', s.planFile])).exitCode).toBe(2);
    const saved = JSON.parse(readFileSync(s.planFile, 'utf8')) as {
      steps: { actions: { describe: string; [k: string]: unknown }[] }[];
    };
    const step = saved.steps.find((st) => st.actions.length)!;
    step.actions[0]!.path = 'C:\\Windows\\System32\\evil.dll';
    writeFileSync(s.planFile, JSON.stringify(saved));
    const r = await runCli(['install', ...s.host, '--answers', EXAMPLE, '--plan', s.planFile]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/PLAN_FILE_ALTERED/);
    expect(existsSync(s.state)).toBe(false);

    writeFileSync(s.planFile, '{"format": 1}');
    const bad = await runCli(['install', ...s.host, '--answers', EXAMPLE, '--plan', s.planFile]);
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toMatch(/PLAN_FILE_INVALID/);
  });

  it('uninstall applies only an uninstall plan, with the data choice it was made with', async () => {
    const s = sim();
    expect((await runCli(['install', ...s.host, '--answers', EXAMPLE, '--yes'])).exitCode).toBe(0);
    const installPlan = path.join(s.dir, 'install.plan.json');
    expect((await runCli(['plan', ...s.host, '--answers', EXAMPLE, '--out', installPlan])).exitCode).toBe(0);
    const wrong = await runCli(['uninstall', ...s.host, '--answers', EXAMPLE, '--plan', installPlan]);
    expect(wrong.exitCode).toBe(64);
    expect(wrong.stderr).toMatch(/PLAN_WRONG_COMMAND/);

    const p = await runCli([
      'plan',
      ...s.host,
      '--answers',
      EXAMPLE,
      '--for',
      'uninstall',
      '--out',
      s.planFile,
    ]);
    expect(p.exitCode, p.stderr).toBe(2);
    expect(JSON.parse(readFileSync(s.planFile, 'utf8'))).toMatchObject({
      command: 'uninstall',
      keepData: true,
    });
    const u = await runCli(['uninstall', ...s.host, '--answers', EXAMPLE, '--plan', s.planFile]);
    expect(u.exitCode, u.stdout + u.stderr).toBe(0);
    const after = await runCli(['plan', ...s.host, '--answers', EXAMPLE, '--for', 'uninstall']);
    expect(after.stdout).toMatch(/3.1.1.4: uninstall plan/);
    expect(after.exitCode, after.stdout).toBe(0);
  });
});
