import path from 'node:path';
import type { z } from 'zod';
import type { PosixUpgradeOptions, UpgradeOutcome } from '../app/upgrade/posix-upgrade.js';
import { readManifest } from '../bundle/manifest.js';
import { loadCatalogFrom } from '../cli/prepare.js';
import { loadAnswers, SECRET_PATHS, type Answers } from '../engine/answers/index.js';
import { parentOf, wantsSecret, withoutSecrets } from '../engine/answers/strip.js';
import { InputError, InstallerError } from '../engine/errors.js';
import { computeLayout, type Layout } from '../engine/layout.js';
import { listReleases } from '../engine/release.js';
import { resources } from '../engine/resources.js';
import type { SecretStore } from '../engine/secrets.js';
import { readInstalledRelease } from '../engine/upgrade/installed-release.js';
import { KEEP_OLD_DAYS, upgradePhases } from '../engine/upgrade/phases.js';
import { checkUpgrade } from '../engine/upgrade/preflight.js';
import { compareReleases } from '../engine/upgrade/release-order.js';
import { readUpgradeState } from '../engine/upgrade/upgrade-state.js';
import type { HostSpec } from '../hosts/index.js';
import type { UpgradeEnd, UpgradeIpcEvent, UpgradeReview } from './upgrade-contract.js';
import type { upgradePhaseIdSchema } from './upgrade-contract.js';

type UpgradePhaseId = z.infer<typeof upgradePhaseIdSchema>;

/** What the engine asks a kit to run: the posix entry's options, any engine's events, the catalogs. */
export type KitRunOptions = Omit<PosixUpgradeOptions, 'onEvent'> & {
  onEvent: (e: UpgradeIpcEvent) => void;
  /** Release catalog folder (the Windows kit plans the running release from its entry too). */
  catalogDir?: string;
};

/** A run's outcome: the posix one, its failed phase any engine's phase id. */
export type KitOutcome = Omit<UpgradeOutcome, 'failedPhase' | 'wallMs' | 'phaseMs'> & {
  failedPhase?: UpgradePhaseId;
  /** After a success, the answers the target runs on now (3 -> 4 on Windows: the new database). */
  answersAfter?: Answers;
};

type Installed = { release: string; releaseDir?: string; source: 'record' | 'answers' };

/**
 * What one kind of host brings to an upgrade: room for the backup, the bundle's release, and its
 * runUpgrade-style entry. Where the deployment's state lives on the target (the sim or Windows
 * server, not this computer), the kit also reads the installed release, a pending upgrade and the
 * phase list there; without those the engine reads this computer's state folder (posix).
 * A host added to the upgrade engine is one more kit given to createUpgradeEngine by main.
 */
export interface UpgradeHostKit {
  backupRoom(
    answers: Answers,
    layout: Layout,
    secrets: SecretStore,
  ): Promise<{ freeBytes: number; neededBytes: number }>;
  /** The release the bundle folder holds (its manifest), or why it cannot be read. */
  bundleRelease(
    bundleDir: string,
    answers: Answers,
    layout: Layout,
    secrets: SecretStore,
  ): Promise<{ release: string } | { problem: string }>;
  run(o: KitRunOptions): Promise<KitOutcome>;
  installed?(answers: Answers, layout: Layout): Promise<Installed>;
  /** An interrupted upgrade's journal on the target, if one is there. */
  pending?(
    answers: Answers,
    layout: Layout,
  ): Promise<{ from: string; to: string; phase: string } | undefined>;
  /** The phases Review lists, in the order this host runs them. */
  phases?(
    answers: Answers,
    layout: Layout,
    from: string,
    to: string,
  ): { id: UpgradePhaseId; describe: string }[];
  /** Refusals of this host's own (thrown as InputError, returned as Review's refusal). */
  check?(answers: Answers, installed: Installed): void | Promise<void>;
}

/** A bundle folder on this computer: its manifest names the release (electron/bundle/manifest.ts). */
export async function manifestRelease(bundleDir: string): Promise<{ release: string } | { problem: string }> {
  const m = await readManifest(bundleDir);
  return m.ok ? { release: m.manifest.release } : { problem: m.problem };
}

