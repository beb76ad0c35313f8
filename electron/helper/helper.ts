import { connect } from 'node:net';
import { loadAnswers, SECRET_PATHS, type Answers } from '../engine/answers/index.js';
import type { MapSecretStore } from '../engine/secrets.js';
import type { ReleaseCatalog } from '../engine/catalog-schema.js';
import { InputError } from '../engine/errors.js';
import type { ProgressEvent } from '../engine/events.js';
import { computeLayout } from '../engine/layout.js';
import type { RememberedStore } from '../engine/remembered.js';
import { loadCatalog } from '../engine/release.js';
import type { RunReport } from '../engine/report.js';
import type { SavedPlan } from '../engine/saved-plan.js';
import type { Step } from '../engine/step.js';
import { platformFor, runSession } from '../app/session.js';
import type { HostSpec } from '../hosts/index.js';
import { readLines, sendLine } from './framing.js';
import { createHelperLog } from './log.js';
import { helperPlanFrom, refusePlanned, rememberAfterRun, secretsUsedByStandIns } from './plan-guard.js';
import {
  appMessageSchema,
  envelopeSchema,
  type AppMessage,
  type HelperFailure,
  type HelperMessageInput,
  type HelperRunResult,
} from './protocol.js';
import { createRedactor } from './redact.js';
import { openConfinedHost } from './confined-host.js';

export interface HelperOptions {
  /** Named pipe (\\.\pipe\...) on Windows, Unix socket path elsewhere. */
  pipe: string;
  /** One-time token, 64 hex digits. */
  token: string;
  /** The machine the helper changes: fixed by the helper's own entry, never by the app. */
  hostSpec: HostSpec;
  /** The app's own steps (default: the profile for the host) and catalog (default: from resources). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  steps?: readonly Step<any>[];
  catalog?: (release: string) => ReleaseCatalog;
  /** The machine's remembered answers, written after a successful run (undefined: not remembered). */
  remembered?: RememberedStore;
  logFile?: string;
  /** Per-action time limit when the action has none. */
  timeoutMs?: number;
}

type Work = Extract<AppMessage, { type: 'plan' | 'run' }>;

/**
 * The elevated helper: connects back to the app, proves itself with the token, then plans by itself
 * from the answers it is sent (with the app's own catalog and steps) and applies only a plan whose
 * hash the person approved. It exits when the app's connection closes, so it never outlives the app.
 */
