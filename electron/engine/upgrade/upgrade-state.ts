import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { UpgradePhase } from './phases.js';

/**
 * The upgrade's own journal: which phase it reached, rewritten (atomically, by rename) as each phase
 * starts and ends. A run killed by SIGKILL leaves it behind, and `repair` reads it to converge on one
 * release: finish when the new release passed its health check, else roll back to the old one.
 */
export const UPGRADE_STATE_FILE = 'upgrade-state.json';

const phaseIds = [
  'preflight',
  'stage-release',
  'maintenance-on',
  'backup',
  'restore-copy',
  'migrate',
  'collectstatic',
  'switch',
  'health',
  'maintenance-off',
  'keep-old',
] as const satisfies readonly UpgradePhase['id'][];

export const upgradeStateSchema = z.object({
  from: z.string(),
  to: z.string(),
  /** Code folders of the running release and of the one being staged. */
  fromDir: z.string(),
  toDir: z.string(),
  /** Last phase started, and every phase that finished. */
  phase: z.enum(phaseIds),
  done: z.array(z.enum(phaseIds)),
  backupDir: z.string().optional(),
  dumpFile: z.string().optional(),
  /** The major path's new database (the old one is never changed); absent for an in-place upgrade. */
  newDatabase: z.string().optional(),
  /** The new database was made empty by a DBA: a rollback empties it again instead of dropping it. */
  newDatabasePrepared: z.boolean().optional(),
  /** The answers of the deployment (secrets as env references), so a resume needs no answers file. */
  answers: z.record(z.string(), z.unknown()),
  /** Days the old release is kept once the new one is recorded. */
  keepDays: z.number().int().positive(),
  startedAt: z.string(),
  pid: z.number().int(),
});
export type UpgradeState = z.infer<typeof upgradeStateSchema>;

/**
 * The Windows upgrade's variant: the same record with the Windows phase ids (the 3 -> 4
 * `restore-database` instead of `restore-copy`, and `record`), the phases started (what a rollback
 * undoes) and where the remembered answers go. Written on the target by a host action, into the
 * deployment's state folder beside installed-release.json (the sim host keeps it in its state).
 */
export const winPhaseIds = [...phaseIds, 'restore-database', 'record'] as const;
export const winUpgradeStateSchema = upgradeStateSchema.extend({
  host: z.literal('windows'),
  phase: z.enum(winPhaseIds),
  done: z.array(z.enum(winPhaseIds)),
  reached: z.array(z.enum(winPhaseIds)),
  /** %ProgramData%\QATrack+ Installer on the target (remembered answers). */
  machineDir: z.string(),
});
export type WinUpgradeState = z.infer<typeof winUpgradeStateSchema>;

export const upgradeStateFile = (stateDir: string) => path.join(stateDir, UPGRADE_STATE_FILE);

export async function readUpgradeState(stateDir: string): Promise<UpgradeState | undefined> {
  const file = upgradeStateFile(stateDir);
  if (!existsSync(file)) return undefined;
  const parsed = upgradeStateSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a valid upgrade state`);
  return parsed.data;
}

export async function writeUpgradeState(stateDir: string, s: UpgradeState): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const file = upgradeStateFile(stateDir);
  await writeFile(`${file}.tmp`, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

export const clearUpgradeState = (stateDir: string) => rm(upgradeStateFile(stateDir), { force: true });

/** The new release is live once its health check passed: from there a resumed upgrade finishes. */
const order: readonly string[] = phaseIds;
/** The run got at least as far as starting `id`. */
export const reached = (s: UpgradeState, id: UpgradePhase['id']) =>
  order.indexOf(s.phase) >= order.indexOf(id);

export const passedHealth = (s: UpgradeState) => s.done.includes('health');
