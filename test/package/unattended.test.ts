import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lastAnswersFile, runUnattendedFromArgv } from '../../electron/cli/unattended.js';

const EXAMPLE = path.resolve('resources/examples/answers.json');
const dir = mkdtempSync(path.join(os.tmpdir(), 'qatrack-unattended-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The packaged app's unattended entry, run in-process on the sim host with the engine's test steps. */
async function run(argv: string[], state: string) {
  const lines: string[] = [];
  const code = await runUnattendedFromArgv(argv, {
    write: (l) => lines.push(l),
    findLastAnswers: () => null,
    runOptions: {
      host: `sim:${state}`,
      stepsModule: 'test/fixtures/engine/steps.ts',
      catalogDir: 'test/fixtures/engine/catalog',
    },
  });
  return { code, lines };
}

describe('packaged app --unattended (engine on the sim host)', () => {
  it('returns null without --unattended, so the wizard opens', async () => {
    expect(await runUnattendedFromArgv(['app.exe', '--mode=repair'])).toBeNull();
  });

  it('installs with exit 0 and prints the log path; a bad answers file gives 1639 with the field', async () => {
    const state = path.join(dir, 'state.json');
    const logFile = path.join(dir, 'logs', 'install.log');
    const ok = await run(['app.exe', '--unattended', '--answers', EXAMPLE, '--log-file', logFile], state);
    expect(ok.code).toBe(0);
    expect(ok.lines[0]).toBe(`Log: ${logFile}`);
    expect(ok.lines.at(-1)).toBe(`QATrack+ Installer succeeded (exit code 0). Log: ${logFile}`);
    expect(existsSync(logFile)).toBe(true);
    expect(existsSync(state)).toBe(true);

    const bad = path.join(dir, 'bad.json');
    const answers = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
    answers.site.httpPort = 0;
    writeFileSync(bad, JSON.stringify(answers));
    const invalid = await run(['app.exe', '--unattended', '--answers', bad], path.join(dir, 'state2.json'));
    expect(invalid.code).toBe(1639);
    expect(invalid.lines.join('\n')).toMatch(/ANSWERS_INVALID/);
    expect(existsSync(path.join(dir, 'state2.json'))).toBe(false);
  });

  it('a run that needs a restart exits 3010 (ERROR_SUCCESS_REBOOT_REQUIRED)', async () => {
    process.env.QATRACK_TEST_REBOOT = '1';
    try {
      const { code, lines } = await run(
        ['app.exe', '--unattended', '--answers', EXAMPLE],
        path.join(dir, 's5.json'),
      );
      expect(code).toBe(3010);
      expect(lines.at(-1)).toMatch(/restart Windows to finish \(exit code 3010\)/);
    } finally {
      delete process.env.QATRACK_TEST_REBOOT;
    }
  });

  it('uninstall with no recorded deployment removes nothing and succeeds (fresh app uninstall)', async () => {
    const { code, lines } = await run(
      ['app.exe', '--unattended', '--mode=uninstall', '--keep-data'],
      path.join(dir, 's3.json'),
    );
    expect(code).toBe(0);
    expect(lines.join('\n')).toContain('nothing to remove');
  });

  it('bad flags give 1639 and say which', async () => {
    const { code, lines } = await run(
      ['app.exe', '--unattended', '--mode', 'explode'],
      path.join(dir, 's4.json'),
    );
    expect(code).toBe(1639);
    expect(lines.join('\n')).toMatch(/--mode/);
  });

  it('keeps the last answers under ProgramData', () => {
    expect(lastAnswersFile({ ProgramData: 'D:\\PD' })).toBe('D:\\PD\\QATrack+ Installer\\last-answers.json');
  });
});
