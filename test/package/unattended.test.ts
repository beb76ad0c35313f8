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

/**
 * `--mode upgrade` runs the CLI's own `upgrade` (electron/cli/upgrade.ts) on the posix host: its
 * refusals come before anything is touched (no database, no site needed), so they run here; the
 * successful upgrade needs a real site and lives in unattended-upgrade.test.ts.
 */
describe('packaged app --unattended --mode upgrade (refusals, posix host)', () => {
  const root = path.join(dir, 'upgrade');
  const catalogDir = path.join(root, 'catalog');
  const posixAnswers = path.join(root, 'answers.json');
  const dataDir = path.join(root, 'data');
  const answers = {
    release: '3.1.1.4',
    paths: { installDir: path.join(root, 'app'), dataDir, bundleDir: path.join(root, 'bundle') },
    database: {
      engine: 'postgresql',
      server: '127.0.0.1',
      port: 1,
      name: 'qatrack',
      login: { user: 'qatrack', password: 'Upgrade-db pw "x" 7!' },
      readonlyLogin: { user: 'qatrack_reports', password: 'Upgrade-ro pw 7!' },
      provision: false,
    },
    admin: { username: 'admin', email: 'admin@example.org', password: 'Upgrade-admin pw 7!' },
    site: { hostNames: ['qatrack.test'], httpPort: 8080 },
    workers: { count: 1, basePort: 9100 },
    chrome: { mode: 'none' },
    timeZone: 'Europe/Berlin',
  };
  mkdirSync(catalogDir, { recursive: true });
  for (const [from, f] of [
    ['test/fixtures/engine/catalog', '3.1.1.4.json'],
    ['test/fixtures/upgrade-catalog', '3.1.1.3.json'],
    ['test/fixtures/upgrade-catalog', '3.1.1.5.json'],
  ] as const)
    writeFileSync(path.join(catalogDir, f), readFileSync(path.join(from, f)));
  writeFileSync(posixAnswers, JSON.stringify(answers));

  async function upgrade(argv: string[], remembered?: RememberedStore) {
    const lines: string[] = [];
    const code = await runUnattendedFromArgv(['app.exe', '--unattended', '--mode', 'upgrade', ...argv], {
      write: (l) => lines.push(l),
      ...(remembered ? { remembered } : {}),
      runOptions: { host: 'posix', catalogDir },
    });
    return { code, text: lines.join('\n'), lines };
  }

  it('a downgrade is refused with 1639 (the CLI exit 64), named in the output and the log; nothing is made', async () => {
    const logFile = path.join(root, 'logs', 'down.log');
    const r = await upgrade(['--release', '3.1.1.3', '--answers', posixAnswers, '--log-file', logFile]);
    expect(r.code, r.text).toBe(1639);
    expect(r.lines[0]).toBe(`Log: ${logFile}`);
    expect(r.text).toContain('Error UPGRADE_REFUSED: The upgrade from 3.1.1.4 to 3.1.1.3 was refused');
    expect(r.text).toContain('--release: 3.1.1.3 is older than the installed 3.1.1.4');
    expect(r.lines.at(-1)).toBe(
      `QATrack+ Installer did not start: the answers or options are invalid; nothing was changed (exit code 1639). Log: ${logFile}`,
    );
    const log = readFileSync(logFile, 'utf8');
    expect(log).toContain('3.1.1.3 is older than the installed 3.1.1.4');
    // Refused before the backup: no data folder, no backup, no upgrade state.
    expect(existsSync(dataDir)).toBe(false);
    for (const secret of [answers.database.login.password, answers.admin.password])
      expect(log + r.text).not.toContain(secret);
  });

  it('an unknown release is refused with 1639 and the catalog is listed', async () => {
    const r = await upgrade(['--release', '9.9.9', '--answers', posixAnswers]);
    expect(r.code, r.text).toBe(1639);
    expect(r.text).toContain('--release: unknown release 9.9.9; the catalog has 3.1.1.3, 3.1.1.4, 3.1.1.5');
    // Without --log-file the log goes to the temp folder (no machine folder given) and is printed.
    const logLine = r.lines[0]!;
    expect(logLine).toMatch(/^Log: .*qatrack-installer[/\\]logs[/\\]upgrade-.*\.log$/);
    expect(readFileSync(logLine.slice('Log: '.length), 'utf8')).toContain('unknown release 9.9.9');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('--mode upgrade needs --release, and --release belongs to upgrade only', async () => {
    const none = await upgrade(['--answers', posixAnswers]);
    expect(none.code).toBe(1639);
    expect(none.text).toContain('--release is required with --mode upgrade');
    const lines: string[] = [];
    const code = await runUnattendedFromArgv(
      ['app.exe', '--unattended', '--answers', posixAnswers, '--release', '3.1.1.5'],
      { write: (l) => lines.push(l) },
    );
    expect(code).toBe(1639);
    expect(lines.join('\n')).toContain('--release only applies to --mode upgrade');
    const bad = await upgrade(['--release', '3.1.1.5; rm -rf /', '--answers', posixAnswers]);
    expect(bad.code).toBe(1639);
    expect(bad.text).toContain('--release must be a release id such as 3.1.1.5 or 4.0.x');
  });

  it('without --answers it uses the remembered answers (same refusals), and with none remembered says what to pass', async () => {
    const empty = new RememberedStore({ dir: path.join(root, 'PD-empty', MACHINE_FOLDER) });
    const missing = await upgrade(['--release', '3.1.1.5'], empty);
    expect(missing.code).toBe(1639);
    expect(missing.text).toContain('ANSWERS_REQUIRED');
    expect(missing.text).toContain('--answers: is required');

    const store = new RememberedStore({ dir: path.join(root, 'PD', MACHINE_FOLDER) });
    mkdirSync(store.dir, { recursive: true });
    // What a finished install leaves: the answers with env references in place of secrets.
    const remembered = structuredClone(answers) as Record<string, unknown> & typeof answers;
    (remembered.database.login as Record<string, unknown>).password = { env: 'QATRACK_SECRET_DB_T' };
    (remembered.database.readonlyLogin as Record<string, unknown>).password = { env: 'QATRACK_SECRET_RO_T' };
    (remembered.admin as Record<string, unknown>).password = { env: 'QATRACK_SECRET_ADMIN_T' };
    writeFileSync(store.file, JSON.stringify(remembered));
    Object.assign(process.env, {
      QATRACK_SECRET_DB_T: 'db-secret-from-env',
      QATRACK_SECRET_RO_T: 'ro-secret-from-env',
      QATRACK_SECRET_ADMIN_T: 'admin-secret-from-env',
    });
    try {
      const r = await upgrade(['--release', '3.1.1.3'], store);
      expect(r.code, r.text).toBe(1639);
      expect(r.text).toContain(`Using the answers remembered on this machine: ${store.file}`);
      expect(r.text).toContain('3.1.1.3 is older than the installed 3.1.1.4');
      // The log defaults to the machine folder's logs, beside the remembered answers.
      expect(r.lines[0]).toMatch(new RegExp(`^Log: ${store.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      // A refused upgrade leaves the remembered release as it was.
      expect(JSON.parse(readFileSync(store.file, 'utf8')).release).toBe('3.1.1.4');
    } finally {
      for (const k of ['QATRACK_SECRET_DB_T', 'QATRACK_SECRET_RO_T', 'QATRACK_SECRET_ADMIN_T'])
        delete process.env[k];
    }
  });
});
