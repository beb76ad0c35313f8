import { randomUUID } from 'node:crypto';
import { Journal } from '../../engine/journal.js';
import { Redactor } from '../../engine/redactor.js';
import type { HostSpec } from '../../hosts/index.js';
import type { UpgradeContext } from './context.js';

export type UpgradeOutcomeKind =
  'upgraded' | 'rolled-back' | 'rollback-failed' | 'finished-by-repair' | 'rolled-back-by-repair';

/**
 * The upgrade's outcome in the deployment's journal (journal.jsonl, beside install's and repair's
 * runs): a run of its own, opened once the upgrade's sessions are done (each holds the apply lock).
 */
export async function recordUpgradeInJournal(
  u: UpgradeContext,
  outcome: UpgradeOutcomeKind,
  hostSpec: HostSpec | { kind: string },
): Promise<void> {
  const journal = await Journal.open(u.from.journalFile, {
    runId: randomUUID(),
    command: 'upgrade',
    host: hostSpec.kind,
    redactor: new Redactor(u.secrets.values()),
  });
  const ok = outcome === 'upgraded' || outcome === 'finished-by-repair';
  journal.record({
    type: 'upgrade',
    from: u.state.from,
    to: u.state.to,
    path: u.state.newDatabase ? 'new-database' : 'in-place',
    outcome,
    phase: u.state.phase,
    // The database the deployment runs on after this outcome.
    database: (ok ? u.toAnswers : u.answers).database.name,
    ...(u.state.backupDir ? { backupDir: u.state.backupDir } : {}),
  });
  await journal.close({
    ok,
    exitCode: ok ? 0 : 1,
    message: `upgrade ${u.state.from} -> ${u.state.to}: ${outcome}`,
  });
}
