import { z } from 'zod';
import { progressEventSchema } from '../engine/events.js';

/**
 * The pipe protocol between the unelevated app (server) and its elevated helper (client).
 * Newline-delimited JSON, every line validated with these schemas on both sides.
 *
 *   helper -> app   hello {token}                        first line, nothing else before it
 *   app    -> helper plan {id, mode, release, answers, secrets}
 *   helper -> app   result {id, value: {planSha256, plan}}   the helper probed and planned itself
 *   app    -> helper run {id, mode, answers, secrets, approvedPlanSha256}
 *   helper -> app   event {id, event} ... result {id, value: {ok, exitCode, message}}
 *   app    -> helper cancel {id}                        stops run `id` between actions
 *
 * The helper never takes actions from the app: it loads the catalog and steps from inside the app,
 * probes and plans on its own, and applies only a plan whose hash the person approved. A request
 * carrying an action list is answered with HELPER_ACTION_LIST_REFUSED.
 */

export const MAX_LINE_BYTES = 4 * 1024 * 1024;

export const helloSchema = z
  .object({ type: z.literal('hello'), token: z.string().regex(/^[0-9a-f]{64}$/), pid: z.number().int() })
  .strict();

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
export const helperModeSchema = z.enum(['install', 'repair', 'uninstall']);
export type HelperMode = z.infer<typeof helperModeSchema>;

const work = {
  id: z.number().int().nonnegative(),
  mode: helperModeSchema,
  /** Uninstall only: keep the database, media and backups. */
  keepData: z.boolean().optional(),
  /** Validated answers with SecretRefs in place of secrets. */
  answers: z.record(z.string(), z.unknown()),
  /** Secret values by dotted path; kept in the helper's memory only. */
  secrets: z.record(z.string(), z.string().max(1024)),
  /** Secrets the wizard filled with a random stand-in (uninstall): no planned action may use them. */
  standIns: z.array(z.string().max(128)).max(16).optional(),
};

export const planRequestSchema = z
  .object({
    type: z.literal('plan'),
    ...work,
    /** Must be the answers' release: the helper loads that catalog from inside the app. */
    release: z.string().regex(/^\d+(?:\.\d+){1,3}$/),
  })
  .strict();

export const runRequestSchema = z
  .object({ type: z.literal('run'), ...work, approvedPlanSha256: hex64 })
  .strict();

export const cancelRequestSchema = z.object({ type: z.literal('cancel'), id: z.number().int() }).strict();

/** Every line the app may send; anything else is answered with a refusal naming the field. */
export const appMessageSchema = z.discriminatedUnion('type', [
  planRequestSchema,
  runRequestSchema,
  cancelRequestSchema,
]);
export type AppMessage = z.infer<typeof appMessageSchema>;
export type PlanRequest = Omit<z.infer<typeof planRequestSchema>, 'type' | 'id'>;
export type RunRequest = Omit<z.infer<typeof runRequestSchema>, 'type' | 'id'>;

/** Just enough of a line to answer it: its type and request id. */
export const envelopeSchema = z.looseObject({ type: z.string(), id: z.number().int().optional() });

const failureSchema = z.object({
  code: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  /** PLAN_STALE: what differs between the approved plan and the one computed now. */
  difference: z.array(z.string()).optional(),
});
export type HelperFailure = z.infer<typeof failureSchema>;

const plannedActionSchema = z.looseObject({ kind: z.string(), describe: z.string() });

/** The helper's plan: the runner's PlanResult plus its hash, as the saved plan computes it. */
export const helperPlanSchema = z.object({
  planSha256: hex64,
  changes: z.number().int().nonnegative(),
  steps: z.array(z.object({ id: z.string(), title: z.string(), actions: z.array(plannedActionSchema) })),
  skipped: z.array(z.object({ id: z.string(), title: z.string() })),
});
export type HelperPlan = z.infer<typeof helperPlanSchema>;

export const helperRunResultSchema = z.object({
  ok: z.boolean(),
  exitCode: z.number().int(),
  message: z.string(),
  /** The helper wrote (or removed) the machine's remembered answers itself. */
  remembered: z.boolean(),
});
export type HelperRunResult = z.infer<typeof helperRunResultSchema>;

export const helperMessageSchema = z.discriminatedUnion('type', [
  helloSchema,
  z.object({ type: z.literal('event'), id: z.number().int(), event: progressEventSchema }).strict(),
  z
    .object({
      type: z.literal('result'),
      id: z.number().int(),
      ok: z.boolean(),
      value: z.unknown().optional(),
      error: failureSchema.optional(),
    })
    .strict(),
]);
export type HelperMessage = z.infer<typeof helperMessageSchema>;
export type HelperMessageInput = z.input<typeof helperMessageSchema>;
