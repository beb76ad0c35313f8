import { derive, windowsUpgradePhases } from '../app/upgrade/windows-phases.js';
import {
  readWindowsInstalled,
  readWindowsUpgradeState,
  windowsUpgradeFacts,
} from '../app/upgrade/windows-preflight.js';
import { windowsUpgradeSpec } from '../app/upgrade/windows-spec.js';
import { loadCatalogFrom } from '../cli/prepare.js';
import type { Answers } from '../engine/answers/index.js';
import { InputError } from '../engine/errors.js';
import type { Layout } from '../engine/layout.js';
import type { SecretStore } from '../engine/secrets.js';
import { KEEP_OLD_DAYS } from '../engine/upgrade/phases.js';
import { createHost, type HostSpec } from '../hosts/index.js';
import type { UpgradeHostKit } from './upgrade-engine.js';

type Probe = Awaited<ReturnType<typeof createHost>>;

/**
 * The Windows upgrade for the wizard, on the sim or the real Windows host: every fact is read on the
 * target through host queries (the installed-release record, the upgrade journal, the bundle's
 * manifest, disk and database sizes), the plan and run are the CLI's (windows-upgrade.ts) with the
 * spec built by the same function (windows-spec.ts).
 */
export function windowsUpgradeKit(hostSpec: HostSpec, catalogDir?: string): UpgradeHostKit {
  const withProbe = async <T>(use: (p: Probe) => Promise<T>, secrets?: SecretStore): Promise<T> => {
    // A read-only sim host takes no lock and never writes its state; the real server gets the
    // secrets its SQL login needs (the database size is asked of SQL Server).
    const probe = await createHost(hostSpec, { readOnly: true, ...(secrets ? { secrets } : {}) });
    try {
      return await use(probe);
    } finally {
      await probe.close();
    }
  };
  const facts = (answers: Answers, layout: Layout, secrets?: SecretStore) =>
    withProbe((p) => windowsUpgradeFacts(p, answers, layout), secrets);

  return {
    installed: (answers, layout) => withProbe((p) => readWindowsInstalled(p, layout, answers.release)),

    pending: (_answers, layout) =>
      withProbe(async (p) => {
        try {
          return await readWindowsUpgradeState(p, layout);
        } catch {
          // Unreadable is still an interrupted upgrade: Repair decides, not a new upgrade.
          return { from: '?', to: '?', phase: 'an unknown phase' };
        }
      }),

    phases(answers, _layout, from, to) {
      try {
        const spec = windowsUpgradeSpec({
          answers,
          installed: { release: from },
          to,
          catalogFrom: loadCatalogFrom(catalogDir, from),
          catalogTo: loadCatalogFrom(catalogDir, to),
          keepDays: KEEP_OLD_DAYS,
        });
        return windowsUpgradePhases(spec).map(({ id, describe }) => ({ id, describe }));
      } catch {
        return []; // an unknown release: Review shows checkUpgrade's refusal instead
      }
    },

    async check(answers, installed) {
      // The CLI's refusal (cli/upgrade-windows.ts): the run plans from these answers' database and paths.
      if (installed.release !== answers.release)
        throw new InputError(
          'UPGRADE_ANSWERS_STALE',
          `The server runs ${installed.release} (installed-release record) but the answers are for ${answers.release}; nothing was changed.`,
          [{ path: 'release', message: `must be ${installed.release}, the release on the server` }],
          'Use the answers the upgrade remembered (ProgramData\\QATrack+ Installer\\last-answers.json).',
        );
      // The wizard's upgrade runs in the app's own process, not through the elevated helper the
      // install uses: without administrator rights it would fail part-way (services, IIS, ACLs), so
      // it is refused before anything changes and the elevated command line is named instead.
      const os = await withProbe((p) => p.query({ kind: 'os' }));
      if (!os.elevated)
        throw new InputError(
          'UPGRADE_NOT_ELEVATED',
          `The upgrade to the new release needs administrator rights, which the wizard does not have; nothing was changed.`,
          [{ path: 'upgrade', message: 'run from an elevated prompt' }],
          `Open a command prompt with "Run as administrator" and run: qatrack-installer.exe --unattended --mode upgrade --release <release> (it uses the remembered answers).`,
        );
    },

    async backupRoom(answers, layout, secrets) {
      const f = await facts(answers, layout, secrets);
      return { freeBytes: f.backupFreeBytes, neededBytes: f.backupNeededBytes };
    },

    async bundleRelease(_dir, answers, layout, secrets) {
      return (await facts(answers, layout, secrets)).bundle;
    },

    async run(o) {
      const { runWindowsUpgrade } = await import('../app/upgrade/windows-upgrade.js');
      const spec = windowsUpgradeSpec({
        answers: o.answers,
        installed: { release: o.from, releaseDir: o.fromDir },
        to: o.to,
        catalogFrom: loadCatalogFrom(o.catalogDir ?? catalogDir, o.from),
        catalogTo: o.catalogTo,
        keepDays: o.keepDays,
      });
      let backedUp = false;
      const r = await runWindowsUpgrade({
        spec,
        secrets: o.secrets,
        hostSpec: o.hostSpec,
        ...(o.logFile ? { logFile: o.logFile } : {}),
        signal: o.signal,
        ...(o.env ? { env: o.env } : {}),
        onEvent: (e) => {
          if (e.type === 'upgrade-phase' && e.id === 'backup' && e.state === 'done') backedUp = true;
          o.onEvent(e);
        },
      });
      return {
        ok: r.ok,
        exitCode: r.exitCode,
        message: r.message,
        rolledBack: r.rolledBack,
        ...(r.failedPhase ? { failedPhase: r.failedPhase } : {}),
        // Finish names the backup folder only when the run wrote one.
        ...(backedUp ? { backupDir: r.backupFolder } : {}),
        // What the record phase remembered on the target: the new release's answers (database included).
        ...(r.ok ? { answersAfter: derive(spec).toAnswers } : {}),
      };
    },
  };
}
