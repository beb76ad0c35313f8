import { z } from 'zod';
import { progressEventSchema } from '../engine/events.js';

/**
 * The pipe protocol between the unelevated app (server) and its elevated helper (client).
 * Newline-delimited JSON, every line validated with these schemas on both sides.
 *
 *   helper -> app   hello {token}                       first line, nothing else before it
 *   app    -> helper configure {answers, secrets}       after the token checked out
 *   app    -> helper apply {id, actions} | query {id, query}
 *   helper -> app   output {id, line} ... result {id, ...}
 *
 * Actions are validated by the helper itself (allow-list.ts), never trusted because the app sent them.
 */

export const MAX_LINE_BYTES = 4 * 1024 * 1024;

export const helloSchema = z
  .object({ type: z.literal('hello'), token: z.string().regex(/^[0-9a-f]{64}$/), pid: z.number().int() })
  .strict();

export const appMessageSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('configure'),
      /** Validated answers with SecretRefs in place of secrets. */
      answers: z.record(z.string(), z.unknown()),
      /** Secret values by dotted path; kept in the helper's memory only. */
      secrets: z.record(z.string(), z.string()),
    })
    .strict(),
  z.object({ type: z.literal('apply'), id: z.number().int(), actions: z.array(z.unknown()).min(1) }).strict(),
  z
    .object({ type: z.literal('query'), id: z.number().int(), query: z.record(z.string(), z.unknown()) })
    .strict(),
]);
export type AppMessage = z.infer<typeof appMessageSchema>;

const failureSchema = z.object({ code: z.string(), message: z.string(), hint: z.string().optional() });
export type HelperFailure = z.infer<typeof failureSchema>;

export const helperMessageSchema = z.discriminatedUnion('type', [
  helloSchema,
  z.object({ type: z.literal('configured'), ok: z.boolean(), error: failureSchema.optional() }).strict(),
  z.object({ type: z.literal('output'), id: z.number().int(), line: z.string() }).strict(),
  z.object({ type: z.literal('event'), event: progressEventSchema }).strict(),
  z
    .object({
      type: z.literal('result'),
      id: z.number().int(),
      ok: z.boolean(),
      /** Index of the action that failed or was refused. */
      failedIndex: z.number().int().optional(),
      rebootRequired: z.boolean().default(false),
      value: z.unknown().optional(),
      error: failureSchema.optional(),
    })
    .strict(),
]);
export type HelperMessage = z.infer<typeof helperMessageSchema>;
export type HelperMessageInput = z.input<typeof helperMessageSchema>;
