import { z } from 'zod';

/**
 * Progress events emitted by the runner. The CLI renders them, the wizard receives them over IPC
 * (validated with these schemas), the JSON-lines log stores them. All text is redacted before emit.
 */
export const stepStatusSchema = z.enum(['ok', 'changed', 'failed', 'skipped', 'cancelled', 'pending']);
export type StepStatus = z.infer<typeof stepStatusSchema>;

export const progressEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run-start'),
    runId: z.string(),
    command: z.string(),
    steps: z.array(z.object({ id: z.string(), title: z.string() })),
  }),
  z.object({
    type: z.literal('step-start'),
    step: z.string(),
    title: z.string(),
    index: z.number().int(),
    total: z.number().int(),
  }),
  z.object({
    type: z.literal('action-start'),
    step: z.string(),
    index: z.number().int(),
    total: z.number().int(),
    describe: z.string(),
  }),
  z.object({ type: z.literal('action-output'), step: z.string(), line: z.string() }),
  z.object({
    type: z.literal('action-end'),
    step: z.string(),
    index: z.number().int(),
    ok: z.boolean(),
    durationMs: z.number(),
  }),
  z.object({
    type: z.literal('step-end'),
    step: z.string(),
    status: stepStatusSchema,
    changed: z.number().int(),
    message: z.string().optional(),
  }),
  z.object({
    type: z.literal('progress'),
    step: z.string(),
    /** Fraction of this step done, 0..1. */
    fraction: z.number().min(0).max(1),
    /** Fraction of the whole run done, 0..1. */
    overall: z.number().min(0).max(1),
    message: z.string(),
  }),
  z.object({
    type: z.literal('log'),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
  }),
  z.object({
    type: z.literal('run-end'),
    ok: z.boolean(),
    exitCode: z.number().int(),
    message: z.string(),
    rebootRequired: z.boolean().default(false),
    /** A run refused before it started (PLAN_STALE...): the error's stable code. */
    code: z.string().optional(),
  }),
]);
export type ProgressEvent = z.infer<typeof progressEventSchema>;
export type ProgressListener = (event: ProgressEvent) => void;
