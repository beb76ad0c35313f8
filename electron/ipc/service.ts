import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Answers } from '../engine/answers/index.js';
import { InputError, InstallerError } from '../engine/errors.js';
import type { ProgressEvent } from '../engine/events.js';
import { applierFor, type RememberedStore } from '../engine/remembered.js';
import type { MapSecretStore } from '../engine/secrets.js';
import type { Host } from '../engine/host.js';
import { createRedactor } from '../helper/redact.js';
import { answersFromDraft, validateDraft, withEnvSecrets, withoutSecrets } from './answers-draft.js';
import type {
  EventOf,
  IpcError,
  ParsedRequestOf,
  Plan,
  PreflightCheck,
  RequestOf,
  ValueOf,
  WizardMode,
} from './contract.js';
import type { Handlers } from './router.js';
import { RunManager } from './runs.js';
import { createUpgradeHandlers } from './upgrade.js';
import type { UpgradeEnginePort } from './upgrade-engine.js';
import { topics } from '../windows/topics.js';
import { siteUrl } from '../cli/render-plan.js';

/**
 * The unattended command lines for a saved answers file: the app's own (README, "IT command
 * lines") and the CLI's. Passwords come from QATRACK_SECRET_* variables, never from the line.
 */
export function unattendedCommandLines(file: string, mode: WizardMode): string[] {
  const q = (s: string) => `"${s}"`;
  const cli = mode === 'reconfigure' ? 'install' : mode;
  return [
    `"QATrack+ Installer.exe" --unattended --answers ${q(file)} --mode ${mode}`,
    `qatrack-installer ${cli} --answers ${q(file)} --yes`,
  ];
}

/** What the wizard needs from the engine (runner, steps, hosts); main and the test bridge adapt it. */
export interface EnginePort {
  preflight(
    host: Host,
    mode: WizardMode,
  ): Promise<{
    machine: { name: string; hostname: string; elevated: boolean };
    checks: PreflightCheck[];
  }>;
  /** The plan Review shows, with the hash Install sends back. */
  plan(o: RunInput): Promise<Plan>;
  /** The plan as the CLI prints it, for "Save plan". */
  planText?(o: RunInput): Promise<string>;
  /** Applies the reviewed plan (approvedPlanSha256) if planning again gives the same hash. */
  run(o: RunInput & { signal: AbortSignal; onEvent: (e: ProgressEvent) => void }): Promise<{
    ok: boolean;
    exitCode: number;
    message: string;
    /** The engine (the elevated helper) already wrote the machine's remembered answers. */
    remembered?: boolean;
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
  mode: Exclude<WizardMode, 'bundle' | 'upgrade'>;
  answers: Answers;
  secrets: MapSecretStore;
  keepData: boolean;
  host: Host;
  /** Secrets uninstall does not use, filled with a random stand-in; no planned action may use them. */
  standIns?: string[];
  /** run: the hash of the plan the person reviewed. */
  approvedPlanSha256?: string;
}

/**
 * Uninstall removes services, the site, folders and (without keepData) logins: it never sets a
 * QATrack+ password, so the wizard does not ask for them. Only the SQL administrator's password
 * (authMode "sql") is used, to connect.
 */
export const UNINSTALL_UNUSED_SECRETS = [
  'database.login.password',
  'database.readonlyLogin.password',
  'admin.password',
  'email.password',
] as const;

function withStandIns(
  mode: WizardMode,
  secrets: Record<string, string>,
): { secrets: Record<string, string>; standIns: string[] } {
  if (mode !== 'uninstall') return { secrets, standIns: [] };
  const filled = { ...secrets };
  const standIns: string[] = [];
  for (const p of UNINSTALL_UNUSED_SECRETS)
    if (!filled[p]) {
      filled[p] = randomBytes(24).toString('base64url');
      standIns.push(p);
    }
  return { secrets: filled, standIns };
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
  chooseSavePath(kind: 'answers' | 'support' | 'plan', defaultName: string): Promise<string | undefined>;
  /** The system folder picker; undefined when the person cancels. */
  chooseFolder?(purpose: string, defaultPath?: string): Promise<string | undefined>;
  closeWindow?(): void;
  openExternal?(url: string): Promise<boolean>;
  openFolder(folder: string): Promise<boolean>;
  testDatabase(req: RequestOf<'testDatabaseConnection'>): Promise<ValueOf<'testDatabaseConnection'>>;
  /** Sends the Mail page's test mail; the real relay client (electron/mail) unless replaced. */
  sendTestMail?(req: ParsedRequestOf<'sendTestMail'>): Promise<ValueOf<'sendTestMail'>>;
  /** Runs the sign-in page's Test sign-in; the real directory client (electron/directory) unless replaced. */
  testSignIn?(req: RequestOf<'testSignIn'>): Promise<ValueOf<'testSignIn'>>;
  emit(payload: EventOf<'progress'>): void;
  /** The upgrade engine (electron/ipc/upgrade-engine.ts); without it the wizard offers no upgrade. */
  upgrade?: UpgradeEnginePort;
  emitUpgrade?(payload: EventOf<'upgrade'>): void;
}

const SITE_LOG_TAIL = 256 * 1024;

/** The last `bytes` of a file without reading the rest (debug.log is never rotated by size). */
async function readTail(file: string, bytes: number): Promise<string> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const length = Math.min(size, bytes);
    const buf = Buffer.alloc(length);
    await fh.read(buf, 0, length, size - length);
    return buf.toString('utf8');
  } finally {
    await fh.close();
  }
}