export function runHelper(options: HelperOptions): Promise<number> {
  let secretValues: string[] = [];
  const redact = createRedactor(() => secretValues);
  const log = createHelperLog(options.logFile, redact);
  /** Plans this helper computed, by hash: the only ones it will apply. */
  const plans = new Map<string, SavedPlan>();
  const running = new Map<number, AbortController>();
  const closed = new AbortController();
  // The target's path style (a sim target is Windows whatever the helper runs on), as the session's.
  const platform = platformFor(options.hostSpec);
  const confined = { ...options, platform };

  return new Promise((resolve) => {
    const socket = connect(options.pipe);
    const send = (m: HelperMessageInput) => sendLine(socket, m);
    const fail = (id: number, error: HelperFailure) => send({ type: 'result', id, ok: false, error });
    socket.on('connect', () => {
      log.info(`connected to ${options.pipe}`);
      send({ type: 'hello', token: options.token, pid: process.pid });
    });
    socket.on('error', (e) => log.error(`pipe error: ${e.message}`));
    socket.on('close', () => {
      closed.abort();
      for (const c of running.values()) c.abort();
      log.info('app connection closed; exiting');
      // A run in flight stops at its next action; its host closes in its own finally.
      resolve(0);
    });
    readLines(socket, envelopeSchema, (line) => {
      if (!line.ok) {
        log.warn(`refused a message from the app: ${line.reason}`);
        return;
      }
      const envelope = line.message;
      const parsed = appMessageSchema.safeParse(envelope);
      if (!parsed.success) {
        refuse(envelope, parsed.error.issues);
        return;
      }
      const msg = parsed.data;
      if (msg.type === 'cancel') {
        running.get(msg.id)?.abort();
        return;
      }
      // Not awaited: a cancel must get through while a plan or run is in flight.
      void serve(msg).catch((e: unknown) => {
        log.error(`unexpected failure: ${(e as Error).message}`);
        fail(msg.id, { code: 'HELPER_FAILED', message: redact((e as Error).message) });
      });
    });

    function refuse(
      envelope: { type: string; id?: number } & Record<string, unknown>,
      issues: { path: PropertyKey[]; message: string }[],
    ): void {
      const carriesActions = envelope.type === 'apply' || 'actions' in envelope || 'action' in envelope;
      const error: HelperFailure = carriesActions
        ? {
            code: 'HELPER_ACTION_LIST_REFUSED',
            message:
              'The elevated helper does not run actions sent by the app: it plans by itself from the answers and applies only the plan that was approved.',
          }
        : {
            code: 'HELPER_REQUEST_INVALID',
            message: `The helper refused a ${JSON.stringify(envelope.type).slice(0, 40)} request: ${issues
              .map((i) => `${i.path.join('.') || '(request)'} ${i.message}`)
              .join('; ')}.`,
          };
      log.warn(`refused a message from the app: ${error.code}`);
      if (envelope.id !== undefined) fail(envelope.id, error);
    }

    async function serve(msg: Work): Promise<void> {
      const loaded = load(msg);
      if ('error' in loaded) return fail(msg.id, loaded.error);
      if (msg.type === 'plan') return plan(msg, loaded);
      return run(msg, loaded);
    }

    function load(msg: Work): { error: HelperFailure } | { answers: Answers; secrets: MapSecretStore } {
      // Put the secret values back where the references are, then validate exactly as the CLI does.
      const provided: Record<string, string> = {};
      for (const p of SECRET_PATHS) if (msg.secrets[p] !== undefined) provided[p] = msg.secrets[p];
      secretValues = [...new Set([...secretValues, ...Object.values(provided)])];
      const r = loadAnswers(msg.answers, { provided });
      if (!r.ok) {
        log.warn(`answers refused: ${r.issues.map((i) => i.path).join(', ')}`);
        return {
          error: {
            code: 'HELPER_ANSWERS_INVALID',
            message: `The answers sent to the helper are not valid (${r.issues.map((i) => i.path).join(', ')}).`,
          },
        };
      }
      if (msg.type === 'plan' && r.answers.release !== msg.release)
        return {
          error: {
            code: 'HELPER_REQUEST_INVALID',
            message: `The plan request names release ${msg.release} but the answers say ${r.answers.release}.`,
          },
        };
      return { answers: r.answers, secrets: r.secrets };
    }

    type Loaded = { answers: Answers; secrets: MapSecretStore };

    const sessionBase = (msg: Work, l: Loaded) => ({
      answers: l.answers,
      secrets: l.secrets,
      hostSpec: options.hostSpec,
      ...(options.steps ? { steps: options.steps } : {}),
      // Loaded here, inside the helper, from the app's own resources: the request names only the release.
      catalog: (options.catalog ?? defaultCatalog)(l.answers.release),
      uninstall: { keepData: msg.keepData ?? true },
      ...(options.timeoutMs ? { defaultActionTimeoutMs: options.timeoutMs } : {}),
    });

    // The release's own Python folder (python39-x64, python312-x64), as the session computes it.
    const layoutFor = (l: Loaded) =>
      computeLayout(l.answers, platform, {
        pythonVersion: (options.catalog ?? defaultCatalog)(l.answers.release).python.version,
      });

    async function plan(msg: Extract<Work, { type: 'plan' }>, l: Loaded): Promise<void> {
      const layout = layoutFor(l);
      let host: Awaited<ReturnType<typeof openConfinedHost>> | undefined;
      try {
        host = await openConfinedHost(confined, layout, l, { readOnly: true });
        const { result, savedPlan } = await runSession({
          ...sessionBase(msg, l),
          command: 'plan',
          planFor: msg.mode === 'uninstall' ? 'uninstall' : 'install',
          host: host.host,
          signal: closed.signal,
        });
        const refusal =
          refusePlanned(host.allow, result) ?? secretsUsedByStandIns(result, msg.standIns ?? []);
        if (refusal) {
          log.warn(`plan refused: ${refusal.code} ${refusal.message}`);
          return fail(msg.id, refusal);
        }
        plans.set(savedPlan!.planSha256, savedPlan!);
        log.info(`plan ${savedPlan!.planSha256} for ${msg.mode}: ${result.changes} changes`);
        send({ type: 'result', id: msg.id, ok: true, value: redactDeep(helperPlanFrom(result, savedPlan!)) });
      } catch (e) {
        const f = failure(e, redact);
        log.warn(`plan failed: ${f.code}`);
        fail(msg.id, f);
      } finally {
        await host?.host.close().catch(() => undefined);
      }
    }

    async function run(msg: Extract<Work, { type: 'run' }>, l: Loaded): Promise<void> {
      const approved = plans.get(msg.approvedPlanSha256);
      if (!approved)
        return fail(msg.id, {
          code: 'HELPER_PLAN_UNKNOWN',
          message: `The helper did not make plan ${msg.approvedPlanSha256.slice(0, 12)}: it applies only plans it computed and the person reviewed.`,
          hint: 'Go back to Review so the helper plans again, then install that plan.',
        });
      if (running.size)
        return fail(msg.id, { code: 'HELPER_BUSY', message: 'The helper is already running another plan.' });
      const abort = new AbortController();
      running.set(msg.id, abort);
      const layout = layoutFor(l);
      let host: Awaited<ReturnType<typeof openConfinedHost>> | undefined;
      try {
        host = await openConfinedHost(confined, layout, l, { readOnly: false });
        const { result } = await runSession({
          ...sessionBase(msg, l),
          command: msg.mode,
          approvedPlan: approved,
          host: host.host,
          signal: abort.signal,
          onEvent: (event: ProgressEvent) => send({ type: 'event', id: msg.id, event: redactDeep(event) }),
        });
        const report = result as RunReport;
        const remembered =
          report.ok && options.remembered
            ? await rememberAfterRun(options.remembered, host.inner, msg.mode, l.answers).then(
                () => true,
                (e: unknown) => {
                  log.warn(`could not remember the answers: ${(e as Error).message}`);
                  return false;
                },
              )
            : false;
        const value: HelperRunResult = {
          ok: report.ok,
          exitCode: report.exitCode,
          message: redact(report.message),
          remembered,
        };
        log.info(`run ${msg.mode} of plan ${approved.planSha256}: exit ${report.exitCode}`);
        send({ type: 'result', id: msg.id, ok: true, value });
      } catch (e) {
        const f = failure(e, redact);
        log.warn(`run refused or failed: ${f.code}`);
        fail(msg.id, f);
      } finally {
        running.delete(msg.id);
        await host?.host.close().catch(() => undefined);
      }
    }

    function redactDeep<T>(value: T): T {
      return JSON.parse(redact(JSON.stringify(value))) as T;
    }
  });
}

const defaultCatalog = (release: string) => loadCatalog(release);

function failure(e: unknown, redact: (s: string) => string): HelperFailure {
  const err = e as { code?: unknown; message?: unknown; fix?: unknown; details?: { hint?: string } };
  const message = redact(typeof err.message === 'string' ? err.message : String(e));
  const hint = typeof err.fix === 'string' ? err.fix : err.details?.hint;
  if (e instanceof InputError && e.code === 'PLAN_STALE') {
    // assertSamePlan: first line says what happened, the rest is the difference.
    const [first = '', ...difference] = message.split('\n');
    return { code: 'PLAN_STALE', message: first, difference, ...(hint ? { hint: redact(hint) } : {}) };
  }
  return {
    code: typeof err.code === 'string' ? err.code : 'HELPER_FAILED',
    message,
    ...(hint ? { hint: redact(hint) } : {}),
  };
}
