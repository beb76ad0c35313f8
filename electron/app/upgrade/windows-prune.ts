import type { Answers } from '../../engine/answers/index.js';
import type { ReleaseCatalog } from '../../engine/catalog-schema.js';
import type { RunReport } from '../../engine/report.js';
import type { SecretStore } from '../../engine/secrets.js';
import type { HostSpec } from '../../hosts/index.js';
import { prunePreviousStep } from '../../steps/windows/prunePrevious.js';
import { adminConnection, describeServer } from '../../windows/names.js';
import { runSession } from '../session.js';

export interface WindowsPruneResult {
  /** Folders removed and the database dropped (empty: nothing was due). */
  removed: string[];
  droppedDatabase?: string;
  /** Something was due but was kept (the backup did not verify, or a later action failed). */
  warning?: string;
}

/**
 * repair on a Windows (or sim) host: the release an upgrade replaced goes after its keep period,
 * its 3.x database only once the upgrade's backup of it verifies (../../steps/windows/prunePrevious.ts).
 * Planned first (what is due), then applied; a failure keeps what is left and becomes a warning,
 * since the deployment itself is fine and the next repair tries again.
 */
export async function pruneWindowsPrevious(o: {
  answers: Answers;
  secrets: SecretStore;
  hostSpec: HostSpec;
  catalog: ReleaseCatalog;
  releaseRoot?: string;
  logFile?: string;
  now?: Date;
}): Promise<WindowsPruneResult> {
  const step = prunePreviousStep({
    connection: adminConnection(o.answers),
    server: describeServer(o.answers),
    runningDb: o.answers.database.name,
    now: o.now ?? new Date(),
  });
  const session = {
    answers: o.answers,
    secrets: o.secrets,
    hostSpec: o.hostSpec,
    catalog: o.catalog,
    steps: [step],
    ...(o.releaseRoot ? { releaseRoot: o.releaseRoot } : {}),
    ...(o.logFile ? { logFile: o.logFile } : {}),
  };
  const { result: plan } = await runSession({ command: 'plan', ...session });
  const actions = plan.steps.flatMap((s) => s.actions);
  if (!actions.length) return { removed: [] };
  const removed = actions.filter((a) => a.kind === 'remove').map((a) => (a as { path: string }).path);
  let dropped: string | undefined;
  let verify: { describe: string; file: string } | undefined;
  for (const a of actions)
    if (a.kind === 'sql' && a.effect?.kind === 'dropDatabase') dropped = a.effect.name;
    else if (a.kind === 'sql') {
      const file = a.params.file?.value;
      verify = { describe: a.describe, file: typeof file === 'string' ? file : '' };
    }
  // The action that was running when the run stopped says which failure this is.
  let last = '';
  const { result } = await runSession({
    command: 'install',
    ...session,
    onEvent: (e) => {
      if (e.type === 'action-start') last = e.describe;
    },
  });
  const report = result as RunReport;
  if (report.ok) return { removed, ...(dropped ? { droppedDatabase: dropped } : {}) };
  const why = report.error?.message ?? report.message;
  const kept = [...(dropped ? [`the database ${dropped}`] : []), ...removed].join(', ');
  return {
    removed: [],
    warning:
      verify && last === verify.describe
        ? `The old release's keep period ended, but its backup ${verify.file} did not verify (RESTORE VERIFYONLY: ${why}); nothing was removed: kept ${kept}. Check the backup file (or take a new BACKUP ... WITH CHECKSUM to that file), then run repair again.`
        : `The old release's keep period ended, but removing it failed (${why}); kept what was left of ${kept}. Run repair again.`,
  };
}
