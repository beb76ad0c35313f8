import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineStep } from '../../electron/engine/step.js';
import { createHost, type HostSpec } from '../../electron/hosts/index.js';
import type { EventOf } from '../../electron/ipc/contract.js';
import { createEngineAdapter } from '../../electron/ipc/engine-adapter.js';
import type { Handlers } from '../../electron/ipc/router.js';
import { createHandlers } from '../../electron/ipc/service.js';
import { MACHINE_FOLDER, RememberedStore } from '../../electron/engine/remembered.js';

/** The wizard's handlers over the real engine on a sim host, without Electron or a browser. */
const CANARY = 'Canary-svc "pw" %x% 9!';
let dir: string;
let gate: { open(): void; wait: Promise<void>; pass: number };
/** Step B's probe waits here once `pass` probes went through (Review's plan, the run's re-plan). */
const newGate = (pass = 0) => {
  let open = () => {};
  const wait = new Promise<void>((r) => (open = r));
  return { open, wait, pass };
};

const mkdirStep = (id: string, title: string, dependsOn: string[], waitFirst = false) =>
  defineStep({
    id,
    title,
    dependsOn,
    async probe({ host, layout }) {
      if (waitFirst && gate.pass-- <= 0) await gate.wait;
      return (await host.query({ kind: 'file', path: layout.join(layout.installDir, id) })).exists;
    },
    plan({ layout }, exists) {
      const p = layout.join(layout.installDir, id);
      return exists ? [] : [{ kind: 'mkdir' as const, describe: `Create folder ${p}`, path: p }];
    },
  });
const steps = [
  mkdirStep('a', 'Step A', []),
  mkdirStep('b', 'Step B', ['a'], true),
  mkdirStep('c', 'Step C', ['b']),
];

function draft(): Record<string, any> {
  const a = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
  delete a.database.login.password;
  delete a.database.readonlyLogin.password;
  delete a.admin.password;
  delete a.email.password;
  return a;
}
const secrets = {
  'database.login.password': CANARY,
  'database.readonlyLogin.password': 'Reports-pw-2026',
  'admin.password': 'Admin-pw-2026!',
  'email.password': 'Smtp-pw-2026!',
};

