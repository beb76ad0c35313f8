import { z } from 'zod';

/** A test mail's request and answer: zod only, so the IPC contract (and the preload) can import it. */
export const testMailRequestSchema = z
  .object({
    host: z.string().min(1).max(253),
    port: z.number().int().min(1).max(65535),
    security: z.enum(['none', 'starttls', 'tls']),
    user: z.string().max(256).optional(),
    password: z.string().max(128).optional(),
    from: z.email({ error: 'must be an e-mail address' }),
    to: z.email({ error: 'must be an e-mail address' }),
  })
  .strict();
export type TestMailRequest = z.infer<typeof testMailRequestSchema>;

export const testMailResultSchema = z.object({
  ok: z.boolean(),
  /** What happened, in plain words, with the relay's own answer where it gave one. */
  detail: z.string(),
  fix: z.string().optional(),
  /** The relay's last reply line (relays do not echo AUTH; redacted all the same). */
  relayAnswer: z.string().optional(),
  queueId: z.string().optional(),
});
export type TestMailResult = z.infer<typeof testMailResultSchema>;
