import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_PATHS } from '../../electron/engine/answers/index.js';
import { parentOf } from '../../electron/engine/answers/strip.js';
import { MACHINE_FOLDER, RememberedStore } from '../../electron/engine/remembered.js';
import { writeSimFile } from '../../electron/hosts/sim/effects.js';
import { simFile, simWindows } from '../../electron/hosts/sim/windows/state.js';
import { events, type EventOf } from '../../electron/ipc/contract.js';
import { createUpgradeHandlers } from '../../electron/ipc/upgrade.js';
import { trustedCaller } from '../support/ipc-call.js';
import { createUpgradeEngine } from '../../electron/ipc/upgrade-engine.js';
import { windowsUpgradeKit } from '../../electron/ipc/upgrade-windows-kit.js';
import { CANARY, readState, writeState } from '../support/windows-sim.js';
import { BUNDLE, comparable, installedServer, upgradeCatalogDir } from '../windows/upgrade-support.js';

/**
 * The wizard's upgrade channels on the sim host, through the real router, handlers, engine and the
 * Windows kit (electron/ipc/upgrade-windows-kit.ts) over the real Windows upgrade phases: a server
 * installed with 3.1.1.4 by the Windows profile (test/windows/upgrade-support.ts), upgraded to 4.0.x.
 * The sim host stands in for Windows Server: no Windows machine runs here.
 */
const CATALOG = upgradeCatalogDir();
const RECORD = 'D:\\QATrackData\\installer\\installed-release.json';

/** The deployment as the wizard sends it: answers without secrets, the secrets beside them. */
function request(to: string, bundleFor = to) {
  const raw = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
  raw.database.login.password = CANARY;
  raw.paths.bundleDir = BUNDLE(bundleFor);
  const secrets: Record<string, string> = {};
  for (const p of SECRET_PATHS) {
    const at = parentOf(raw, p);
    if (at && typeof at.parent[at.key] === 'string') {
      secrets[p] = at.parent[at.key] as string;
      delete at.parent[at.key];
    }
  }
  return { answers: raw as Record<string, unknown>, secrets, to };
}

function wizardOn(file: string) {
  const dir = path.dirname(file);
  const emitted: EventOf<'upgrade'>[] = [];
  const hostSpec = { kind: 'sim' as const, file };
  const remembered = new RememberedStore({ dir: path.join(dir, 'PD', MACHINE_FOLDER) });
  const handlers = createUpgradeHandlers({
    engine: createUpgradeEngine({
      hostSpec,
      logDir: path.join(dir, 'wizard-logs'),
      catalogDir: CATALOG,
      kits: { sim: windowsUpgradeKit(hostSpec, CATALOG) },
    }),
    remembered,
    emitUpgrade: (p) => emitted.push(p),
  });
  const call = trustedCaller(handlers);
  const ended = async () => {
    for (let i = 0; i < 1200 && !emitted.some((e) => e.event.type === 'upgrade-end'); i++)
      await new Promise((r) => setTimeout(r, 100));
    const end = emitted.at(-1)?.event;
    if (end?.type !== 'upgrade-end') throw new Error(`no upgrade-end: ${JSON.stringify(emitted.at(-1))}`);
    return end;
  };
  return { call, emitted, remembered, ended };
}

afterEach(() => {
  delete process.env.QATRACK_INSTALLER_FAULT;
});

