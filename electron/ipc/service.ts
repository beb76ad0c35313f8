import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Answers } from '../engine/answers/index.js';
import { InputError, InstallerError } from '../engine/errors.js';
import type { ProgressEvent } from '../engine/events.js';
import { applierFor, type RememberedStore } from '../engine/remembered.js';
import type { MapSecretStore } from '../engine/secrets.js';
import type { Host } from '../hosts/host.js';
import { createRedactor } from '../helper/redact.js';
import { answersFromDraft, validateDraft, withEnvSecrets, withoutSecrets } from './answers-draft.js';
import type { EventOf, IpcError, Plan, PreflightCheck, RequestOf, ValueOf, WizardMode } from './contract.js';
import type { Handlers } from './router.js';
import { RunManager } from './runs.js';

/** What the wizard needs from the engine (runner, steps, hosts); main and the test bridge adapt it. */
export interface EnginePort {
  preflight(
    host: Host,
    mode: WizardMode,
  ): Promise<{
    machine: { name: string; hostname: string; elevated: boolean };
    checks: PreflightCheck[];
  }>;
  plan(o: RunInput): Promise<Plan>;
  run(o: RunInput & { signal: AbortSignal; onEvent: (e: ProgressEvent) => void }): Promise<{
    ok: boolean;
    exitCode: number;
    message: string;
  }>;
  verify(o: { answers: Answers; secrets: MapSecretStore; host: Host }): Promise<{
    checks: ValueOf<'verify'>['checks'];
    siteUrl?: string;
  }>;
  buildBundle?(
    o: { outDir: string; release: string; arch: 'x64' | 'x86' },
    signal: AbortSignal,
    onEvent: (e: ProgressEvent) => void,
  ): Promise<{ ok: boolean; message: string }>;
}

export interface RunInput {
  mode: Exclude<WizardMode, 'bundle'>;
  answers: Answers;
  secrets: MapSecretStore;
  keepData: boolean;
  host: Host;
}

export interface ServiceDeps {
  engine: EnginePort;
  /**
   * A host to read the machine ('read') or to change it ('change': in the app, the elevated helper
   * configured with these answers and secrets; one UAC prompt per app session).
   */
  openHost(purpose: 'read' | 'change', run?: { answers: Answers; secrets: MapSecretStore }): Promise<Host>;
  /** The app's own data folder: run logs, support bundles. */
  dataDir: string;
  /** The machine's remembered answers (%ProgramData%\QATrack+ Installer), without secrets. */
  remembered: RememberedStore;
  /** The mode the app was started in (Add/Remove Programs Modify/Repair, the Repair shortcut). */
  startMode?: WizardMode;
  chooseSavePath(kind: 'answers' | 'support', defaultName: string): Promise<string | undefined>;
  openFolder(folder: string): Promise<boolean>;
  testDatabase(req: RequestOf<'testDatabaseConnection'>): Promise<ValueOf<'testDatabaseConnection'>>;
  emit(payload: EventOf<'progress'>): void;
}