async function setup(name: string, extra: { startMode?: 'repair' } = {}) {
  await mkdir(path.join(dir, name), { recursive: true });
  await writeFile(path.join(dir, name, 'state.json'), '{}');
  const events: EventOf<'progress'>[] = [];
  const saved: string[] = [];
  const spec: HostSpec = { kind: 'sim', file: path.join(dir, name, 'state.json') };
  const handlers: Handlers = createHandlers({
    engine: createEngineAdapter({ hostSpec: spec, logDir: path.join(dir, name, 'logs'), steps }),
    openHost: (purpose) => createHost(spec, { readOnly: purpose === 'read' }),
    dataDir: path.join(dir, name, 'app'),
    // The machine's folder (ProgramData) and an older build's per-user file in userData.
    remembered: new RememberedStore({
      dir: path.join(dir, name, 'ProgramData', MACHINE_FOLDER),
      legacyFile: path.join(dir, name, 'app', 'last-answers.json'),
    }),
    ...extra,
    chooseSavePath: (_kind, file) => {
      saved.push(path.join(dir, name, file));
      return Promise.resolve(saved.at(-1));
    },
    openFolder: () => Promise.resolve(true),
    testDatabase: () => Promise.resolve({ ok: true, detail: 'ok' }),
    testSignIn: () => Promise.resolve({ ok: true, detail: 'ok' }),
    emit: (p) => events.push(p),
  });
  // The run's own promise settles after its run-end event (the answers are remembered last), so
  // with a runId this also waits for the run's state to leave 'running'.
  const ended = (runId?: string) =>
    new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (!events.some((e) => e.event.type === 'run-end')) return;
        void (async () => {
          if (runId && (await handlers.runStatus({ runId })).state === 'running') return;
          clearInterval(t);
          resolve();
        })();
      }, 20);
    });
  return { handlers, events, saved, ended };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'qatrack-svc-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('wizard handlers over the engine', () => {
  it('installs, remembers the answers without secrets, and never hands a secret back', async () => {
    gate = newGate();
    gate.open();
    const s = await setup('install');
    const plan = await s.handlers.plan({ mode: 'install', answers: draft(), secrets, keepData: true });
    expect(plan.changes).toBe(3);
    expect(plan.steps.map((st) => st.status)).toEqual(['changes', 'changes', 'changes']);
    const { runId } = await s.handlers.apply({
      mode: 'install',
      answers: draft(),
      secrets,
      keepData: true,
      approvedPlanSha256: plan.planSha256,
    });
    await s.ended();
    await expect.poll(async () => (await s.handlers.runStatus({ runId })).state).toBe('succeeded');
    expect((await s.handlers.runStatus({ runId })).remaining).toEqual([]);

    const last = await s.handlers.lastAnswers({});
    expect(last.answers?.paths).toEqual(draft().paths);
    expect((last.answers as any).database.login).toEqual({ user: 'qatrack' });
    // Remembered by the machine, not the profile: a valid answers file with env references only.
    const stored = await readFile(
      path.join(dir, 'install', 'ProgramData', MACHINE_FOLDER, 'last-answers.json'),
      'utf8',
    );
    expect(stored).not.toContain('Canary-svc');
    expect(JSON.parse(stored).database.login).toEqual({
      user: 'qatrack',
      password: { env: 'QATRACK_SECRET_DATABASE_LOGIN_PASSWORD' },
    });

    const file = await s.handlers.saveAnswersFile({ answers: draft(), mode: 'install' });
    const body = JSON.parse(await readFile(file.path!, 'utf8'));
    // The unattended command lines name the saved file and carry no password.
    expect(file.commandLines).toEqual([
      `"QATrack+ Installer.exe" --unattended --answers "${file.path}" --mode install`,
      `qatrack-installer install --answers "${file.path}" --yes`,
    ]);
    expect(file.commandLines.join(' ')).not.toContain('Canary');
    expect(body.admin.password).toEqual({ env: 'QATRACK_SECRET_ADMIN_PASSWORD' });
    // A virtual service account has no password, so no env reference is invented for it.
    expect(body.serviceAccount).toEqual({ kind: 'virtual' });

    const support = await s.handlers.exportSupportBundle({});
    const text = await readFile(support.path!, 'utf8');
    expect(text).toContain('run-');
    expect(text).not.toContain('Canary-svc');
    expect(JSON.stringify(s.events)).not.toContain('Canary-svc');

    const again = await s.handlers.plan({ mode: 'repair', answers: draft(), secrets, keepData: true });
    expect(again.changes).toBe(0);
  });

  it("the support bundle carries QATrack+'s own logs from LOG_ROOT (the data folder's logs), scrubbed", async () => {
    const s = await setup('sitelogs');
    const answers = draft();
    answers.paths.dataDir = path.join(dir, 'sitelogs', 'data');
    const logRoot = path.join(answers.paths.dataDir, 'logs');
    await mkdir(logRoot, { recursive: true });
    await writeFile(
      path.join(logRoot, 'debug.log'),
      `old line\n${'x'.repeat(300 * 1024)}\nlast line ${CANARY}\n`,
    );
    await writeFile(path.join(logRoot, 'report-stderr.txt'), 'chrome said no\n');
    await writeFile(path.join(logRoot, '.__debug.lock'), '');
    const plan = await s.handlers.plan({ mode: 'install', answers, secrets, keepData: true });
    expect(plan.changes).toBeGreaterThan(0);
    const { runId } = await s.handlers.apply({
      mode: 'install',
      answers,
      secrets,
      keepData: true,
      approvedPlanSha256: plan.planSha256,
    });
    await s.ended(runId);
    expect((await s.handlers.runStatus({ runId })).state).toBe('succeeded');
    const support = await s.handlers.exportSupportBundle({});
    const bundle = JSON.parse(await readFile(support.path!, 'utf8')) as {
      siteLogs: { name: string; text: string }[];
    };
    expect(bundle.siteLogs.map((l) => l.name)).toEqual(['debug.log', 'report-stderr.txt']);
    const debug = bundle.siteLogs[0]!.text;
    expect(debug).toContain('last line');
    expect(debug).not.toContain('old line'); // only the tail of a large log
    expect(debug.length).toBeLessThanOrEqual(256 * 1024);
    expect(debug).not.toContain(CANARY);
  });

  it('migrates an older per-user last-answers.json to the machine folder on the next install', async () => {
    gate = newGate();
    gate.open();
    const s = await setup('migrate');
    const legacy = path.join(dir, 'migrate', 'app', 'last-answers.json');
    await mkdir(path.dirname(legacy), { recursive: true });
    // The older build's shape: {savedAt, answers} with secrets already removed.
    const old = draft();
    old.site.name = 'From the old profile';
    await writeFile(legacy, JSON.stringify({ savedAt: '2026-01-02T03:04:05.000Z', answers: old }));
    const last = await s.handlers.lastAnswers({});
    expect(last.savedAt).toBe('2026-01-02T03:04:05.000Z');
    expect((last.answers as any).site.name).toBe('From the old profile');

    const plan = await s.handlers.plan({ mode: 'install', answers: draft(), secrets, keepData: true });
    await s.handlers.apply({
      mode: 'install',
      answers: draft(),
      secrets,
      keepData: true,
      approvedPlanSha256: plan.planSha256,
    });
    await s.ended();
    const machine = path.join(dir, 'migrate', 'ProgramData', MACHINE_FOLDER, 'last-answers.json');
    await expect
      .poll(() =>
        readFile(machine, 'utf8').then(
          () => true,
          () => false,
        ),
      )
      .toBe(true);
    await expect
      .poll(() =>
        readFile(legacy, 'utf8').then(
          () => true,
          () => false,
        ),
      )
      .toBe(false);
    expect(((await s.handlers.lastAnswers({})).answers as any).site.name).toBe(draft().site.name);
  });

  it('tells the page which mode the app was started in (ARP Repair / Modify)', async () => {
    expect(await (await setup('mode-none')).handlers.startup({})).toEqual({});
    expect(await (await setup('mode-repair', { startMode: 'repair' })).handlers.startup({})).toEqual({
      mode: 'repair',
    });
  });

  it('cancels a run and says which steps were left', async () => {
    gate = newGate(2);
    const s = await setup('cancel');
    const plan = await s.handlers.plan({ mode: 'install', answers: draft(), secrets, keepData: true });
    const { runId } = await s.handlers.apply({
      mode: 'install',
      answers: draft(),
      secrets,
      keepData: true,
      approvedPlanSha256: plan.planSha256,
    });
    await expect
      .poll(() => s.events.some((e) => e.event.type === 'step-start' && e.event.step === 'b'))
      .toBe(true);
    const during = await s.handlers.cancel({ runId });
    expect(during.remaining).toEqual(['Step B', 'Step C']);
    gate.open();
    await s.ended();
    await expect.poll(async () => (await s.handlers.runStatus({ runId })).state).toBe('cancelled');
    const after = await s.handlers.runStatus({ runId });
    expect(after.remaining).toContain('Step C');
    expect(after.remaining).not.toContain('Step A');
  });

  it('refuses invalid answers naming the fields, without echoing a secret', async () => {
    const s = await setup('invalid');
    const bad = draft();
    bad.site.httpPort = 70000;
    bad.database.name = "qa'track";
    const err = await s.handlers
      .plan({
        mode: 'install',
        answers: bad,
        secrets: { ...secrets, 'admin.password': 'short' },
        keepData: true,
      })
      .then(
        () => undefined,
        (e: any) => e,
      );
    expect(err.code).toBe('ANSWERS_INVALID');
    expect(err.issues.map((i: any) => i.path)).toEqual(
      expect.arrayContaining(['site.httpPort', 'database.name']),
    );
    expect(JSON.stringify(err.issues)).not.toContain('Canary-svc');
    const v = await s.handlers.validateAnswers({ answers: bad });
    expect(v.valid).toBe(false);
    expect(v.issues.map((i) => i.path)).toContain('site.httpPort');
    expect((await s.handlers.validateAnswers({ answers: draft() })).valid).toBe(true);
  });

  it('Install carries the hash of the plan Review showed, and the engine gets exactly that hash', async () => {
    const runs: { approvedPlanSha256?: string }[] = [];
    const reviewed = 'ab'.repeat(32);
    const events: EventOf<'progress'>[] = [];
    const handlers = createHandlers({
      engine: {
        preflight: () => Promise.reject(new Error('not used')),
        verify: () => Promise.reject(new Error('not used')),
        plan: () =>
          Promise.resolve({
            mode: 'install',
            changes: 1,
            steps: [],
            summary: { serverWide: [], ports: [], services: [], logins: [], folders: [], firewall: [] },
            estimateSeconds: 1,
            planSha256: reviewed,
          }),
        run: (o) => {
          runs.push({ approvedPlanSha256: o.approvedPlanSha256 });
          return Promise.resolve({ ok: true, exitCode: 0, message: 'done', remembered: true });
        },
      },
      openHost: () =>
        createHost({ kind: 'sim', file: path.join(dir, 'fake-state.json') }, { readOnly: true }),
      dataDir: path.join(dir, 'fake', 'app'),
      remembered: new RememberedStore({ dir: path.join(dir, 'fake', 'ProgramData', MACHINE_FOLDER) }),
      chooseSavePath: () => Promise.resolve(undefined),
      openFolder: () => Promise.resolve(true),
      testDatabase: () => Promise.resolve({ ok: true, detail: 'ok' }),
      emit: (p) => events.push(p),
    });
    await writeFile(path.join(dir, 'fake-state.json'), '{}');
    const plan = await handlers.plan({ mode: 'install', answers: draft(), secrets, keepData: true });
    const { runId } = await handlers.apply({
      mode: 'install',
      answers: draft(),
      secrets,
      keepData: true,
      approvedPlanSha256: plan.planSha256,
    });
    await expect.poll(async () => (await handlers.runStatus({ runId })).state).toBe('succeeded');
    expect(runs).toEqual([{ approvedPlanSha256: reviewed }]);
    // The engine (the helper, on the real machine) remembered the answers: the app writes nothing.
    expect(
      await readFile(path.join(dir, 'fake', 'ProgramData', MACHINE_FOLDER, 'last-answers.json')).then(
        () => true,
        () => false,
      ),
    ).toBe(false);
  });

  it('a machine that changed after Review: the run is refused in plain words and changes nothing', async () => {
    gate = newGate();
    gate.open();
    const s = await setup('stale');
    const plan = await s.handlers.plan({ mode: 'install', answers: draft(), secrets, keepData: true });
    expect(plan.planSha256).toMatch(/^[0-9a-f]{64}$/);
    // Someone creates Step B's folder between Review and Install: B now plans nothing.
    const spec: HostSpec = { kind: 'sim', file: path.join(dir, 'stale', 'state.json') };
    const host = await createHost(spec);
    const bDir = path.win32.join(draft().paths.installDir, 'b');
    await host.apply(
      { kind: 'mkdir', describe: `Create folder ${bDir}`, path: bDir },
      {
        secrets: { get: () => undefined, values: () => [] },
        signal: new AbortController().signal,
        timeoutMs: 1000,
        onOutput: () => undefined,
      },
    );
    await host.close();
    const before = await readFile(spec.file, 'utf8');
    const { runId } = await s.handlers.apply({
      mode: 'install',
      answers: draft(),
      secrets,
      keepData: true,
      approvedPlanSha256: plan.planSha256,
    });
    await s.ended(runId);
    const status = await s.handlers.runStatus({ runId });
    expect(status.state).toBe('failed');
    expect(status.message).toMatch(/^The machine changed since this plan was made: review the new plan\./);
    expect(status.message).toContain('Step B:');
    const end = s.events.find((e) => e.event.type === 'run-end')!.event;
    expect(end).toMatchObject({ ok: false, code: 'PLAN_STALE' });
    expect(await readFile(spec.file, 'utf8')).toBe(before);

    // A hash Review never showed is refused before anything runs.
    const other = await s.handlers.apply({
      mode: 'install',
      answers: draft(),
      secrets,
      keepData: true,
      approvedPlanSha256: 'cd'.repeat(32),
    });
    await expect.poll(async () => (await s.handlers.runStatus({ runId: other.runId })).state).toBe('failed');
    expect((await s.handlers.runStatus({ runId: other.runId })).message).toMatch(/not made for Review/);
  });
});

