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

/** The wizard's handlers over the real engine on a sim host, without Electron or a browser. */
const CANARY = 'Canary-svc "pw" %x% 9!';
let dir: string;
let gate: { open(): void; wait: Promise<void> };
const newGate = () => {
  let open = () => {};
  const wait = new Promise<void>((r) => (open = r));
  return { open, wait };
};

const mkdirStep = (id: string, title: string, dependsOn: string[], waitFirst = false) =>
  defineStep({
    id,
    title,
    dependsOn,
    async probe({ host, layout }) {
      if (waitFirst) await gate.wait;
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

async function setup(name: string) {
  await mkdir(path.join(dir, name), { recursive: true });
  await writeFile(path.join(dir, name, 'state.json'), '{}');
  const events: EventOf<'progress'>[] = [];
  const saved: string[] = [];
  const spec: HostSpec = { kind: 'sim', file: path.join(dir, name, 'state.json') };
  const handlers: Handlers = createHandlers({
    engine: createEngineAdapter({ hostSpec: spec, logDir: path.join(dir, name, 'logs'), steps }),
    openHost: (purpose) => createHost(spec, { readOnly: purpose === 'read' }),
    dataDir: path.join(dir, name, 'app'),
    chooseSavePath: (_kind, file) => {
      saved.push(path.join(dir, name, file));
      return Promise.resolve(saved.at(-1));
    },
    openFolder: () => Promise.resolve(true),
    testDatabase: () => Promise.resolve({ ok: true, detail: 'ok' }),
    emit: (p) => events.push(p),
  });
  const ended = () =>
    new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (events.some((e) => e.event.type === 'run-end')) {
          clearInterval(t);
          resolve();
        }
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
    const { runId } = await s.handlers.apply({ mode: 'install', answers: draft(), secrets, keepData: true });
    await s.ended();
    await expect.poll(async () => (await s.handlers.runStatus({ runId })).state).toBe('succeeded');
    expect((await s.handlers.runStatus({ runId })).remaining).toEqual([]);

    const last = await s.handlers.lastAnswers({});
    expect(last.answers?.paths).toEqual(draft().paths);
    expect((last.answers as any).database.login).toEqual({ user: 'qatrack' });
    const stored = await readFile(path.join(dir, 'install', 'app', 'last-answers.json'), 'utf8');
    expect(stored).not.toContain('Canary-svc');

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

  it('cancels a run and says which steps were left', async () => {
    gate = newGate();
    const s = await setup('cancel');
    const { runId } = await s.handlers.apply({ mode: 'install', answers: draft(), secrets, keepData: true });
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
});
