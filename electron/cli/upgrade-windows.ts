import { EXIT, InputError } from '../engine/errors.js';
import { listReleases } from '../engine/release.js';
import { resources } from '../engine/resources.js';
import { checkUpgrade } from '../engine/upgrade/preflight.js';
import { createHost, formatHostSpec } from '../hosts/index.js';
import { layoutOn } from '../app/upgrade/windows-phases.js';
import {
  readWindowsInstalled,
  readWindowsUpgradeState,
  windowsUpgradeFacts,
} from '../app/upgrade/windows-preflight.js';
import { windowsUpgradeSpec } from '../app/upgrade/windows-spec.js';
import {
  planWindowsUpgrade,
  runWindowsUpgrade,
  type WinUpgradePlan,
} from '../app/upgrade/windows-upgrade.js';
import { err, jsonLine, out } from './output.js';
import { loadCatalogFrom, type PreparedRun } from './prepare.js';
import { cancelOnSigint } from './run.js';
import type { UpgradeOptions } from './upgrade.js';

export function renderWindowsUpgradePlan(plan: WinUpgradePlan, host: string): string {
  const lines = [
    `Upgrade QATrack+ ${plan.from} -> ${plan.to} (${plan.path === 'new-database' ? `restore into the new database ${plan.newDatabase}` : 'migrate in place after the backup'})`,
    `  Host:    ${host}`,
    `  Release: ${plan.releaseDir} (beside the running one)`,
    `  Backup:  ${plan.backupFolder}`,
    '',
  ];
  plan.phases.forEach((ph, i) => {
    const actions = ph.steps.flatMap((s) => s.actions);
    lines.push(`${i + 1}. ${ph.describe} [${ph.id}]${actions.length ? '' : ' (nothing to do)'}`);
    actions.forEach((a, j) => lines.push(`  ${String(j + 1).padStart(2)}. ${a.describe}`));
  });
  lines.push(
    '',
    `${plan.changes} changes. A failure or a cancel before the health check passes rolls back to ${plan.from}.`,
    'Run again with --yes to apply.',
  );
  return `${lines.join('\n')}\n`;
}

/**
 * `upgrade --host windows` and `--host sim:STATE`: the Windows upgrade, one path for both (the facts
 * are host queries, the phases host actions). Preflight refusals exit 64 with nothing changed; the
 * same release already installed exits 0 ("already installed"); without --yes (or with --plan-only)
 * the plan is printed and the exit code is 2; with --yes it is applied.
 */
export async function runWindowsUpgradeCli(o: UpgradeOptions, p: PreparedRun, days: number): Promise<number> {
  if (p.hostSpec.kind === 'posix') throw new Error('runWindowsUpgradeCli needs the windows or sim host');
  const hostName = formatHostSpec(p.hostSpec);
  const catalogFrom = p.catalog;
  const fromLayout = layoutOn(p.answers, catalogFrom, p.answers.paths.installDir);
  // The host named by --host: the sim state read-only, the real server with the secrets its SQL
  // login needs (the database size is asked of SQL Server with the admin connection).
  const probe = await createHost(p.hostSpec, { readOnly: true, secrets: p.secrets });
  let installed: Awaited<ReturnType<typeof readWindowsInstalled>>;
  let facts: Awaited<ReturnType<typeof windowsUpgradeFacts>>;
  try {
    const pending = await readWindowsUpgradeState(probe, fromLayout);
    if (pending)
      throw new InputError(
        'UPGRADE_PENDING',
        `An upgrade ${pending.from} -> ${pending.to} was interrupted in ${pending.phase}; nothing was changed.`,
        [{ path: '--release', message: 'finish or roll back the interrupted upgrade first' }],
        'Run "repair": it finishes the interrupted upgrade or rolls it back, then run upgrade again.',
      );
    installed = await readWindowsInstalled(probe, fromLayout, p.answers.release);
    facts = await windowsUpgradeFacts(probe, p.answers, fromLayout);
  } finally {
    await probe.close();
  }
  const releases = listReleases(o.catalogDir ?? resources().releasesDir);
  if (installed.release === o.release) {
    const msg = `QATrack+ ${o.release} is already installed (${installed.source === 'record' ? 'installed-release record' : 'answers'}); nothing to upgrade, nothing changed.`;
    if (o.json)
      jsonLine({ type: 'upgrade-result', ok: true, exitCode: EXIT.ok, alreadyInstalled: true, message: msg });
    else out(`${msg}\n`);
    return EXIT.ok;
  }
  if (installed.release !== p.answers.release)
    throw new InputError(
      'UPGRADE_ANSWERS_STALE',
      `The server runs ${installed.release} (installed-release record) but the answers are for ${p.answers.release}; nothing was changed.`,
      [{ path: 'release', message: `must be ${installed.release}, the release on the server` }],
      'Use the answers the upgrade remembered (ProgramData\\QATrack+ Installer\\last-answers.json).',
    );
  checkUpgrade({ installed: installed.release, target: o.release, catalogReleases: releases, ...facts });
  const spec = windowsUpgradeSpec({
    answers: p.answers,
    installed,
    to: o.release,
    catalogFrom,
    catalogTo: loadCatalogFrom(o.catalogDir, o.release, '--release'),
    keepDays: days,
  });
  const base = {
    spec,
    secrets: p.secrets,
    hostSpec: p.hostSpec,
    ...(o.logFile ? { logFile: o.logFile } : {}),
  };
  const plan = await planWindowsUpgrade(base);
  if (o.json) jsonLine({ type: 'upgradePlan', ...plan });
  else out(renderWindowsUpgradePlan(plan, hostName));
  if (o.planOnly || !o.yes) return EXIT.changesPending;
  const cancel = cancelOnSigint();
  try {
    const r = await runWindowsUpgrade({
      ...base,
      signal: cancel.signal,
      onEvent: (e) => {
        if (o.json) jsonLine(e);
        else if (e.type === 'upgrade-phase' && e.state === 'start') err(`[upgrade] ${e.describe}\n`);
        else if (e.type === 'rollback') err(`[rollback] ${e.describe}\n`);
        else if (e.type === 'upgrade-log') err(`  - ${e.message}\n`);
      },
    });
    if (o.json) jsonLine({ type: 'upgrade-result', ...r });
    else out(`${r.message}\n`);
    return r.exitCode;
  } finally {
    cancel.dispose();
  }
}