describe('wizard upgrade over IPC on the sim host (Windows kit)', { timeout: 180_000 }, () => {
  it('3.1.1.4 -> 4.0.x: status offers 4.0.x, review lists the Windows phases, the run streams valid events, the record says 4.0.x', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const w = wizardOn(s.file);
    const req = request('4.0.x');
    await w.remembered.write(s.answers.answers);
    expect(await w.call('upgradeStatus', {})).toEqual({
      ok: true,
      value: {
        installed: { release: '3.1.1.4', source: 'answers' },
        offer: { from: '3.1.1.4', to: '4.0.x' },
      },
    });

    const review = await w.call('upgradeReview', req);
    expect(review.ok, JSON.stringify(review)).toBe(true);
    expect(review.value.refusal).toBeUndefined();
    const ids = review.value.phases.map((p: { id: string }) => p.id);
    // The Windows order (windowsUpgradePhases), not the posix one: the 3 -> 4 restore and the record.
    expect(ids).toEqual([
      'maintenance-on',
      'backup',
      'stage-release',
      'restore-database',
      'migrate',
      'collectstatic',
      'switch',
      'health',
      'maintenance-off',
      'record',
      'keep-old',
    ]);
    expect(review.value.backupDir).toBe('E:\\QATrackBackups');
    // The 2 GiB database installedServer set, plus the media file: read on the target, not here.
    expect(review.value.backupNeededBytes).toBeGreaterThan(2 * 1024 ** 3);
    expect(review.value.backupFreeBytes).toBe(200 * 1024 ** 3);

    const start = await w.call('upgradeStart', req);
    expect(start.ok).toBe(true);
    const end = await w.ended();
    expect(end, JSON.stringify(end)).toMatchObject({
      type: 'upgrade-end',
      ok: true,
      rolledBack: false,
      exitCode: 0,
      from: '3.1.1.4',
      to: '4.0.x',
      keepDays: 14,
    });
    expect(end.backupDir).toMatch(/^E:\\QATrackBackups\\upgrade-3\.1\.1\.4-to-4\.0\.x-/);
    for (const e of w.emitted) expect(events.upgrade.safeParse(e).success).toBe(true);
    const done = w.emitted.flatMap((e) =>
      e.event.type === 'upgrade-phase' && e.event.state === 'done' ? [e.event.id] : [],
    );
    expect(done).toEqual(ids);

    const st = readState(s.file);
    const record = JSON.parse(simFile(st, RECORD)!.content!);
    expect(record).toMatchObject({ release: '4.0.x', previous: { release: '3.1.1.4' } });
    expect(Object.keys(simWindows(st).sql.databases).sort()).toEqual(['qatrackplus', 'qatrackplus40']);
    expect(st.services.QATrackWorker1!.state).toBe('running');
    // The wizard remembers the answers the server runs on now: 4.0.x on the new database.
    const kept = (await w.remembered.read())!.answers;
    expect(kept.release).toBe('4.0.x');
    expect((kept.database as { name: string }).name).toBe('qatrackplus40');
    expect(await w.call('upgradeStatus', {})).toEqual({
      ok: true,
      value: { installed: { release: '4.0.x', source: 'record' } },
    });
    // The old answers against the upgraded server: refused, as the CLI does, before anything runs.
    const upgraded = readFileSync(s.file);
    const stale = await w.call('upgradeReview', req);
    expect(stale.value.refusal).toMatchObject({
      code: 'UPGRADE_ANSWERS_STALE',
      issues: [{ path: 'release', message: 'must be 4.0.x, the release on the server' }],
    });
    expect(readFileSync(s.file).equals(upgraded)).toBe(true);
    const text = JSON.stringify([review, w.emitted]) + readFileSync(w.remembered.file, 'utf8');
    for (const secret of Object.values(req.secrets)) expect(text).not.toContain(secret);
  });

  it('an injected fault in health (QATRACK_INSTALLER_FAULT): upgrade-end says rolled back, 3.1.1.4 runs as before', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const w = wizardOn(s.file);
    await w.remembered.write(s.answers.answers);
    const before = comparable(readState(s.file));
    // electron/engine/upgrade/fault.ts: the phase fails after doing its work.
    process.env.QATRACK_INSTALLER_FAULT = 'upgrade:health';
    const start = await w.call('upgradeStart', request('4.0.x'));
    expect(start.ok).toBe(true);
    const end = await w.ended();
    expect(end, JSON.stringify(end)).toMatchObject({
      ok: false,
      rolledBack: true,
      cancelled: false,
      exitCode: 1,
      failedPhase: 'health',
    });
    expect(end.message).toContain('Rolled back: 3.1.1.4 is running again');
    expect(end.message).toContain('qatrackplus40 dropped');
    expect(w.emitted.filter((e) => e.event.type === 'rollback').length).toBeGreaterThan(0);
    for (const e of w.emitted) expect(events.upgrade.safeParse(e).success).toBe(true);
    const after = readState(s.file);
    expect(comparable(after)).toEqual(before);
    expect(simFile(after, RECORD)).toBeUndefined();
    expect(after.services.QATrackWorker1!.state).toBe('running');
    expect((await w.remembered.read())!.answers.release).toBe('3.1.1.4');
  });

  it('cancel while migrating (a hang injected in migrate): one run at a time, rolled back, exit 130, 3.1.1.4 as before', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const w = wizardOn(s.file);
    const before = comparable(readState(s.file));
    // electron/engine/upgrade/fault.ts: the run stays in the phase until cancelled.
    process.env.QATRACK_INSTALLER_FAULT = 'upgrade:migrate:hang';
    const start = await w.call('upgradeStart', request('4.0.x'));
    for (
      let i = 0;
      i < 600 &&
      !w.emitted.some(
        (e) => e.event.type === 'upgrade-phase' && e.event.id === 'migrate' && e.event.state === 'start',
      );
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    const busy = await w.call('upgradeStart', request('4.0.x'));
    expect(busy.error.code).toBe('RUN_BUSY');
    // Give the hang time to set in (migrate's own work is done first).
    await new Promise((r) => setTimeout(r, 500));
    const cancel = await w.call('upgradeCancel', { runId: start.value.runId });
    expect(cancel.value).toMatchObject({ state: 'running', cancelling: true });
    const end = await w.ended();
    expect(end, JSON.stringify(end)).toMatchObject({
      ok: false,
      rolledBack: true,
      cancelled: true,
      exitCode: 130,
      failedPhase: 'migrate',
    });
    expect(comparable(readState(s.file))).toEqual(before);
  });

  it('refusals (downgrade, too little disk for the backup, an interrupted upgrade on the server) come back as Review refusals; Start changes nothing', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const w = wizardOn(s.file);
    const bytes = readFileSync(s.file);

    const down = await w.call('upgradeReview', request('3.1.1.3', '4.0.x'));
    expect(down.ok).toBe(true);
    expect(down.value.refusal.code).toBe('UPGRADE_REFUSED');
    expect(down.value.refusal.issues).toContainEqual({
      path: '--release',
      message:
        '3.1.1.3 is older than the installed 3.1.1.4; a downgrade is not supported (restore the backup instead)',
    });
    // The bundle on the server names 4.0.x, not the asked release: named too.
    expect(down.value.refusal.issues.map((i: { path: string }) => i.path)).toContain('paths.bundleDir');
    expect(readFileSync(s.file).equals(bytes)).toBe(true);

    // 1 GiB free where the backup of a 2 GiB database goes.
    const small = readState(s.file);
    small.os.freeDiskBytes = 1024 ** 3;
    writeState(s.file, small);
    const smallBytes = readFileSync(s.file);
    const disk = await w.call('upgradeReview', request('4.0.x'));
    expect(disk.value.refusal.code).toBe('UPGRADE_REFUSED');
    expect(disk.value.refusal.issues.map((i: { path: string }) => i.path)).toContain('backup.folder');
    const start = await w.call('upgradeStart', request('4.0.x'));
    expect(start.ok).toBe(true);
    const end = await w.ended();
    expect(end).toMatchObject({ ok: false, rolledBack: false, exitCode: 1 });
    expect(end.message).toBe(disk.value.refusal.message);
    expect(w.emitted.some((e) => e.event.type === 'upgrade-phase')).toBe(false);
    expect(readFileSync(s.file).equals(smallBytes)).toBe(true);

    // An interrupted upgrade's journal on the server: Repair first, not a second upgrade.
    const pending = readState(s.file);
    pending.os.freeDiskBytes = 200 * 1024 ** 3;
    writeSimFile(
      pending,
      'D:\\QATrackData\\installer\\upgrade-state.json',
      // As the Windows run writes it (winUpgradeStateSchema), killed in migrate.
      JSON.stringify({
        host: 'windows',
        from: '3.1.1.4',
        to: '4.0.x',
        fromDir: 'C:\\QATrack',
        toDir: 'C:\\QATrack\\releases\\4.0.x',
        phase: 'migrate',
        done: ['maintenance-on', 'backup', 'stage-release', 'restore-database'],
        reached: ['maintenance-on', 'backup', 'stage-release', 'restore-database', 'migrate'],
        answers: {},
        keepDays: 14,
        startedAt: '2026-12-01T22:00:00.000Z',
        pid: 999_999,
        machineDir: 'C:\\ProgramData\\QATrack+ Installer',
      }),
    );
    writeState(s.file, pending);
    const pendingBytes = readFileSync(s.file);
    const again = await w.call('upgradeReview', request('4.0.x'));
    expect(again.value.refusal).toMatchObject({ code: 'UPGRADE_PENDING' });
    expect(again.value.refusal.message).toContain('3.1.1.4 -> 4.0.x was interrupted in migrate');
    expect(readFileSync(s.file).equals(pendingBytes)).toBe(true);
  });

  it('a wizard without administrator rights is refused before anything changes, naming the elevated command line', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    const st = readState(s.file);
    st.os.elevated = false; // the sim's stand-in for an unelevated token (the host's os query)
    writeState(s.file, st);
    const bytes = readFileSync(s.file);
    const w = wizardOn(s.file);
    const r = await w.call('upgradeReview', request('4.0.x'));
    expect(r.value.refusal).toMatchObject({ code: 'UPGRADE_NOT_ELEVATED' });
    expect(r.value.refusal.fix).toContain('--unattended --mode upgrade --release');
    const start = await w.call('upgradeStart', request('4.0.x'));
    expect(start.ok).toBe(true);
    expect(await w.ended()).toMatchObject({ ok: false, rolledBack: false });
    expect(w.emitted.some((e) => e.event.type === 'upgrade-phase')).toBe(false);
    expect(readFileSync(s.file).equals(bytes)).toBe(true);
  });
});
