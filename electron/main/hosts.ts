import { app } from 'electron';
import type { HelperConnection } from '../helper/server.js';
import { startHelper } from '../helper/start.js';
import type { Host } from '../engine/host.js';
import { createHost, parseHostSpec, type HostSpec } from '../hosts/index.js';

const platform = process.platform === 'win32' ? 'win32' : 'posix';

/** The real machine: Windows in production; the posix profile when the app runs on Linux (tests). */
export const realHostSpec: HostSpec = platform === 'win32' ? { kind: 'windows' } : { kind: 'posix' };

/** `--host sim:FILE` previews against a simulated Windows server; otherwise the real machine. */
export const targetHostSpec = (host?: string): HostSpec => (host ? parseHostSpec(host) : realHostSpec);

/**
 * Reading the machine happens in the app itself. Changing it is the elevated helper's job, started
 * once per session (one UAC prompt, before Review) and reused: it plans and applies by itself, so
 * the app never holds an elevated host. A sim target is a JSON file the app owns: read and changed
 * in the app, with no helper and no prompt.
 */
export function createHostOpener(dataDir: string, logFile: string, spec: HostSpec = realHostSpec) {
  let helper: Promise<HelperConnection> | undefined;

  const ensureHelper = (): Promise<HelperConnection> => {
    const current = helper;
    if (current) return current.then((h) => (h.closed ? startNew() : h), startNew);
    return startNew();
  };
  const startNew = () =>
    (helper = startHelper({
      exe: process.execPath,
      // Unpackaged, Electron needs the app folder as its first argument.
      preArgs: app.isPackaged ? [] : [app.getAppPath()],
      logFile,
      baseDir: dataDir,
    }));

  app.on(
    'will-quit',
    () =>
      void helper?.then(
        (h) => h.close(),
        () => undefined,
      ),
  );

  const openHost = (purpose: 'read' | 'change'): Promise<Host> =>
    // Real machine, 'change': the helper does the changing; the app's host stays read-only.
    createHost(spec, { readOnly: spec.kind !== 'sim' || purpose === 'read' });

  return { openHost, ensureHelper };
}
