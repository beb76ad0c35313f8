import { z } from 'zod';
import { secretRefSchema, templatedTextSchema } from '../secrets.js';

/**
 * Actions are plain, serialisable data. A step's plan returns them; a host executes them.
 * Every action has a one-line `describe` written for a change board ("Create service QATrack+ Worker 1
 * on 127.0.0.1:8001"), and never contains a secret value, only SecretRefs.
 */
const base = {
  /** One line for people reviewing the plan. Never contains a secret. */
  describe: z.string().min(1),
};

/**
 * What an exec is expected to produce. Shown in the plan, applied by the `sim` host (which does not
 * run programs), and checked by the runner after a real exec where it can be (files exist).
 */
export const effectSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), path: z.string(), content: z.string().optional() }),
  z.object({ kind: z.literal('dir'), path: z.string() }),
  z.object({ kind: z.literal('removed'), path: z.string() }),
  z.object({ kind: z.literal('product'), id: z.string(), version: z.string(), name: z.string().optional() }),
  z.object({ kind: z.literal('productRemoved'), id: z.string() }),
  /** A fact that a probe exec with the same key reads back on `sim` (merged into an object fact). */
  z.object({ kind: z.literal('fact'), key: z.string(), value: z.unknown() }),
  z.object({ kind: z.literal('rebootRequired') }),
]);
export type Effect = z.infer<typeof effectSchema>;

export const execActionSchema = z.object({
  kind: z.literal('exec'),
  ...base,
  /** Absolute path of the program. No shell is ever involved. */
  file: z.string().min(1),
  args: z.array(z.union([z.string(), secretRefSchema])).default([]),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.union([z.string(), secretRefSchema])).optional(),
  /**
   * Prefixes of variables removed from the installer's environment before `env` is added (e.g.
   * "PIP_": the machine's pip settings must not reach an offline install). Case-insensitive on Windows.
   */
  envStrip: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).optional(),
  /** Text written to the program's stdin (e.g. a password for createsuperuser). */
  stdin: templatedTextSchema.optional(),
  timeoutMs: z.number().int().positive().optional(),
  /** Exit codes that mean success. Default [0]. */
  okExitCodes: z.array(z.number().int()).optional(),
  /** Exit codes that mean success but a reboot is needed (msiexec 3010, 1641). */
  rebootExitCodes: z.array(z.number().int()).optional(),
  produces: z.array(effectSchema).optional(),
});

export const mkdirActionSchema = z.object({
  kind: z.literal('mkdir'),
  ...base,
  path: z.string().min(1),
  /** posix only: the folder's mode (Windows folders get an acl action instead). */
  mode: z.number().int().min(0).max(0o777).optional(),
});

export const writeFileActionSchema = z.object({
  kind: z.literal('writeFile'),
  ...base,
  path: z.string().min(1),
  content: templatedTextSchema,
  /** POSIX mode bits (ignored on Windows, where ACLs are separate actions). */
  mode: z.number().int().optional(),
});

export const removeActionSchema = z.object({
  kind: z.literal('remove'),
  ...base,
  path: z.string().min(1),
  recursive: z.boolean().default(false),
});

export const copyActionSchema = z.object({
  kind: z.literal('copy'),
  ...base,
  from: z.string().min(1),
  to: z.string().min(1),
  /** A single file that must have this SHA-256 where it lands (staged bundle executables). */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});

/** Unpack a .zip or .tar.gz release archive (QATrack+ source) into a folder. */
export const extractActionSchema = z.object({
  kind: z.literal('extract'),
  ...base,
  archive: z.string().min(1),
  dest: z.string().min(1),
  /** Leading path components to drop, as `tar --strip-components`. */
  stripComponents: z.number().int().min(0).default(0),
});

/**
 * A long-running service. On Windows this is a WinSW-wrapped service; on posix a supervised
 * detached process with a pid file; on sim a record in the state file.
 */
export const serviceSpecSchema = z.object({
  name: z.string().min(1),
  displayName: z.string().optional(),
  description: z.string().optional(),
  file: z.string().min(1),
  args: z.array(z.string()).default([]),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  logDir: z.string().optional(),
  /** Loopback port the service listens on, used by probes and verify. */
  port: z.number().int().min(1).max(65535).optional(),
});
export type ServiceSpec = z.infer<typeof serviceSpecSchema>;

export const serviceActionSchema = z.object({
  kind: z.literal('service'),
  ...base,
  op: z.enum(['ensure', 'start', 'stop', 'restart', 'remove']),
  name: z.string().min(1),
  /** Required for `ensure` (create or update the definition). */
  spec: serviceSpecSchema.optional(),
});

/** Poll a URL until it answers (after starting workers). */
export const waitHttpActionSchema = z.object({
  kind: z.literal('waitHttp'),
  ...base,
  url: z.string().url(),
  hostHeader: z.string().optional(),
  expectStatus: z.array(z.number().int()).default([200]),
  timeoutMs: z.number().int().positive().default(60_000),
});

export const commonActionSchemas = [
  execActionSchema,
  mkdirActionSchema,
  writeFileActionSchema,
  removeActionSchema,
  copyActionSchema,
  extractActionSchema,
  serviceActionSchema,
  waitHttpActionSchema,
] as const;
