import { z } from 'zod';
import { RELEASE_ID } from '../engine/catalog-schema.js';
import { progressEventSchema } from '../engine/events.js';
import { testMailRequestSchema, testMailResultSchema } from '../mail/request.js';
import {
  upgradeIpcEventSchema,
  upgradeRequestSchema,
  upgradeReviewSchema,
  upgradeStatusSchema,
} from './upgrade-contract.js';
export type { UpgradeEnd, UpgradeIpcEvent, UpgradeReview } from './upgrade-contract.js';

/**
 * The one IPC contract between the wizard (renderer), the preload and main, after GitHub Desktop's
 * `ipc-shared.ts`: each request/response channel maps to a zod request schema and a zod response
 * schema, so the compile-time types and the runtime checks come from the same place.
 *
 * Secrets travel renderer -> main only, inside `plan`, `apply`, `testDatabaseConnection`, `sendTestMail`
 * and `testSignIn` requests.
 * No response and no event ever carries a secret value.
 */

export const CHANNEL_PREFIX = 'installer:';

export const wizardModeSchema = z.enum([
  'install',
  'repair',
  'reconfigure',
  'uninstall',
  'bundle',
  'upgrade',
]);
export type WizardMode = z.infer<typeof wizardModeSchema>;

/** Secret values by dotted answers path (e.g. "database.login.password"). Request-only. */
const secretsSchema = z.record(z.string().regex(/^[A-Za-z.]+$/), z.string().max(128));

/** Answers as the wizard has them: validated by the engine's answers schema in main, not here. */
const answersDraftSchema = z.record(z.string(), z.unknown());

/** A typed failure every handler may return instead of its value (thrown errors lose their fields). */
export const ipcErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  fix: z.string().optional(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type IpcError = z.infer<typeof ipcErrorSchema>;

const result = <T extends z.ZodType>(value: T) =>
  z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: ipcErrorSchema }),
  ]);

export const preflightCheckSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['ok', 'warning', 'error']),
  detail: z.string(),
  fix: z.string().optional(),
  /** The answers field that settles this finding (the page offers it in place). */
  field: z.string().optional(),
  /** The port the finding is about, and a free one to offer instead. */
  port: z.number().int().optional(),
  freePort: z.number().int().optional(),
  /** The port is held by IIS's Default Web Site (the Default Web Site choice applies). */
  defaultWebSite: z.boolean().optional(),
});
export type PreflightCheck = z.infer<typeof preflightCheckSchema>;

export const verifyCheckSchema = z.object({
  id: z.string(),
  title: z.string(),
  ok: z.boolean(),
  detail: z.string(),
  fix: z.string().optional(),
  /** Passed, but not configured: shown as a warning, not an OK. */
  warning: z.boolean().optional(),
});

export const planStepSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: z.enum(['changes', 'ok', 'skipped']),
  actions: z.array(z.object({ kind: z.string(), describe: z.string() })),
});
export type PlanStep = z.infer<typeof planStepSchema>;

export const planSummarySchema = z.object({
  serverWide: z.array(z.string()),
  ports: z.array(z.string()),
  services: z.array(z.string()),
  logins: z.array(z.string()),
  folders: z.array(z.string()),
  firewall: z.array(z.string()),
});
export type PlanSummary = z.infer<typeof planSummarySchema>;

