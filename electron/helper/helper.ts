import { connect } from 'node:net';
import { loadAnswers, SECRET_PATHS, type Answers } from '../engine/answers/index.js';
import { computeLayout } from '../engine/layout.js';
import type { Query } from '../engine/queries.js';
import { loadCatalog, resolveRelease } from '../engine/release.js';
import type { ReleaseCatalog } from '../engine/catalog-schema.js';
import type { MapSecretStore } from '../engine/secrets.js';
import type { ReleaseContext } from '../engine/step.js';
import type { Host, TargetPlatform } from '../engine/host.js';
import { createAllowList, type AllowList } from './allow-list.js';
import { readLines, sendLine } from './framing.js';
import { createHelperLog } from './log.js';
import { appMessageSchema, type AppMessage, type HelperMessageInput } from './protocol.js';
import { createRedactor } from './redact.js';

export interface HelperOptions {
  /** Named pipe (\\.\pipe\...) on Windows, Unix socket path elsewhere. */
  pipe: string;
  /** One-time token, 64 hex digits. */
  token: string;
  platform: TargetPlatform;
  createHost: () => Host | Promise<Host>;
  logFile?: string;
  /** Per-action time limit when the action has none. */
  timeoutMs?: number;
}

interface Session {
  answers: Answers;
  secrets: MapSecretStore;
  allow: AllowList;
}

/**
 * The elevated helper: connects back to the app, proves itself with the token, then runs only the
 * validated, allow-listed actions it is sent, streaming output back. It exits when the app's
 * connection closes, so it never outlives the app.
 */