/** The posix host's kit, from the engine's own functions (loaded on first use). */
export const posixUpgradeKit: UpgradeHostKit = {
  async backupRoom(answers, layout, secrets) {
    const { backupNeededBytes, freeBytesFor } = await import('../hosts/posix/upgrade-backup.js');
    const need = await backupNeededBytes(answers, layout, secrets);
    return { freeBytes: await freeBytesFor(layout.backupDir), neededBytes: need.dbBytes + need.mediaBytes };
  },
  bundleRelease: (dir) => manifestRelease(dir),
  async run(o) {
    return (await import('../app/upgrade/posix-upgrade.js')).runPosixUpgrade(o);
  },
};

export interface UpgradeEngineOptions {
  hostSpec: HostSpec;
  /** The wizard's log folder: each upgrade's sessions log to upgrade-<time>.log there. */
  logDir: string;
  /** Release catalog folder (default: the app's own). */
  catalogDir?: string;
  /** Kits by host kind; default the posix one only (main adds the Windows kit for sim and windows). */
  kits?: Partial<Record<HostSpec['kind'], UpgradeHostKit>>;
}

export interface UpgradeRunInput {
  answers: Answers;
  secrets: SecretStore;
  to: string;
  signal: AbortSignal;
  onEvent: (e: UpgradeIpcEvent) => void;
}

/** The wizard's view of the upgrade engine. */
export interface UpgradeEnginePort {
  /** The release running on the machine these answers describe, and a newer one to offer. */
  status(raw: Record<string, unknown> | null): Promise<{
    installed: { release: string; source: 'record' | 'answers' } | null;
    offer?: { from: string; to: string };
  }>;
  review(o: { answers: Answers; secrets: SecretStore; to: string }): Promise<UpgradeReview>;
  /** The end event, and (after a success) the answers to remember when the kit knows them. */
  run(o: UpgradeRunInput): Promise<UpgradeEnd & { answersAfter?: Answers }>;
}

const PLACEHOLDER = 'placeholder-secret-8';

/** Remembered answers hold no secrets: load them with stand-ins, for paths and the release only. */
function loadWithoutSecrets(raw: Record<string, unknown>): Answers | undefined {
  const copy = withoutSecrets(raw);
  for (const p of SECRET_PATHS) {
    const at = parentOf(copy, p);
    if (at && wantsSecret(p, at.parent)) at.parent[at.key] = PLACEHOLDER;
  }
  const r = loadAnswers(copy);
  return r.ok ? r.answers : undefined;
}

/** The release running on the target: the kit's reading, else this computer's state folder. */
async function installedOn(k: UpgradeHostKit, answers: Answers, layout: Layout): Promise<Installed> {
  if (k.installed) return k.installed(answers, layout);
  const r = await readInstalledRelease(layout.stateDir, answers.release);
  return { release: r.release, source: r.source, ...(r.releaseDir ? { releaseDir: r.releaseDir } : {}) };
}