export const planSchema = z.object({
  mode: wizardModeSchema,
  changes: z.number().int().min(0),
  steps: z.array(planStepSchema),
  /** Server-wide changes, ports, services, logins, folders, firewall: the review's top. */
  summary: planSummarySchema,
  /** A rough duration from the plan's actions, for the progress page before anything ran. */
  estimateSeconds: z.number().min(0),
  /** The plan's hash (saved-plan form): Install approves exactly this plan. */
  planSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Plan = z.infer<typeof planSchema>;

/** Modes `plan`/`apply` run; upgrade has its own channels (upgradeReview, upgradeStart). */
export const runModeSchema = wizardModeSchema.exclude(['bundle', 'upgrade']);

const runRequestSchema = z
  .object({
    mode: runModeSchema,
    answers: answersDraftSchema,
    secrets: secretsSchema.default({}),
    /** Uninstall only: keep the database, media and backups. */
    keepData: z.boolean().default(true),
  })
  .strict();

/** Install (apply) names the plan the person reviewed; the run refuses any other. */
const approvedRunRequestSchema = runRequestSchema
  .extend({ approvedPlanSha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be the reviewed plan’s hash') })
  .strict();

const bundleRequestSchema = z
  .object({
    outDir: z.string().min(1).max(260),
    release: z.string().regex(RELEASE_ID),
    arch: z.enum(['x64', 'x86']),
  })
  .strict();

/** Where a run stands, for the progress page after a reload and for "what is left" on cancel. */
export const runSummarySchema = z.object({
  runId: z.string(),
  state: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
  /** Titles of the steps that had not finished when the run stopped. */
  remaining: z.array(z.string()),
  message: z.string(),
});

export const contract = {
  preflight: {
    request: z.object({ mode: wizardModeSchema }).strict(),
    response: result(
      z.object({
        machine: z.object({ name: z.string(), hostname: z.string(), elevated: z.boolean() }),
        checks: z.array(preflightCheckSchema),
        /** Suggested defaults for a first install (e.g. host name). */
        suggested: z.object({ hostName: z.string() }),
      }),
    ),
  },
  validateAnswers: {
    request: z.object({ answers: answersDraftSchema }).strict(),
    response: result(
      z.object({
        valid: z.boolean(),
        issues: z.array(z.object({ path: z.string(), message: z.string() })),
      }),
    ),
  },
  testDatabaseConnection: {
    request: z
      .object({
        server: z.string().min(1).max(253),
        instance: z.string().max(16).optional(),
        port: z.number().int().min(1).max(65535).optional(),
        authMode: z.enum(['windows', 'sql']),
        user: z.string().max(128).optional(),
        password: z.string().max(128).optional(),
      })
      .strict(),
    response: result(z.object({ ok: z.boolean(), detail: z.string(), fix: z.string().optional() })),
  },
  /** "Send test mail" on the Mail page: one mail through the relay as QATrack+ will send it. */
  sendTestMail: {
    request: testMailRequestSchema,
    response: result(testMailResultSchema),
  },
  /** "Test sign-in" on the sign-in page: bind and search as QATrack+'s AD backend will (electron/directory). */
  testSignIn: {
    request: z
      .object({
        ldapUrl: z.string().min(1).max(300),
        searchDn: z.string().min(1).max(500),
        nt4Domain: z.string().min(1).max(253),
        accountNameAttribute: z.string().min(1).max(64).default('sAMAccountName'),
        membershipRequired: z.array(z.string().max(64)).max(50).default([]),
        /** Path of the CA certificate file on this computer (ldaps://). */
        caFile: z.string().max(200).optional(),
        username: z.string().min(1).max(64),
        password: z.string().max(128),
      })
      .strict(),
    response: result(
      z.object({
        ok: z.boolean(),
        problem: z.string().optional(),
        detail: z.string(),
        fix: z.string().optional(),
        groups: z.array(z.string()).optional(),
      }),
    ),
  },
  checkPort: {
    request: z.object({ port: z.number().int().min(1).max(65535) }).strict(),
    response: result(z.object({ port: z.number().int(), inUse: z.boolean(), owner: z.string().optional() })),
  },
  plan: {
    request: runRequestSchema,
    response: result(planSchema),
  },
  apply: {
    request: z.union([
      approvedRunRequestSchema,
      z.object({ mode: z.literal('bundle'), bundle: bundleRequestSchema }),
    ]),
    response: result(z.object({ runId: z.string() })),
  },
  cancel: {
    request: z.object({ runId: z.string() }).strict(),
    response: result(runSummarySchema),
  },
  runStatus: {
    request: z.object({ runId: z.string() }).strict(),
    response: result(runSummarySchema),
  },
  verify: {
    request: z.object({}).strict(),
    response: result(z.object({ checks: z.array(verifyCheckSchema), siteUrl: z.string().optional() })),
  },
  lastAnswers: {
    request: z.object({}).strict(),
    /** Answers of the last run with every secret removed; null before the first install. */
    response: result(z.object({ answers: answersDraftSchema.nullable(), savedAt: z.string().optional() })),
  },
  startup: {
    request: z.object({}).strict(),
    /** The mode the app was started in (`--mode=repair` from Add/Remove Programs or the shortcut). */
    response: result(z.object({ mode: wizardModeSchema.optional() })),
  },
  saveAnswersFile: {
    /** Saved without secret values: the file asks for them through env references. */
    request: z.object({ answers: answersDraftSchema, mode: runModeSchema.default('install') }).strict(),
    response: result(
      z.object({
        saved: z.boolean(),
        path: z.string().optional(),
        /** The unattended command lines for this file (the app's and the CLI's), to copy. */
        commandLines: z.array(z.string()).default([]),
      }),
    ),
  },
  /** The plan as the text a change board reviews (the CLI's `plan` output), saved to a file. */
  savePlan: {
    request: runRequestSchema,
    response: result(z.object({ saved: z.boolean(), path: z.string().optional() })),
  },
  /** Certificates in LocalMachine\\My (from the helper on Windows, from the state on sim). */
  listCertificates: {
    request: z.object({}).strict(),
    response: result(
      z.object({
        certificates: z.array(
          z.object({
            thumbprint: z.string(),
            subject: z.string(),
            friendlyName: z.string().optional(),
            dnsNames: z.array(z.string()),
            notAfter: z.string().optional(),
            hasPrivateKey: z.boolean().optional(),
          }),
        ),
      }),
    ),
  },
  /** The system folder picker (Electron's dialog in main). */
  chooseFolder: {
    request: z
      .object({
        purpose: z.enum(['installDir', 'dataDir', 'bundleDir', 'bundleOut', 'backupFolder']),
        defaultPath: z.string().max(260).optional(),
      })
      .strict(),
    response: result(z.object({ chosen: z.boolean(), path: z.string().optional() })),
  },
  /** Open the installed site in the browser: the URL main computed from the last run, never one from the page. */
  openSite: {
    request: z.object({}).strict(),
    response: result(z.object({ opened: z.boolean() })),
  },
  /** Close the wizard (the finish page's Close). */
  closeWindow: {
    request: z.object({}).strict(),
    response: result(z.object({ closing: z.boolean() })),
  },
  exportSupportBundle: {
    request: z.object({}).strict(),
    response: result(z.object({ saved: z.boolean(), path: z.string().optional() })),
  },
  openLogFolder: {
    request: z.object({}).strict(),
    response: result(z.object({ opened: z.boolean() })),
  },
  /** At start: the release installed here (installed-release record, else remembered answers), and a newer one. */
  upgradeStatus: {
    request: z.object({}).strict(),
    response: result(upgradeStatusSchema),
  },
  /** Upgrade Review: from -> to, phases, backup folder and room, any refusal in plain words. */
  upgradeReview: {
    request: upgradeRequestSchema,
    response: result(upgradeReviewSchema),
  },
  /** Starts the upgrade; its events arrive as `upgrade` events, the last one `upgrade-end`. */
  upgradeStart: {
    request: upgradeRequestSchema,
    response: result(z.object({ runId: z.string() })),
  },
  /** Cancel: the engine rolls back to the old release (reported by `upgrade-end`). */
  upgradeCancel: {
    request: z.object({ runId: z.string() }).strict(),
    response: result(
      z.object({
        runId: z.string(),
        state: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
        cancelling: z.boolean(),
      }),
    ),
  },
} as const;

export type Contract = typeof contract;
export type Method = keyof Contract;
export const methods = Object.keys(contract) as Method[];
export type RequestOf<M extends Method> = z.input<Contract[M]['request']>;
export type ParsedRequestOf<M extends Method> = z.output<Contract[M]['request']>;
export type ResponseOf<M extends Method> = z.output<Contract[M]['response']>;
export type ValueOf<M extends Method> = Extract<ResponseOf<M>, { ok: true }>['value'];

export const channelOf = (m: Method) => `${CHANNEL_PREFIX}${m}`;

/** Main -> renderer events. */
export const events = {
  progress: z.object({ runId: z.string(), event: progressEventSchema }),
  upgrade: z.object({ runId: z.string(), event: upgradeIpcEventSchema }),
} as const;
export type EventName = keyof typeof events;
export type EventOf<E extends EventName> = z.output<(typeof events)[E]>;
export const eventChannelOf = (e: EventName) => `${CHANNEL_PREFIX}event:${e}`;

/** What the preload exposes as `window.installer`: one function per channel, plus event subscription. */
export type InstallerApi = { [M in Method]: (request: RequestOf<M>) => Promise<ResponseOf<M>> } & {
  onProgress(listener: (payload: EventOf<'progress'>) => void): () => void;
  onUpgrade(listener: (payload: EventOf<'upgrade'>) => void): () => void;
};
