import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-context.js';
import { runCli, TEST_STEPS } from '../support/cli.js';

const EXAMPLE = 'resources/examples/answers.json';

const sim = () => {
  const dir = tempDir('qti-jobs-');
  const state = path.join(dir, 'state.json');
  return { state, args: ['--host', `sim:${state}`, '--answers', EXAMPLE, ...TEST_STEPS] };
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
});
