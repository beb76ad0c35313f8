import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { progressEventSchema } from '../../electron/engine/events.js';
import { CANARY, tempDir } from '../support/engine-context.js';
import { runCli, startCli, TEST_STEPS } from '../support/cli.js';

const EXAMPLE = 'resources/examples/answers.json';

/** A temp dir with a sim state path and the CLI arguments for it. */
const sim = () => {
  const dir = tempDir('qti-cli-');
  const state = path.join(dir, 'state.json');
  return { dir, state, args: ['--host', `sim:${state}`, '--answers', EXAMPLE, ...TEST_STEPS] };
};

/** Every file the runs left beside the state: state, journal, logs. */
const allWritten = (dir: string): string =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => readFileSync(path.join(d.parentPath, d.name), 'utf8'))
    .join('\n');

// Each test runs several CLI processes (about 1-3 s each on a busy 2-core machine).
describe('qatrack-installer CLI (real processes on the sim host)', { timeout: 120_000 }, () => {
  it('plan exits 2 on a new machine, install 0, then plan 0; a second install touches nothing', async () => {
    const s = sim();
    const plan = await runCli(['plan', ...s.args]);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toMatch(/Create folder C:\\QATrack/);
    expect(plan.stdout).toMatch(/Create service QATrackWorker1 on 127\.0\.0\.1:8001/);
    expect(plan.stdout).toMatch(/6 changes in 4 steps\./);
    expect(existsSync(s.state)).toBe(false); // plan changes nothing

    const install = await runCli(['install', ...s.args]);
    expect(install.exitCode, install.stderr).toBe(0);
    expect(install.stdout).toMatch(/Installed: 6 changes in 4 steps/);
    expect(install.stdout).toMatch(/Log: .*logs[\\/]install-.*\.log/);
    const logFile = /Log: (.*)/.exec(install.stdout)![1]!;
    expect(readFileSync(logFile, 'utf8')).toMatch(
      /\[settings\] action 1\/1: Write C:\\QATrack\\settings\.py/,
    );
    expect(existsSync(logFile.replace(/\.log$/, '.jsonl'))).toBe(true);

    expect((await runCli(['plan', ...s.args])).exitCode).toBe(0);
    const before = statSync(s.state).mtimeMs;
    const again = await runCli(['install', ...s.args]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/Nothing to do/);
    expect(statSync(s.state).mtimeMs).toBe(before);
    expect((await runCli(['verify', ...s.args])).exitCode).toBe(0);
  });

  it('--json gives the plan as data and the events as JSON lines', async () => {
    const s = sim();
    const plan = await runCli(['plan', '--json', ...s.args]);
    const data = JSON.parse(plan.stdout);
    expect(data).toMatchObject({ release: '3.1.1.4', host: `sim:${s.state}`, changes: 6 });
    expect(data.steps.map((x: any) => x.id)).toEqual(['folders', 'settings', 'runtime', 'worker']);
    const logFile = path.join(s.dir, 'custom', 'run.log');
    const install = await runCli(['install', '--json', '--log-file', logFile, ...s.args]);
    const lines = install.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(readFileSync(logFile, 'utf8')).toMatch(/Create service QATrackWorker1/);
    expect(readFileSync(path.join(s.dir, 'custom', 'run.jsonl'), 'utf8')).toMatch(
      /"msg":"action 1\/2: Create service QATrackWorker1/,
    );
    expect(lines.at(-1).logFile).toBe(logFile);
    expect(lines[0].type).toBe('run-start');
    // Every event matches the typed contract the wizard validates over IPC.
    for (const line of lines.slice(0, -1))
      expect(progressEventSchema.safeParse(line).success, JSON.stringify(line)).toBe(true);
    expect(lines.filter((l) => l.type === 'action-start')).toHaveLength(6);
    expect(lines.at(-1)).toMatchObject({ type: 'report', status: 'done', exitCode: 0 });
  });

  it('invalid answers: exit 64, every problem listed with its path, nothing changed', async () => {
    const s = sim();
    const answers = JSON.parse(readFileSync(EXAMPLE, 'utf8'));
    answers.site.httpPort = 0;
    answers.workers.count = 0;
    answers.database.name = "qa'track";
    answers.paths.installDir = 'C:\\Program Files\\QA';
    const file = path.join(s.dir, 'bad.json');
    writeFileSync(file, JSON.stringify(answers));
    const r = await runCli([
      'install',
      '--yes',
      '--host',
      `sim:${s.state}`,
      '--answers',
      file,
      ...TEST_STEPS,
    ]);
    expect(r.exitCode).toBe(64);
    // Plain words first, then the answers path to find it in the file (one labels table).
    for (const [label, field] of [
      ['HTTP port', 'site.httpPort'],
      ['Number of workers', 'workers.count'],
      ['Database name', 'database.name'],
      ['Program folder', 'paths.installDir'],
    ])
      expect(r.stderr).toMatch(new RegExp(`^  ${label} \\(${field!.replace('.', '\\.')}\\): `, 'm'));
    expect(r.stderr).toMatch(/nothing was changed/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(s.state)).toBe(false);
  });

  it.each([
    ['a missing answers file', (dir: string) => path.join(dir, 'missing.json'), /ANSWERS_UNREADABLE.*ENOENT/],
    [
      'an answers file that is not JSON',
      (dir: string) => (writeFileSync(path.join(dir, 'x.json'), '{ nope'), path.join(dir, 'x.json')),
      /ANSWERS_NOT_JSON/,
    ],
  ])('%s exits 64 with a clear message', async (_name, make, pattern) => {
    const s = sim();
    const r = await runCli(['plan', '--host', `sim:${s.state}`, '--answers', make(s.dir), ...TEST_STEPS]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(pattern);
  });

  it('bad usage exits 64: unknown host, missing --answers, uninstall without --yes off a terminal', async () => {
    const s = sim();
    const host = await runCli(['plan', '--host', 'vmware', '--answers', EXAMPLE]);
    expect(host.exitCode).toBe(64);
    expect(host.stderr).toMatch(/Unknown host "vmware"/);
    expect((await runCli(['plan', '--host', `sim:${s.state}`])).exitCode).toBe(64);
    const un = await runCli(['uninstall', ...s.args]);
    expect(un.exitCode).toBe(64);
    expect(un.stderr).toMatch(/--yes/);
  });

  it('a state folder or log folder that cannot be written is bad input (64) and changes nothing', async () => {
    const dir = tempDir('qti-cli-');
    const blocker = path.join(dir, 'a-file');
    writeFileSync(blocker, 'not a folder');
    const state = path.join(blocker, 'state.json');
    const r = await runCli(['install', '--host', `sim:${state}`, '--answers', EXAMPLE, ...TEST_STEPS]);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(
      /error \[PATH_NOT_WRITABLE\]: The installer cannot write the installer's state folder .*a-file \(E[A-Z]+\)/,
    );
    expect(r.stderr).toMatch(/^ {2}--host: must name a folder the installer can create and write/m);
    const s = sim();
    const log = await runCli(['install', '--log-file', path.join(blocker, 'x.log'), ...s.args]);
    expect(log.exitCode).toBe(64);
    expect(log.stderr).toMatch(/^ {2}--log-file: /m);
    expect(existsSync(s.state)).toBe(false);
  });

  it('a failed step exits 1 with code, advice and log path; repair then converges', async () => {
    const s = sim();
    writeFileSync(
      s.state,
      JSON.stringify({ faults: [{ describeIncludes: 'settings.py', message: 'access denied' }] }),
    );
    const failed = await runCli(['install', ...s.args]);
    expect(failed.exitCode).toBe(1);
    expect(failed.stdout).toMatch(/error \[SIM_FAULT\]: .*access denied/);
    expect(failed.stdout).toMatch(/what to do: /);
    // runtime does not depend on settings: with steps in parallel (the default) it has finished.
    expect(failed.stdout).toMatch(/Not done: settings, worker\n/);
    expect(failed.stdout).toMatch(/Log: /);

    const repair = await runCli(['repair', ...s.args]);
    expect(repair.exitCode, repair.stdout + repair.stderr).toBe(0);
    expect(repair.stdout).toMatch(/Drift found before repair:[\s\S]*Settings file: missing/);
    expect(repair.stdout).toMatch(/Repaired: 3 changes in 2 steps/);
    expect((await runCli(['plan', ...s.args])).exitCode).toBe(0);
  });

  it('a reboot request ends with exit 3010 (194 on POSIX) and "run repair"; repair finishes', async () => {
    const s = sim();
    const r = await runCli(['install', ...s.args], { env: { QATRACK_TEST_REBOOT: '1' } });
    expect(r.exitCode).toBe(3010 % 256);
    expect(r.stdout).toMatch(/Reboot needed: restart the server, then run "qatrack-installer repair"/);
    expect(r.stdout).toMatch(/Not done: worker/);
    const repair = await runCli(['repair', ...s.args]);
    expect(repair.exitCode).toBe(0);
    expect((await runCli(['plan', ...s.args])).exitCode).toBe(0);
  });

  it('a run killed mid-step is detected by the next run, which re-probes and converges', async () => {
    const s = sim();
    const journal = path.join(s.dir, 'state.journal.jsonl');
    // One step at a time, so what was done before the kill is exact (parallel: cli-jobs.test.ts).
    const child = startCli(['install', '--jobs', '1', ...s.args], { env: { QATRACK_TEST_HANG: 'runtime' } });
    const deadline = Date.now() + 30_000;
    while (!(existsSync(journal) && readFileSync(journal, 'utf8').includes('"step":"runtime"'))) {
      if (Date.now() > deadline) throw new Error('the run never reached the runtime step');
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    await child;
    const runId = JSON.parse(readFileSync(journal, 'utf8').split('\n')[0]!).runId;

    const plan = await runCli(['plan', ...s.args]);
    expect(plan.exitCode).toBe(2);
    expect(plan.stderr).toContain(
      `warn: previous run ${runId} was interrupted during step runtime; re-probing`,
    );

    const rerun = await runCli(['install', ...s.args]);
    expect(rerun.exitCode, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.stderr).toContain(`previous run ${runId} was interrupted during step runtime; re-probing`);
    // folders and settings were applied before the kill: the rerun only does what is left.
    expect(rerun.stdout).toMatch(/Installed: 3 changes in 2 steps/);
  });

  it('SIGTERM during a step cancels: exit 130, the steps not done are listed, and the lock is released', async () => {
    const s = sim();
    const journal = path.join(s.dir, 'state.journal.jsonl');
    // One step at a time, so the steps not done are exact (parallel cancel: test/windows/parallel-apply).
    const child = startCli(['install', '--jobs', '1', ...s.args], { env: { QATRACK_TEST_HANG: 'settings' } });
    const deadline = Date.now() + 30_000;
    while (!(existsSync(journal) && readFileSync(journal, 'utf8').includes('"step":"settings"'))) {
      if (Date.now() > deadline) throw new Error('the run never reached the settings step');
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(130);
    expect(String(r.stdout)).toMatch(
      /Cancelled\. Not done: settings, runtime, worker\. Run repair to finish\./,
    );
    expect(readFileSync(journal, 'utf8')).toMatch(/"type":"run-end","ok":false,"exitCode":130/);
    const repair = await runCli(['repair', ...s.args]);
    expect(repair.exitCode).toBe(0);
    expect(repair.stderr).not.toMatch(/interrupted/); // it ended properly
  });

  it('a second run on the same machine is refused with the other run named; plan still works', async () => {
    const s = sim();
    const journal = path.join(s.dir, 'state.journal.jsonl');
    const first = startCli(['install', ...s.args], { env: { QATRACK_TEST_HANG: 'runtime' } });
    const deadline = Date.now() + 30_000;
    while (!(existsSync(journal) && readFileSync(journal, 'utf8').includes('"step":"runtime"'))) {
      if (Date.now() > deadline) throw new Error('the first run never reached the runtime step');
      await new Promise((r) => setTimeout(r, 100));
    }
    const runId = JSON.parse(readFileSync(journal, 'utf8').split('\n')[0]!).runId;
    const second = await runCli(['repair', ...s.args]);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(`in use by another installer run \\(run ${runId} \\(install\\), pid \\d+`),
    );
    expect((await runCli(['plan', ...s.args])).exitCode).toBe(2); // read-only: no lock needed
    first.kill('SIGTERM');
    expect((await first).exitCode).toBe(130);
  });

  it('never shows the canary password: stdout, stderr, logs, journal, state', async () => {
    const s = sim();
    const secrets = JSON.stringify({
      'database.login.password': CANARY,
      'admin.password': `${CANARY}-admin`,
    });
    const outputs: string[] = [];
    for (const cmd of [['plan'], ['install', '--json'], ['repair'], ['verify']]) {
      const r = await runCli([...cmd, '--secrets-stdin', ...s.args], { input: secrets });
      expect(r.exitCode, r.stderr).toBeLessThan(3);
      outputs.push(r.stdout, r.stderr);
    }
    // A failure whose message would carry the password.
    writeFileSync(
      s.state,
      JSON.stringify({ faults: [{ describeIncludes: 'runtime', message: `wrong password ${CANARY}` }] }),
    );
    const failed = await runCli(['install', '--secrets-stdin', ...s.args], { input: secrets });
    expect(failed.exitCode).toBe(1);
    outputs.push(failed.stdout, failed.stderr);
    expect(outputs.join('\n')).toContain('wrong password ********');

    // A step that throws with the password in its message while planning (the session's own error path).
    const leaky = await runCli(['plan', '--secrets-stdin', ...s.args], {
      input: secrets,
      env: { QATRACK_TEST_THROW_SECRET: 'settings' },
    });
    expect(leaky.exitCode).toBe(1);
    expect(leaky.stderr).toMatch(/error \[STEP_FAILED\]: Settings file: cannot log in as qatrack with \*{8}/);
    outputs.push(leaky.stdout, leaky.stderr);

    const everything = outputs.join('\n') + allWritten(s.dir);
    expect(everything).toContain('settings.py');
    for (const form of [
      CANARY,
      JSON.stringify(CANARY).slice(1, -1),
      encodeURIComponent(CANARY),
      Buffer.from(CANARY).toString('base64'),
    ])
      expect(everything).not.toContain(form);
    expect(everything).not.toContain('C4nary');
  });

  it('bad --secrets-stdin input exits 64 without echoing it', async () => {
    const s = sim();
    const r = await runCli(['plan', '--secrets-stdin', ...s.args], {
      input: `{"database.login.pasword": "${'x'.repeat(12)}"}`,
    });
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/stdin\.database\.login\.pasword: unknown secret/);
    expect(r.stderr).not.toContain('x'.repeat(12));
  });

  it('uninstall --yes removes what the steps installed, keeping data unless --remove-data', async () => {
    const s = sim();
    expect((await runCli(['install', ...s.args])).exitCode).toBe(0);
    const un = await runCli(['uninstall', '--yes', ...s.args]);
    expect(un.exitCode, un.stderr).toBe(0);
    const state = JSON.parse(readFileSync(s.state, 'utf8'));
    expect(state.services).toEqual({});
    expect(Object.keys(state.files).some((k) => k.toLowerCase().startsWith('c:\\qatrack'))).toBe(false);
    expect(Object.keys(state.files)).toContain('D:\\QATrackData'); // data kept by default
    const all = await runCli(['uninstall', '--yes', '--remove-data', ...s.args]);
    expect(all.stdout).toMatch(/Uninstalled: 1 change in 1 step\./);
    expect(Object.keys(JSON.parse(readFileSync(s.state, 'utf8')).files)).not.toContain('D:\\QATrackData');
  });

  it('the shipped profile: plan on a new sim state with the example answers exits 2, no password shown', async () => {
    const s = sim();
    const r = await runCli(['plan', '--host', `sim:${s.state}`, '--answers', EXAMPLE]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stdout).toMatch(/^QATrack\+ 3\.1\.1\.4: install plan$/m);
    expect(r.stdout).toMatch(/^\d+ changes in \d+ steps\.$/m);
    for (const pw of ['Ch4nge-me', 'Reports-pw', 'Admin-pw', 'Smtp-pw'])
      expect(r.stdout + r.stderr).not.toContain(pw);
  });

  it('schema prints the answers JSON Schema', async () => {
    const r = await runCli(['schema']);
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout).properties.database.properties.login).toBeDefined();
  });
});
