import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnswers } from '../../electron/engine/answers/index.js';
import { computeLayout } from '../../electron/engine/layout.js';
import { resolveRelease } from '../../electron/engine/release.js';
import type { StepContext } from '../../electron/engine/step.js';
import { createSimHost } from '../../electron/hosts/sim/host.js';
import { commonSteps } from '../../electron/steps/common/index.js';
import { applySteps } from '../support/apply-steps.js';

/**
 * The common steps planned for Windows on the simulated host: the plan names Windows paths, the
 * sim's state converges, and a second run plans nothing (what `plan` exit 0 relies on).
 */
describe('common steps on the sim host (Windows layout)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'qatrack-sim-common-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('plans Windows commands once, then nothing; the state file holds no password', async () => {
    const raw = JSON.parse(await readFile('resources/examples/answers.json', 'utf8')) as object;
    const loaded = loadAnswers(raw, { env: {} });
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const layout = computeLayout(loaded.answers, 'win32');
    const file = path.join(dir, 'state.json');
    const host = await createSimHost(file);
    const ctx: StepContext = {
      answers: loaded.answers,
      host,
      layout,
      secrets: loaded.secrets,
      release: resolveRelease(loaded.answers, layout),
    };
    const first = await applySteps(commonSteps, ctx);
    const all = Object.values(first).flat();
    expect(first.python).toEqual([]); // the bundled Python is the Windows profile's own step
    expect(first.venv?.[0]).toMatchObject({
      kind: 'exec',
      file: 'C:\\QATrack\\python39-x64\\python.exe',
      args: ['-m', 'venv', '--clear', 'C:\\QATrack\\venv'],
    });
    expect(first.wheelhouse?.[0]).toMatchObject({
      kind: 'exec',
      args: expect.arrayContaining([
        '--no-index',
        '--find-links',
        'E:\\qatrack-bundle-3.1.1.4-x64\\wheelhouse',
      ]) as string[],
    });
    expect(first['local-settings']?.map((a) => a.kind)).toEqual(['exec', 'writeFile']);
    const superuser = first.django?.find((a) => a.describe.includes('superuser'));
    expect(superuser).toMatchObject({ kind: 'exec', file: 'C:\\QATrack\\venv\\Scripts\\python.exe' });
    expect(JSON.stringify(all)).not.toContain('Admin-pw change me');
    expect(JSON.stringify(all)).not.toContain('Ch4nge-me');

    const second = await applySteps(commonSteps, ctx, { dryRun: true });
    expect(
      Object.values(second)
        .flat()
        .map((a) => `${a.kind}: ${a.describe}`),
    ).toEqual([]);
    await host.close();
    const state = await readFile(file, 'utf8');
    for (const secret of loaded.secrets.values()) expect(state).not.toContain(secret);
    expect(state).toContain('local_settings.py');
  });
});
