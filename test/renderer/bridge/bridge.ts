/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { Step } from '../../../electron/engine/step.js';
import {
  contentSecurityPolicy,
  contentTypeOf,
  newNonce,
  renderIndexHtml,
  resolveAppFile,
} from '../../../electron/main/app-page.js';
import { createHost, type HostSpec } from '../../../electron/hosts/index.js';
import {
  cleanServer,
  withCertificate,
  withDefaultWebSite,
  withExistingSql,
} from '../../../electron/hosts/sim/windows/seed.js';
import { methods, type EventOf } from '../../../electron/ipc/contract.js';
import { createEngineAdapter } from '../../../electron/ipc/engine-adapter.js';
import { IpcRouter } from '../../../electron/ipc/router.js';
import { testSignInFromWizard } from '../../../electron/ipc/sign-in-test.js';
import { createHandlers, toIpcError } from '../../../electron/ipc/service.js';
import { MACHINE_FOLDER, RememberedStore } from '../../../electron/engine/remembered.js';
import { TrustedSenders } from '../../../electron/ipc/sender-guard.js';
import type { UpgradeEnginePort } from '../../../electron/ipc/upgrade-engine.js';

/**
 * Stands in for Electron main + preload in browser tests: the real IPC router and handlers over the
 * real engine with the `sim` host, reached from the page through a Playwright binding that plays
 * the preload's role (window.installer). The renderer is served with the same CSP and nonce code
 * as main's app:// handler.
 */
export interface BridgeOptions {
  rendererDir: string;
  workDir: string;
  simState: string;

  steps?: readonly Step<any>[];
  /** The upgrade engine main would give the handlers (test/renderer/upgrade-mode.test.ts). */
  upgrade?: UpgradeEnginePort;
}

export interface Bridge {
  url: string;
  /** Every request and answer that crossed the bridge, as JSON text (for secret checks). */
  traffic: string[];
  savedFiles: string[];
  /** What the folder dialog answers, by purpose (installDir, dataDir, ...). */
  folderChoices: Record<string, string>;
  /** Times the page asked to close the window. */
  closed: number[];
  /** URLs the page asked main to open in the browser. */
  opened: string[];
  attach(page: Page): Promise<void>;
  close(): Promise<void>;
  /** The mode main was started in (`--mode=repair` from Add/Remove Programs), for the next load. */
  setStartMode(mode: 'repair' | 'reconfigure' | undefined): void;
}

const WEB_CONTENTS_ID = 1;
const FRAME = {
  sender: { id: WEB_CONTENTS_ID },
  senderFrame: { url: 'app://bundle/index.html', parent: null },
};

