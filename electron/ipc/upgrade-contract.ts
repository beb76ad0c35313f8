import { z } from 'zod';
import type { UpgradeEvent } from '../app/upgrade/context.js';
import type { WinPhaseId } from '../app/upgrade/windows-phases.js';
import type { WinUpgradeRun } from '../app/upgrade/windows-upgrade.js';
import { RELEASE_ID } from '../engine/catalog-schema.js';

/**
 * The wizard's upgrade channels and events. The engine's UpgradeEvent is a TypeScript type
 * (electron/app/upgrade/context.ts); the schema below is checked against it in both directions at
 * compile time, so a field the engine adds or renames breaks the build, not the page.
 */
const phaseIds = [
  'preflight',
  'maintenance-on',
  'backup',
  'restore-copy',
  'stage-release',
  'migrate',
  'collectstatic',
  'switch',
  'health',
  'maintenance-off',
  // The Windows upgrade's own phases (electron/app/upgrade/windows-phases.ts).
  'restore-database',
  'record',
  'keep-old',
] as const satisfies readonly WinPhaseId[];
export const upgradePhaseIdSchema = z.enum(phaseIds);

export const engineUpgradeEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('upgrade-phase'),
    id: upgradePhaseIdSchema,
    state: z.enum(['start', 'done']),
    describe: z.string(),
    ms: z.number().optional(),
  }),
  z.object({ type: z.literal('migration'), app: z.string(), name: z.string(), faked: z.boolean() }),
  z.object({
    type: z.literal('backup'),
    dir: z.string(),
    dumpFile: z.string(),
    bytes: z.number(),
    ms: z.number(),
  }),
  z.object({ type: z.literal('restore-copy'), database: z.string(), ms: z.number() }),
  z.object({ type: z.literal('rollback'), describe: z.string() }),
  z.object({ type: z.literal('upgrade-log'), message: z.string() }),
]);

// Compile-time proof that the schema and the engines' types (posix and Windows) are the same shape.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
type WinRunEvent = Parameters<WinUpgradeRun['onEvent']>[0];
const sameShape: Same<z.infer<typeof engineUpgradeEventSchema>, UpgradeEvent | WinRunEvent> = true;
void sameShape;
// Every phase id either engine knows is in the list above (and no other).
const samePhases: Same<(typeof phaseIds)[number], WinPhaseId> = true;
void samePhases;

/** The run's last event: what Finish shows (upgraded, or rolled back), never a secret. */
export const upgradeEndSchema = z.object({
  type: z.literal('upgrade-end'),
  ok: z.boolean(),
  rolledBack: z.boolean(),
  exitCode: z.number().int(),
  message: z.string(),
  from: z.string(),
  to: z.string(),
  keepDays: z.number().int(),
  backupDir: z.string().optional(),
  failedPhase: upgradePhaseIdSchema.optional(),
  cancelled: z.boolean(),
});
export type UpgradeEnd = z.infer<typeof upgradeEndSchema>;

export const upgradeIpcEventSchema = z.union([engineUpgradeEventSchema, upgradeEndSchema]);
export type UpgradeIpcEvent = z.infer<typeof upgradeIpcEventSchema>;

const release = z.string().regex(RELEASE_ID, 'must be a release id such as 3.1.1.5');

/** What the wizard learns at start: the release running here and a newer one the catalog has. */
export const upgradeStatusSchema = z.object({
  installed: z
    .object({
      release,
      /** Where it was read: the upgrade's installed-release record, or the remembered answers. */
      source: z.enum(['record', 'answers']),
    })
    .nullable(),
  /** The newest catalog release above the installed one; absent when none is newer. */
  offer: z.object({ from: release, to: release }).optional(),
});

/** Upgrade Review: from -> to, the phases, the backup folder and its room, and any refusal. */
export const upgradeReviewSchema = z.object({
  from: z.string(),
  to: z.string(),
  source: z.enum(['record', 'answers']),
  phases: z.array(z.object({ id: upgradePhaseIdSchema, describe: z.string() })),
  backupDir: z.string(),
  backupFreeBytes: z.number().min(0),
  backupNeededBytes: z.number().min(0),
  keepDays: z.number().int(),
  /** Why the upgrade cannot run, in plain words with what to fix: nothing was changed. */
  refusal: z
    .object({
      code: z.string(),
      message: z.string(),
      fix: z.string().optional(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })),
    })
    .optional(),
});
export type UpgradeReview = z.infer<typeof upgradeReviewSchema>;

/** The run request: the deployment's answers (as the wizard has them), the target, the passwords. */
export const upgradeRequestSchema = z
  .object({
    answers: z.record(z.string(), z.unknown()),
    secrets: z.record(z.string().regex(/^[A-Za-z.]+$/), z.string().max(128)).default({}),
    to: release,
  })
  .strict();