export function createUpgradeEngine(o: UpgradeEngineOptions): UpgradeEnginePort {
  const kits = o.kits ?? { posix: posixUpgradeKit };
  const catalogDir = o.catalogDir ?? resources().releasesDir;
  const layoutOf = (answers: Answers) =>
    computeLayout(answers, o.hostSpec.kind === 'posix' ? 'posix' : 'win32');
  const kit = (): UpgradeHostKit => {
    const k = kits[o.hostSpec.kind];
    if (!k)
      throw new InstallerError(
        'UPGRADE_HOST_UNSUPPORTED',
        `This build cannot upgrade on the ${o.hostSpec.kind} host yet; nothing was changed.`,
        'Run the upgrade with the command-line installer where it is supported, or wait for a build that upgrades here.',
      );
    return k;
  };

  const review = async (answers: Answers, secrets: SecretStore, to: string): Promise<UpgradeReview> => {
    const layout = layoutOf(answers);
    const k = kit();
    const installed = await installedOn(k, answers, layout);
    const base = {
      from: installed.release,
      to,
      source: installed.source,
      backupDir: layout.backupDir,
      keepDays: KEEP_OLD_DAYS,
      phases: k.phases
        ? k.phases(answers, layout, installed.release, to)
        : upgradePhases(layout, installed.release, to, layout.backupDir).map(({ id, describe }) => ({
            id,
            describe,
          })),
    };
    const room = await k.backupRoom(answers, layout, secrets);
    const facts = { ...base, backupFreeBytes: room.freeBytes, backupNeededBytes: room.neededBytes };
    try {
      const pending = k.pending ? await k.pending(answers, layout) : await readUpgradeState(layout.stateDir);
      if (pending)
        throw new InputError(
          'UPGRADE_PENDING',
          `An upgrade ${pending.from} -> ${pending.to} was interrupted in ${pending.phase}; nothing was changed.`,
          [{ path: '--release', message: 'finish or roll back the interrupted upgrade first' }],
          'Run Repair: it finishes the interrupted upgrade or rolls it back, then upgrade again.',
        );
      await k.check?.(answers, installed);
      const bundle = answers.paths.bundleDir
        ? await k.bundleRelease(answers.paths.bundleDir, answers, layout, secrets)
        : { problem: 'no bundle folder in the answers (paths.bundleDir)' };
      // The CLI's own refusals: the same words, whichever door the upgrade came through.
      checkUpgrade({
        installed: installed.release,
        target: to,
        catalogReleases: listReleases(catalogDir),
        bundle,
        backupFreeBytes: room.freeBytes,
        backupNeededBytes: room.neededBytes,
        backupDir: layout.backupDir,
      });
      return facts;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      return {
        ...facts,
        refusal: { code: e.code, message: e.message, ...(e.fix ? { fix: e.fix } : {}), issues: e.issues },
      };
    }
  };

  return {
    async status(raw) {
      const answers = raw ? loadWithoutSecrets(raw) : undefined;
      if (!answers) return { installed: null };
      const k = kits[o.hostSpec.kind];
      // No kit for this host: the engine's own reading (Review then refuses in plain words).
      const installed = k
        ? await installedOn(k, answers, layoutOf(answers))
        : await readInstalledRelease(layoutOf(answers).stateDir, answers.release);
      const newer = listReleases(catalogDir)
        .filter((r) => compareReleases(r, installed.release) > 0)
        .sort(compareReleases)
        .at(-1);
      return {
        installed: { release: installed.release, source: installed.source },
        ...(newer ? { offer: { from: installed.release, to: newer } } : {}),
      };
    },

    review: ({ answers, secrets, to }) => review(answers, secrets, to),

    async run({ answers, secrets, to, signal, onEvent }) {
      const checked = await review(answers, secrets, to);
      if (checked.refusal)
        throw new InputError(
          checked.refusal.code,
          checked.refusal.message,
          checked.refusal.issues,
          checked.refusal.fix,
        );
      const layout = layoutOf(answers);
      const k = kit();
      const installed = await installedOn(k, answers, layout);
      const r = await k.run({
        answers,
        secrets,
        hostSpec: o.hostSpec,
        from: installed.release,
        fromDir: installed.releaseDir ?? layout.installDir,
        to,
        catalogTo: loadCatalogFrom(o.catalogDir, to),
        ...(o.catalogDir ? { catalogDir: o.catalogDir } : {}),
        keepDays: checked.keepDays,
        logFile: path.join(o.logDir, `upgrade-${Date.now()}.log`),
        onEvent,
        signal,
      });
      return {
        type: 'upgrade-end',
        ok: r.ok,
        rolledBack: r.rolledBack,
        exitCode: r.exitCode,
        message: r.message,
        from: installed.release,
        to,
        keepDays: checked.keepDays,
        cancelled: signal.aborted,
        ...(r.backupDir ? { backupDir: r.backupDir } : {}),
        ...(r.failedPhase ? { failedPhase: r.failedPhase } : {}),
        ...(r.ok && r.answersAfter ? { answersAfter: r.answersAfter } : {}),
      };
    },
  };
}