/** Every IPC handler, as plain Node: testable without Electron, shared by main and the test bridge. */
export function createHandlers(deps: ServiceDeps): Handlers {
  const runs = new RunManager();
  const logDir = path.join(deps.dataDir, 'logs');
  // Secrets seen in this session, so logs and support bundles can be scrubbed of them.
  const seenSecrets = new Set<string>();
  const redact = createRedactor(() => seenSecrets);
  let lastRun: { answers: Answers; secrets: MapSecretStore } | undefined;

  const remember = (store: MapSecretStore) => store.values().forEach((v) => seenSecrets.add(v));

  const readHost = async <T>(fn: (h: Host) => Promise<T>): Promise<T> => {
    const host = await deps.openHost('read');
    try {
      return await fn(host);
    } finally {
      await host.close();
    }
  };

  const readLastAnswers = async (): Promise<ValueOf<'lastAnswers'>> => {
    try {
      const r = await deps.remembered.read();
      return r ? { answers: withoutSecrets(r.answers), savedAt: r.savedAt } : { answers: null };
    } catch {
      // Unreadable (on Windows the unelevated wizard may not open the machine's file): start empty.
      return { answers: null };
    }
  };

  return {
    async preflight({ mode }) {
      return readHost(async (host) => {
        const r = await deps.engine.preflight(host, mode);
        return { ...r, suggested: { hostName: r.machine.hostname.toLowerCase() } };
      });
    },

    validateAnswers: ({ answers }) => Promise.resolve(validateDraft(answers)),

    async testDatabaseConnection(req) {
      if (req.password) seenSecrets.add(req.password);
      const r = await deps.testDatabase(req);
      return { ...r, detail: redact(r.detail) };
    },

    async checkPort({ port }) {
      return readHost(async (host) => {
        const r = await host.query({ kind: 'port', port });
        if (!r.inUse) return { port, inUse: false };
        const o = r.owner;
        const owner = o?.iisSite
          ? `IIS site "${o.iisSite}"`
          : o?.service
            ? `service ${o.service}`
            : o?.process
              ? `${o.process}${o.pid ? ` (PID ${o.pid})` : ''}`
              : undefined;
        return { port, inUse: true, ...(owner ? { owner } : {}) };
      });
    },

    async plan({ mode, answers, secrets, keepData }) {
      const loaded = answersFromDraft(answers, secrets);
      remember(loaded.secrets);
      return readHost((host) => deps.engine.plan({ mode, keepData, host, ...loaded }));
    },

    async apply(req) {
      await mkdir(logDir, { recursive: true });
      let logFile = '';
      const emit = (runId: string, event: ProgressEvent) => {
        const safe = JSON.parse(redact(JSON.stringify(event))) as ProgressEvent;
        logFile ||= path.join(logDir, `run-${runId}.jsonl`);
        void writeFile(logFile, JSON.stringify({ time: new Date().toISOString(), ...safe }) + '\n', {
          flag: 'a',
        });
        deps.emit({ runId, event: safe });
      };
      if (req.mode === 'bundle') {
        const engine = deps.engine;
        if (!engine.buildBundle)
          throw new InstallerError('BUNDLE_UNAVAILABLE', 'This build cannot create offline bundles.');
        const bundle = req.bundle;
        const runId = runs.start(
          (signal, onEvent) => engine.buildBundle!.call(engine, bundle, signal, onEvent),
          emit,
        );
        return { runId };
      }
      const { mode, keepData } = req;
      const loaded = answersFromDraft(req.answers, req.secrets);
      remember(loaded.secrets);
      const runId = runs.start(async (signal, onEvent) => {
        const host = await deps.openHost('change', loaded);
        try {
          const r = await deps.engine.run({ mode, keepData, host, signal, onEvent, ...loaded });
          if (r.ok) {
            lastRun = loaded;
            // Through the same change host (elevated on Windows): the machine remembers, not the profile.
            try {
              if (mode === 'uninstall') await deps.remembered.forget(applierFor(host));
              else await deps.remembered.write(loaded.answers, applierFor(host));
            } catch (e) {
              onEvent({
                type: 'log',
                level: 'warn',
                message: `Could not update the answers remembered in ${deps.remembered.file} (${(e as Error).message}); save an answers file for later repairs.`,
              });
            }
          }
          return r;
        } finally {
          await host.close();
        }
      }, emit);
      return { runId };
    },

    cancel: ({ runId }) => Promise.resolve(runs.cancel(runId)),

    runStatus: ({ runId }) => Promise.resolve(runs.summary(runId)),

    async verify() {
      if (!lastRun) throw new InstallerError('VERIFY_NOTHING', 'Nothing was installed in this session yet.');
      const run = lastRun;
      return readHost((host) => deps.engine.verify({ ...run, host }));
    },

    lastAnswers: () => readLastAnswers(),

    startup: () => Promise.resolve(deps.startMode ? { mode: deps.startMode } : {}),

    async saveAnswersFile({ answers }) {
      const checked = validateDraft(answers);
      if (!checked.valid) {
        throw new InputError('ANSWERS_INVALID', 'Some answers are not valid.', checked.issues);
      }
      const file = await deps.chooseSavePath('answers', 'qatrack-answers.json');
      if (!file) return { saved: false };
      const body = {
        $schema: 'https://qatrackplus.com/installer/answers.schema.json',
        ...withEnvSecrets(answers),
      };
      await writeFile(file, redact(JSON.stringify(body, null, 2)) + '\n');
      return { saved: true, path: file };
    },

    async exportSupportBundle() {
      const file = await deps.chooseSavePath('support', `qatrack-support-${Date.now()}.json`);
      if (!file) return { saved: false };
      const logs: { name: string; text: string }[] = [];
      for (const name of (await readdir(logDir).catch(() => [])).sort().slice(-5)) {
        const text = await readFile(path.join(logDir, name), 'utf8');
        logs.push({ name, text: text.slice(-512 * 1024) });
      }
      const last = await readLastAnswers();
      const bundle = {
        createdAt: new Date().toISOString(),
        platform: `${process.platform} ${process.arch}`,
        lastAnswers: last.answers,
        logs,
      };
      // Secrets were never in these files; scrub again anyway with every secret this session saw.
      await writeFile(file, redact(JSON.stringify(bundle, null, 2)));
      return { saved: true, path: file };
    },

    async openLogFolder() {
      await mkdir(logDir, { recursive: true });
      return { opened: await deps.openFolder(logDir) };
    },
  };
}

/** Errors as the renderer sees them: stable code, plain words, what to do; nothing else. */
export function toIpcError(error: unknown): IpcError {
  if (error instanceof InputError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.fix ? { fix: error.fix } : {}),
      issues: error.issues,
    };
  }
  if (error instanceof InstallerError) {
    return { code: error.code, message: error.message, ...(error.fix ? { fix: error.fix } : {}) };
  }
  return {
    code: 'INTERNAL',
    message: 'Something unexpected went wrong.',
    fix: 'Export a support bundle from the finish page and send it to your QATrack+ administrator.',
  };
}