export function runHelper(options: HelperOptions): Promise<number> {
  let secretValues: string[] = [];
  const redact = createRedactor(() => secretValues);
  const log = createHelperLog(options.logFile, redact);
  let session: Session | undefined;
  const abort = new AbortController();
  // Built on first use, so refusals never depend on the host being available.
  let host: Promise<Host> | undefined;
  const getHost = () => (host ??= Promise.resolve().then(options.createHost));
  const closeHost = async () => {
    const h = host;
    host = undefined;
    await h?.then((x) => x.close()).catch(() => undefined);
  };

  return new Promise((resolve) => {
    const socket = connect(options.pipe);
    const send = (m: HelperMessageInput) => sendLine(socket, m);
    socket.on('connect', () => {
      log.info(`connected to ${options.pipe}`);
      send({ type: 'hello', token: options.token, pid: process.pid });
    });
    socket.on('error', (e) => log.error(`pipe error: ${e.message}`));
    socket.on('close', () => {
      abort.abort();
      log.info('app connection closed; exiting');
      void closeHost().then(() => resolve(0));
    });
    readLines(socket, appMessageSchema, async (line) => {
      if (!line.ok) {
        log.warn(`refused a message from the app: ${line.reason}`);
        return;
      }
      try {
        await handle(line.message);
      } catch (e) {
        log.error(`unexpected failure: ${(e as Error).message}`);
      }
    });

    async function handle(msg: AppMessage): Promise<void> {
      if (msg.type === 'configure') {
        const result = await configure(msg.answers, msg.secrets);
        send(result);
        return;
      }
      if (!session) {
        send({ type: 'result', id: msg.id, ok: false, error: notConfigured });
        return;
      }
      if (msg.type === 'query') await runQuery(session, msg.id, msg.query);
      else await runActions(session, msg.id, msg.actions);
    }

    async function configure(
      answers: Record<string, unknown>,
      secrets: Record<string, string>,
    ): Promise<HelperMessageInput> {
      // Put the secret values back where the references are, then validate exactly as the CLI does.
      const raw = structuredClone(answers);
      const provided: Record<string, string> = {};
      for (const p of SECRET_PATHS) if (secrets[p] !== undefined) provided[p] = secrets[p];
      secretValues = Object.values(provided);
      const loaded = loadAnswers(raw, { provided });
      if (!loaded.ok) {
        log.warn(`configure refused: ${loaded.issues.map((i) => i.path).join(', ')}`);
        return {
          type: 'configured',
          ok: false,
          error: { code: 'HELPER_ANSWERS_INVALID', message: 'The answers sent to the helper are not valid.' },
        };
      }
      // Without the catalog the bundle's installers are simply not allowed (the safe direction).
      let catalog: ReleaseCatalog | undefined;
      try {
        catalog = loadCatalog(loaded.answers.release);
      } catch (e) {
        log.warn(`release ${loaded.answers.release} not in the catalog: ${(e as Error).message}`);
      }
      const layout = computeLayout(loaded.answers, options.platform, catalog?.python.version);
      let release: ReleaseContext = { id: loaded.answers.release, artifacts: {}, staged: [], versions: {} };
      try {
        if (catalog) release = resolveRelease(loaded.answers, layout, catalog);
      } catch (e) {
        log.warn(`release ${loaded.answers.release} not resolved: ${(e as Error).message}`);
      }
      const allow = createAllowList({
        platform: options.platform,
        layout,
        release,
        systemRoot: process.env.SystemRoot,
      });
      await closeHost();
      session = { answers: loaded.answers, secrets: loaded.secrets, allow };
      log.info(`configured for ${layout.installDir} (${loaded.secrets.keys().length} secrets in memory)`);
      return { type: 'configured', ok: true };
    }

    async function runQuery(s: Session, id: number, query: Record<string, unknown>): Promise<void> {
      if (!s.allow.checkQueryKind(query.kind)) {
        log.warn(`refused query kind ${String(query.kind)}`);
        send({
          type: 'result',
          id,
          ok: false,
          error: { code: 'HELPER_QUERY_REFUSED', message: 'Unknown query kind.' },
        });
        return;
      }
      if (query.kind === 'exec' && !s.allow.checkExecutable(String(query.file))) {
        log.warn(`refused exec query of ${String(query.file)}`);
        send({
          type: 'result',
          id,
          ok: false,
          error: {
            code: 'HELPER_EXECUTABLE_REFUSED',
            message: `The helper does not start ${String(query.file)}.`,
          },
        });
        return;
      }
      try {
        const value = await (await getHost()).query(query as unknown as Query);
        send({ type: 'result', id, ok: true, value: JSON.parse(redact(JSON.stringify(value))) as unknown });
      } catch (e) {
        send({ type: 'result', id, ok: false, error: failure(e, redact) });
      }
    }

    async function runActions(s: Session, id: number, actions: unknown[]): Promise<void> {
      // Check the whole list first: a list with one refused action runs nothing.
      const checked = actions.map((a) => s.allow.checkAction(a));
      const refused = checked.findIndex((c) => !c.ok);
      if (refused >= 0) {
        const c = checked[refused] as { code: string; message: string };
        log.warn(`refused action ${refused}: ${c.message}`);
        send({
          type: 'result',
          id,
          ok: false,
          failedIndex: refused,
          error: { code: c.code, message: c.message },
        });
        return;
      }
      let rebootRequired = false;
      for (const [index, c] of checked.entries()) {
        if (!c.ok) continue;
        log.info(`apply ${c.action.kind}: ${c.action.describe}`);
        try {
          const r = await (
            await getHost()
          ).apply(c.action, {
            secrets: s.secrets,
            signal: abort.signal,
            timeoutMs: options.timeoutMs ?? 30 * 60_000,
            onOutput: (line) => {
              const safe = redact(line);
              log.info(`output: ${safe}`);
              send({ type: 'output', id, line: safe });
            },
          });
          rebootRequired ||= r.rebootRequired ?? false;
        } catch (e) {
          const f = failure(e, redact);
          log.error(`action ${index} failed: ${f.code} ${f.message}`);
          send({ type: 'result', id, ok: false, failedIndex: index, rebootRequired, error: f });
          return;
        }
      }
      send({ type: 'result', id, ok: true, rebootRequired });
    }
  });
}

const notConfigured = {
  code: 'HELPER_NOT_CONFIGURED',
  message: 'The helper received work before its answers.',
};

function failure(e: unknown, redact: (s: string) => string) {
  const err = e as { code?: unknown; message?: unknown; details?: { hint?: string } };
  return {
    code: typeof err.code === 'string' ? err.code : 'HELPER_ACTION_FAILED',
    message: redact(typeof err.message === 'string' ? err.message : String(e)),
    ...(err.details?.hint ? { hint: redact(err.details.hint) } : {}),
  };
}
