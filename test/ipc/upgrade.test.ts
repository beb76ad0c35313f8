import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeLayout } from '../../electron/engine/layout.js';
import { MACHINE_FOLDER, RememberedStore } from '../../electron/engine/remembered.js';
import { writeInstalledRelease } from '../../electron/engine/upgrade/installed-release.js';
import { answersFromDraft } from '../../electron/ipc/answers-draft.js';
import { contract, events, type EventOf } from '../../electron/ipc/contract.js';
import { createUpgradeHandlers } from '../../electron/ipc/upgrade.js';
import { trustedCaller } from '../support/ipc-call.js';
import { createUpgradeEngine, type UpgradeHostKit } from '../../electron/ipc/upgrade-engine.js';
import type { HostSpec } from '../../electron/hosts/index.js';
import { loadRecording, replayKit, type ReplayControl } from '../support/upgrade-replay.js';

/**
 * The wizard's upgrade channels through the real router: the contract's request and response
 * checks, the real posix upgrade engine's status and refusals (the CLI's checkUpgrade, no site
 * needed: refusals come before anything is touched), and a run replayed from a real upgrade's
 * recorded event stream (test/support/upgrade-replay.ts), with cancel and redaction.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'qatrack-ipc-upgrade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const catalogDir = path.join(dir, 'catalog');
mkdirSync(catalogDir);
for (const [from, f] of [
  ['test/fixtures/engine/catalog', '3.1.1.4.json'],
  ['test/fixtures/upgrade-catalog', '3.1.1.3.json'],
  ['test/fixtures/upgrade-catalog', '3.1.1.5.json'],
] as const)
  writeFileSync(path.join(catalogDir, f), readFileSync(path.join(from, f)));

const SECRETS = {
  'database.login.password': 'Db-pw "upg" %x% 7Zq!',
  'database.readonlyLogin.password': 'Ro-pw upg 7Zq!',
  'admin.password': 'Admin-pw upg 7Zq!',
};
const dataDir = path.join(dir, 'data');
/** The deployment as the wizard has it: no secrets (they travel separately). */
const draft = {
  release: '3.1.1.4',
  paths: { installDir: path.join(dir, 'app'), dataDir, bundleDir: path.join(dir, 'bundle') },
  database: {
    engine: 'postgresql',
    server: '127.0.0.1',
    port: 1,
    name: 'qatrack',
    login: { user: 'qatrack' },
    readonlyLogin: { user: 'qatrack_reports' },
    provision: false,
  },
  admin: { username: 'admin', email: 'admin@example.org' },
  site: { hostNames: ['qatrack.test'], httpPort: 8080 },
  workers: { count: 1, basePort: 9100 },
  chrome: { mode: 'none' },
  timeZone: 'Europe/Berlin',
};

function setup(o: { hostSpec?: HostSpec; kit?: UpgradeHostKit; storeDir?: string } = {}) {
  const emitted: EventOf<'upgrade'>[] = [];
  const hostSpec = o.hostSpec ?? { kind: 'posix' };
  const engine = createUpgradeEngine({
    hostSpec,
    logDir: path.join(dir, 'logs'),
    catalogDir,
    ...(o.kit ? { kits: { [hostSpec.kind]: o.kit } } : {}),
  });
  const remembered = new RememberedStore({ dir: o.storeDir ?? path.join(dir, 'PD', MACHINE_FOLDER) });
  const handlers = createUpgradeHandlers({ engine, remembered, emitUpgrade: (p) => emitted.push(p) });
  const call = trustedCaller(handlers);
  return { call, emitted, remembered };
}

const control = (c: Partial<ReplayControl> = {}): ReplayControl => ({
  bundleRelease: '3.1.1.5',
  freeBytes: 10 * 2 ** 30,
  neededBytes: 58_962,
  ...c,
});

