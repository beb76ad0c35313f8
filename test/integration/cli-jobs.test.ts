import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-context.js';
import { runCli, startCli, TEST_STEPS } from '../support/cli.js';

const EXAMPLE = 'resources/examples/answers.json';

const sim = () => {
  const dir = tempDir('qti-jobs-');
  const state = path.join(dir, 'state.json');
  return {
    state,
    journal: path.join(dir, 'state.journal.jsonl'),
    args: ['--host', `sim:${state}`, '--answers', EXAMPLE, ...TEST_STEPS],
  };
};

describe('qatrack-installer --jobs', { timeout: 120_000 }, () => {
  it('a --jobs that is not a whole number from 1 to 16 is bad input (64), naming the option, and changes nothing', async () => {
    for (const jobs of ['0', 'two', '17', '2.5']) {
      const s = sim();
      const r = await runCli(['install', '--jobs', jobs, ...s.args]);
      expect(r.exitCode, `--jobs ${jobs}`).toBe(64);
      expect(r.stderr).toMatch(/^ {2}--jobs: must be a whole number from 1 to 16/m);
      expect(existsSync(s.state)).toBe(false);
    }
  });

  it('--jobs 1 and --jobs 4 install the same changes', async () => {
    for (const jobs of ['1', '4']) {
      const s = sim();
      const r = await runCli(['install', '--jobs', jobs, ...s.args]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Installed: 6 changes in 4 steps/);
    }
  });

  it('a parallel run killed with one step in flight and its sibling done: the next run names it and does only what is left', async () => {
    const s = sim();
    // runtime and settings both follow folders: they start together; runtime hangs in its probe.
    const child = startCli(['install', '--jobs', '4', ...s.args], { env: { QATRACK_TEST_HANG: 'runtime' } });
    const deadline = Date.now() + 30_000;
    const seen = () => (existsSync(s.journal) ? readFileSync(s.journal, 'utf8') : '');
    const ready = () =>
      seen().includes('"type":"step-ok","step":"settings"') &&
      seen().includes('"type":"step-start","step":"runtime"');
    while (!ready()) {
      if (Date.now() > deadline) throw new Error('the run never had settings done and runtime started');
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await child;
    const runId = JSON.parse(seen().split('\n')[0]!).runId;
    const rerun = await runCli(['install', ...s.args]);
    expect(rerun.exitCode, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain(`previous run ${runId} was interrupted during step runtime; re-probing`);
    // folders and settings finished before the kill: runtime and worker are what is left.
    expect(rerun.stdout).toMatch(/Installed: 3 changes in 2 steps/);
  });
});