describe('Send test mail (Mail page) through the handler', () => {
  it('goes to a real relay on loopback; a secret in the relay answer is scrubbed before the page sees it', async () => {
    const { startRelay } = await import('../support/smtp.js');
    const relay = await startRelay({
      user: 'qatrack@hospital.org',
      password: 'SmtpPw2026x',
      senders: ['qatrack@hospital.org'],
    });
    try {
      const s = await setup('mail');
      const req = {
        host: '127.0.0.1',
        port: relay.port,
        security: 'starttls' as const,
        user: 'qatrack@hospital.org',
        password: 'SmtpPw2026x',
        from: 'qatrack@hospital.org',
        to: 'physics@hospital.org',
      };
      const ok = await s.handlers.sendTestMail(req);
      expect(ok).toMatchObject({ ok: true, queueId: expect.stringMatching(/^4F1C3\dA0C2$/) });
      expect(relay.received.at(-1)).toMatchObject({
        from: 'qatrack@hospital.org',
        user: 'qatrack@hospital.org',
      });
      // A relay that echoed the password (none should): the handler redacts what the page gets.
      const echoed = await s.handlers.sendTestMail({
        ...req,
        from: 'SmtpPw2026x@x.org',
      });
      // (the 553 names the refused sender, which here carries the password).
      expect(echoed.ok).toBe(false);
      expect(echoed.relayAnswer).toMatch(/^553 .*Sender address rejected/);
      expect(JSON.stringify(echoed)).not.toContain('SmtpPw2026x');
    } finally {
      await relay.close();
    }
  });
});