/** Until `check` holds (events arrive asynchronously after upgradeStart answers). */
async function until(check: () => boolean) {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('upgrade over IPC', () => {
  it('upgradeStatus: the release from the remembered answers, then from the installed-release record', async () => {
    const storeDir = path.join(dir, 'PD-status', MACHINE_FOLDER);
    const { call, remembered } = setup({ storeDir });
    expect(await call('upgradeStatus', {})).toEqual({ ok: true, value: { installed: null } });
    await remembered.write(answersFromDraft(draft, SECRETS).answers);
    expect(await call('upgradeStatus', {})).toEqual({
      ok: true,
      value: {
        installed: { release: '3.1.1.4', source: 'answers' },
        offer: { from: '3.1.1.4', to: '3.1.1.5' },
      },
    });
    // After an upgrade the record names the running release: nothing newer to offer.
    const stateDir = computeLayout(answersFromDraft(draft, SECRETS).answers, 'posix').stateDir;
    await writeInstalledRelease(stateDir, { release: '3.1.1.5' });
    expect(await call('upgradeStatus', {})).toEqual({
      ok: true,
      value: { installed: { release: '3.1.1.5', source: 'record' } },
    });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('upgradeReview refuses a downgrade and an unknown release in plain words (the real posix engine); nothing is made', async () => {
    const { call } = setup();
    const down = await call('upgradeReview', { answers: draft, secrets: SECRETS, to: '3.1.1.3' });
    expect(contract.upgradeReview.response.safeParse(down).success).toBe(true);
    expect(down.ok).toBe(true);
    expect(down.value.from).toBe('3.1.1.4');
    expect(down.value.refusal.code).toBe('UPGRADE_REFUSED');
    expect(down.value.refusal.issues).toContainEqual({
      path: '--release',
      message:
        '3.1.1.3 is older than the installed 3.1.1.4; a downgrade is not supported (restore the backup instead)',
    });
    // No bundle folder here: named too, with what to do.
    expect(down.value.refusal.issues.map((i: { path: string }) => i.path)).toContain('paths.bundleDir');
    const unknown = await call('upgradeReview', { answers: draft, secrets: SECRETS, to: '9.9.9' });
    expect(unknown.value.refusal.issues[0].message).toBe(
      'unknown release 9.9.9; the catalog has 3.1.1.3, 3.1.1.4, 3.1.1.5',
    );
    expect(unknown.value.phases.map((p: { id: string }) => p.id)).toEqual([
      // The new release is staged before the maintenance page goes up (a shorter window).
      'preflight',
      'stage-release',
      'maintenance-on',
      'backup',
      'migrate',
      'collectstatic',
      'switch',
      'health',
      'maintenance-off',
      'keep-old',
    ]);
    expect(unknown.value.backupDir).toBe(path.join(dataDir, 'backups'));
    expect(existsSync(dataDir)).toBe(false);
    expect(JSON.stringify([down, unknown])).not.toContain(SECRETS['database.login.password']);
  });

  it('refuses malformed requests without echoing a value, and a host with no upgrade kit in plain words', async () => {
    const { call } = setup();
    const bad = await call('upgradeStart', { answers: draft, secrets: SECRETS, to: '3.1.1.5; rm -rf /' });
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('IPC_BAD_REQUEST');
    expect(bad.error.issues).toEqual([{ path: 'to', message: 'must be a release id such as 3.1.1.5' }]);
    const extra = await call('upgradeReview', {
      answers: draft,
      secrets: SECRETS,
      to: '3.1.1.5',
      force: true,
    });
    expect(extra.error.code).toBe('IPC_BAD_REQUEST');
    expect(JSON.stringify([bad, extra])).not.toContain(SECRETS['admin.password']);

    const sim = setup({ hostSpec: { kind: 'sim', file: path.join(dir, 'sim.json') } });
    const r = await sim.call('upgradeReview', { answers: draft, secrets: SECRETS, to: '3.1.1.5' });
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('UPGRADE_HOST_UNSUPPORTED');
    expect(r.error.message).toContain('cannot upgrade on the sim host yet; nothing was changed');
  });

  it('upgradeStart streams the recorded engine events, each valid for the contract, then upgrade-end; no secret in any event', async () => {
    const kit = replayKit(
      control({
        // A line that carries a password by mistake is redacted before it leaves main.
        prefix: [{ type: 'upgrade-log', message: `psql PGPASSWORD=${SECRETS['database.login.password']}` }],
      }),
    );
    const { call, emitted, remembered } = setup({ kit, storeDir: path.join(dir, 'PD-run', MACHINE_FOLDER) });
    const review = await call('upgradeReview', { answers: draft, secrets: SECRETS, to: '3.1.1.5' });
    expect(review.value.refusal).toBeUndefined();
    const start = await call('upgradeStart', { answers: draft, secrets: SECRETS, to: '3.1.1.5' });
    expect(start.ok).toBe(true);
    await until(() => emitted.some((e) => e.event.type === 'upgrade-end'));
    for (const e of emitted) expect(events.upgrade.safeParse(e).success).toBe(true);
    expect(emitted.every((e) => e.runId === start.value.runId)).toBe(true);
    const types = emitted.map((e) => e.event.type);
    expect(types.filter((t) => t === 'migration')).toHaveLength(2);
    expect(types).toContain('backup');
    const end = emitted.at(-1)!.event;
    expect(end).toMatchObject({
      type: 'upgrade-end',
      ok: true,
      from: '3.1.1.4',
      to: '3.1.1.5',
      keepDays: 14,
    });
    expect(end.type === 'upgrade-end' && end.backupDir).toBe(loadRecording().result.backupDir);
    // The machine remembers the release it runs now, still without a secret.
    const kept = await remembered.read();
    expect(kept?.answers.release).toBe('3.1.1.5');
    expect(readFileSync(remembered.file, 'utf8')).not.toContain(SECRETS['admin.password']);
    const text = JSON.stringify(emitted);
    expect(text).toContain('PGPASSWORD=');
    for (const s of Object.values(SECRETS)) expect(text).not.toContain(s);
  });

  it('one upgrade at a time; cancel rolls back and upgrade-end says so', async () => {
    let held = false;
    const kit = replayKit(control({ holdBefore: 'migrate', onHeld: () => (held = true) }));
    const { call, emitted } = setup({ kit });
    const start = await call('upgradeStart', { answers: draft, secrets: SECRETS, to: '3.1.1.5' });
    await until(() => held);
    const busy = await call('upgradeStart', { answers: draft, secrets: SECRETS, to: '3.1.1.5' });
    expect(busy.error.code).toBe('RUN_BUSY');
    expect(await call('upgradeCancel', { runId: start.value.runId })).toEqual({
      ok: true,
      value: { runId: start.value.runId, state: 'running', cancelling: true },
    });
    await until(() => emitted.some((e) => e.event.type === 'upgrade-end'));
    const end = emitted.at(-1)!.event;
    expect(end).toMatchObject({
      type: 'upgrade-end',
      ok: false,
      rolledBack: true,
      cancelled: true,
      exitCode: 130,
    });
    expect(emitted.filter((e) => e.event.type === 'rollback').length).toBeGreaterThan(0);
    expect(emitted.some((e) => e.event.type === 'migration')).toBe(false);
    const unknown = await call('upgradeCancel', { runId: 'nope' });
    expect(unknown.error.code).toBe('RUN_UNKNOWN');
  });
});
