import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runUnattendedFromArgv } from '../../electron/cli/unattended.js';
import { MACHINE_FOLDER, machineDataDir, RememberedStore } from '../../electron/engine/remembered.js';

const EXAMPLE = path.resolve('resources/examples/answers.json');
const dir = mkdtempSync(path.join(os.tmpdir(), 'qatrack-unattended-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The packaged app's unattended entry, run in-process on the sim host with the engine's test steps. */
async function run(argv: string[], state: string, remembered?: RememberedStore) {
  const lines: string[] = [];
  const code = await runUnattendedFromArgv(argv, {
    write: (l) => lines.push(l),
    ...(remembered ? { remembered } : {}),
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

  it('keeps the remembered answers under %ProgramData%\\QATrack+ Installer', () => {
    expect(machineDataDir({ ProgramData: 'D:\\PD' }, 'win32')).toBe('D:\\PD\\QATrack+ Installer');
    expect(machineDataDir({}, 'win32')).toBe('C:\\ProgramData\\QATrack+ Installer');
  });

  it('install remembers the answers on the machine (no secrets); uninstall with no --answers finds them and removes what install made', async () => {
    const state = path.join(dir, 'remember.json');
    const store = new RememberedStore({ dir: path.join(dir, 'PD1', MACHINE_FOLDER) });
    expect((await run(['app.exe', '--unattended', '--answers', EXAMPLE], state, store)).code).toBe(0);
    const text = readFileSync(store.file, 'utf8');
    expect(text).not.toContain('Admin-pw change me');
    expect(JSON.parse(text).admin.password).toEqual({ env: 'QATRACK_SECRET_ADMIN_PASSWORD' });
    const files = () => Object.keys(JSON.parse(readFileSync(state, 'utf8')).files as object);
    expect(files()).toContain('C:\\QATrack');

    // As the NSIS uninstaller calls it: no answers file, no secrets in the environment.
    const un = await run(['app.exe', '--unattended', '--mode=uninstall', '--keep-data'], state, store);
    expect(un.code, un.lines.join('\n')).toBe(0);
    expect(un.lines.join('\n')).toContain(`Using the answers remembered on this machine: ${store.file}`);
    expect(existsSync(store.file)).toBe(false);
    // The test steps' uninstall removes the program folder and keeps the data folder.
    expect(files()).not.toContain('C:\\QATrack');
    expect(files()).toContain('D:\\QATrackData');
  });

  it('repair with no --answers uses the remembered answers and needs the real secrets from the environment', async () => {
    const state = path.join(dir, 'repair.json');
    const store = new RememberedStore({ dir: path.join(dir, 'PD2', MACHINE_FOLDER) });
    expect((await run(['app.exe', '--unattended', '--answers', EXAMPLE], state, store)).code).toBe(0);
    const missing = await run(['app.exe', '--unattended', '--mode=repair'], state, store);
    expect(missing.code).toBe(1639);
    expect(missing.lines.join('\n')).toContain('QATRACK_SECRET_ADMIN_PASSWORD');
  });

  it('a deployment that succeeded but could not be remembered still exits 0, with a warning', async () => {
    // A folder "inside" a plain file cannot be made (ENOTDIR), even by root.
    const blocker = path.join(dir, 'not-a-folder');
    writeFileSync(blocker, '');
    const store = new RememberedStore({ dir: path.join(blocker, MACHINE_FOLDER) });
    const r = await run(
      ['app.exe', '--unattended', '--answers', EXAMPLE],
      path.join(dir, 'warn.json'),
      store,
    );
    expect(r.code).toBe(0);
    expect(r.lines.join('\n')).toContain(
      `Warning: could not update the answers remembered in ${store.file} (ENOTDIR`,
    );
  });

  it('corrupt remembered answers are bad input naming the file (1639), not a crash', async () => {
    const store = new RememberedStore({ dir: path.join(dir, 'PD4', MACHINE_FOLDER) });
    mkdirSync(store.dir, { recursive: true });
    writeFileSync(store.file, '{ not json');
    const r = await run(
      ['app.exe', '--unattended', '--mode=uninstall'],
      path.join(dir, 'corrupt.json'),
      store,
    );
    expect(r.code).toBe(1639);
    expect(r.lines.join('\n')).toContain(
      `REMEMBERED_ANSWERS_INVALID: The answers remembered in ${store.file}`,
    );
  });

  it('migrates an older per-user last-answers.json to the machine folder', async () => {
    const state = path.join(dir, 'legacy.json');
    const legacy = path.join(dir, 'userData', 'last-answers.json');
    const store = new RememberedStore({ dir: path.join(dir, 'PD3', MACHINE_FOLDER), legacyFile: legacy });
    expect((await run(['app.exe', '--unattended', '--answers', EXAMPLE], state)).code).toBe(0);
    // What an older build left in one admin's profile: {savedAt, answers}, secrets removed.
    const answers = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
    delete answers.admin.password;
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ savedAt: '2026-01-01T00:00:00.000Z', answers }));
    const un = await run(['app.exe', '--unattended', '--mode=uninstall'], state, store);
    expect(un.code, un.lines.join('\n')).toBe(0);
    expect(un.lines.join('\n')).toContain(`Moved them to ${store.file}.`);
    expect(existsSync(legacy)).toBe(false);
    // Uninstalled, so the machine forgets them again.
    expect(existsSync(store.file)).toBe(false);
  });
});