export async function startBridge(o: BridgeOptions): Promise<Bridge> {
  const spec: HostSpec = { kind: 'sim', file: o.simState };
  const traffic: string[] = [];
  const savedFiles: string[] = [];
  const folderChoices: Record<string, string> = {};
  const closed: number[] = [];
  const opened: string[] = [];
  let page: Page | undefined;
  const emit = (payload: EventOf<'progress'>) => {
    traffic.push(JSON.stringify(payload));
    void page
      ?.evaluate((p) => (window as unknown as { __bridgeEmit(p: unknown): void }).__bridgeEmit(p), payload)
      .catch(() => undefined);
  };
  const emitUpgrade = (payload: EventOf<'upgrade'>) => {
    traffic.push(JSON.stringify(payload));
    void page
      ?.evaluate(
        (p) => (window as unknown as { __bridgeEmitUpgrade(p: unknown): void }).__bridgeEmitUpgrade(p),
        payload,
      )
      .catch(() => undefined);
  };
  const deps: Parameters<typeof createHandlers>[0] = {
    ...(o.upgrade ? { upgrade: o.upgrade, emitUpgrade } : {}),
    engine: createEngineAdapter({
      hostSpec: spec,
      logDir: path.join(o.workDir, 'logs'),
      ...(o.steps ? { steps: o.steps } : {}),
    }),
    openHost: (purpose) => createHost(spec, { readOnly: purpose === 'read' }),
    dataDir: path.join(o.workDir, 'app-data'),
    remembered: new RememberedStore({ dir: path.join(o.workDir, 'ProgramData', MACHINE_FOLDER) }),
    chooseSavePath: (kind, name) => {
      const file = path.join(o.workDir, `${kind}-${randomUUID()}-${name}`);
      savedFiles.push(file);
      return Promise.resolve(file);
    },
    openFolder: () => Promise.resolve(true),
    // The folder dialog's answer, as a person would pick it (tests set it before pressing Browse).
    chooseFolder: (purpose) => Promise.resolve(folderChoices[purpose]),
    closeWindow: () => void closed.push(Date.now()),
    openExternal: (url) => (opened.push(url), Promise.resolve(true)),
    // The real Test sign-in (a directory server on loopback, or a plain-words failure).
    testSignIn: (req) => testSignInFromWizard(req),
    // No SQL Server here: the sim answers like a reachable server.
    testDatabase: (req) =>
      Promise.resolve({ ok: true, detail: `Connected to SQL Server 15.0 (simulated) at ${req.server}` }),
    emit,
  };
  const handlers = createHandlers(deps);
  const senders = new TrustedSenders();
  senders.add(WEB_CONTENTS_ID);
  const router = new IpcRouter(handlers, senders, toIpcError);

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const file = resolveAppFile(o.rendererDir, url.pathname);
      if (!file) return res.writeHead(404).end();
      const body = await readFile(file).catch(() => undefined);
      if (!body) return res.writeHead(404).end();
      if (file.endsWith('index.html')) {
        const nonce = newNonce();
        res.writeHead(200, {
          'Content-Type': 'text/html; charset=utf-8',
          'Content-Security-Policy': contentSecurityPolicy(nonce),
        });
        return res.end(renderIndexHtml(body.toString('utf8'), nonce));
      }
      res.writeHead(200, { 'Content-Type': contentTypeOf(file) ?? 'application/octet-stream' });
      res.end(body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}/index.html`,
    traffic,
    savedFiles,
    setStartMode(mode) {
      if (mode) deps.startMode = mode;
      else delete deps.startMode;
    },
    folderChoices,
    closed,
    opened,
    async attach(p) {
      page = p;
      await p.exposeFunction('__installerInvoke', async (channel: string, request: unknown) => {
        traffic.push(JSON.stringify(request));
        const r = await router.handle(channel, FRAME, request);
        traffic.push(JSON.stringify(r));
        return r;
      });
      await p.addInitScript((methods: string[]) => {
        const listeners = new Set<(p: unknown) => void>();
        const upgradeListeners = new Set<(p: unknown) => void>();
        const w = window as unknown as Record<string, unknown>;
        const invoke = w.__installerInvoke as (c: string, r: unknown) => Promise<unknown>;
        w.__bridgeEmit = (payload: unknown) => listeners.forEach((l) => l(payload));
        w.__bridgeEmitUpgrade = (payload: unknown) => upgradeListeners.forEach((l) => l(payload));
        const api: Record<string, unknown> = {};
        for (const m of methods) api[m] = (req: unknown) => invoke(`installer:${m}`, req);
        api.onProgress = (l: (p: unknown) => void) => {
          listeners.add(l);
          return () => listeners.delete(l);
        };
        api.onUpgrade = (l: (p: unknown) => void) => {
          upgradeListeners.add(l);
          return () => upgradeListeners.delete(l);
        };
        Object.defineProperty(window, 'installer', { value: Object.freeze(api) });
      }, methods);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A simulated Windows Server 2022 with IIS's Default Web Site on :80, a reachable SQL Server and a
 * certificate for the site in the machine store.
 */
export async function writeSimState(
  file: string,
  certificate: { thumbprint: string; dnsNames: string[] },
): Promise<void> {
  const state = withCertificate(
    withDefaultWebSite(withExistingSql(cleanServer())),
    certificate.thumbprint,
    certificate.dnsNames,
  );
  await writeFile(file, JSON.stringify(state, null, 2));
}