/**
 * QATrack+'s own logs from the site's LOG_ROOT (the data folder's `logs`, where local_settings.py
 * points it: debug, auth, django-q, migrate logs, the PDF renderer's report-stdout/stderr.txt, the
 * service logs), the tail of each. The wizard runs on the server, so the folder is local.
 */
async function readSiteLogs(
  answers: Record<string, unknown> | null,
): Promise<{ name: string; text: string }[]> {
  const paths = answers?.paths as { dataDir?: unknown } | undefined;
  if (typeof paths?.dataDir !== 'string' || !path.isAbsolute(paths.dataDir)) return [];
  const dir = path.join(paths.dataDir, 'logs');
  const out: { name: string; text: string }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (!e.isFile() || e.name.startsWith('.')) continue; // concurrent-log-handler's lock files
    const text = await readTail(path.join(dir, e.name), SITE_LOG_TAIL).catch(() => undefined);
    if (text !== undefined) out.push({ name: e.name, text });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
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
    ...createUpgradeHandlers({
      ...(deps.upgrade ? { engine: deps.upgrade } : {}),
      remembered: deps.remembered,
      emitUpgrade: (p) => deps.emitUpgrade?.(p),
    }),

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

    async sendTestMail(req) {
      if (req.password) seenSecrets.add(req.password);
      const r = deps.sendTestMail
        ? await deps.sendTestMail(req)
        : await (await import('../mail/test-mail.js')).sendTestMail(req);
      return {
        ...r,
        detail: redact(r.detail),
        ...(r.relayAnswer ? { relayAnswer: redact(r.relayAnswer) } : {}),
      };
    },
    async testSignIn(req) {
      if (req.password) seenSecrets.add(req.password);
      const r = deps.testSignIn
        ? await deps.testSignIn(req)
        : await (await import('./sign-in-test.js')).testSignInFromWizard(req);
      return { ...r, detail: redact(r.detail), ...(r.fix ? { fix: redact(r.fix) } : {}) };
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
      const filled = withStandIns(mode, secrets);
      const loaded = answersFromDraft(answers, filled.secrets);
      remember(loaded.secrets);
      return readHost((host) =>
        deps.engine.plan({ mode, keepData, host, ...loaded, standIns: filled.standIns }),
      );
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
      const { mode, keepData, approvedPlanSha256 } = req;
      const filled = withStandIns(mode, req.secrets);
      const loaded = answersFromDraft(req.answers, filled.secrets);
      remember(loaded.secrets);
      const runId = runs.start(async (signal, onEvent) => {
        const host = await deps.openHost('change', loaded);
        try {
          const r = await deps.engine.run({
            mode,
            keepData,
            host,
            signal,
            onEvent,
            approvedPlanSha256,
            standIns: filled.standIns,
            ...loaded,
          });
          if (r.ok && !r.remembered) {
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

    async saveAnswersFile({ answers, mode }) {
      const checked = validateDraft(answers);
      if (!checked.valid) {
        throw new InputError('ANSWERS_INVALID', 'Some answers are not valid.', checked.issues);
      }
      const file = await deps.chooseSavePath('answers', 'qatrack-answers.json');
      if (!file) return { saved: false, commandLines: [] };
      const body = {
        $schema: 'https://qatrackplus.com/installer/answers.schema.json',
        ...withEnvSecrets(answers),
      };
      await writeFile(file, redact(JSON.stringify(body, null, 2)) + '\n');
      return { saved: true, path: file, commandLines: unattendedCommandLines(file, mode) };
    },

    async savePlan({ mode, answers, secrets, keepData }) {
      const engine = deps.engine;
      if (!engine.planText)
        throw new InstallerError('PLAN_TEXT_UNAVAILABLE', 'This build cannot save plans.');
      const loaded = answersFromDraft(answers, secrets);
      remember(loaded.secrets);
      const text = await readHost((host) => engine.planText!({ mode, keepData, host, ...loaded }));
      const file = await deps.chooseSavePath('plan', `qatrack-${mode}-plan.txt`);
      if (!file) return { saved: false };
      await writeFile(file, redact(text));
      return { saved: true, path: file };
    },

    async listCertificates() {
      return readHost(async (host) => {
        const r = await host.query({ kind: 'windows', topic: 'certificates', args: {} });
        if (!r.supported) return { certificates: [] };
        const parsed = topics.certificates.result.safeParse(r.value);
        if (!parsed.success)
          throw new InstallerError(
            'CERTIFICATES_UNREADABLE',
            "The machine's certificate list was not understood.",
          );
        return parsed.data;
      });
    },

    async chooseFolder({ purpose, defaultPath }) {
      const chosen = deps.chooseFolder ? await deps.chooseFolder(purpose, defaultPath) : undefined;
      return chosen ? { chosen: true, path: chosen } : { chosen: false };
    },

    async openSite() {
      if (!lastRun || !deps.openExternal) return { opened: false };
      return { opened: await deps.openExternal(siteUrl(lastRun.answers)) };
    },

    closeWindow() {
      if (!deps.closeWindow) return Promise.resolve({ closing: false });
      deps.closeWindow();
      return Promise.resolve({ closing: true });
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
        siteLogs: await readSiteLogs(last.answers),
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
