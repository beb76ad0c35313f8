import { app } from 'electron';
import type { Answers } from '../engine/answers/index.js';
import type { MapSecretStore } from '../engine/secrets.js';
import { RemoteHost } from '../helper/remote-host.js';
import type { HelperConnection } from '../helper/server.js';
import { startHelper } from '../helper/start.js';
import type { Host } from '../engine/host.js';
import { createHost, parseHostSpec, type HostSpec } from '../hosts/index.js';
import { InstallerError } from '../engine/errors.js';

const platform = process.platform === 'win32' ? 'win32' : 'posix';

/** The real machine: Windows in production; the posix profile when the app runs on Linux (tests). */
export const realHostSpec: HostSpec = platform === 'win32' ? { kind: 'windows' } : { kind: 'posix' };

/** `--host sim:FILE` previews against a simulated Windows server; otherwise the real machine. */
export const targetHostSpec = (host?: string): HostSpec => (host ? parseHostSpec(host) : realHostSpec);

/**
 * Reading the machine happens in the app itself; changing it goes through the elevated helper,
 * started once per session (one UAC prompt) and reused for later runs. A sim target is a JSON file
 * the app owns: it is read and changed in the app, with no helper and no prompt.
 */
export function createHostOpener(dataDir: string, logFile: string, spec: HostSpec = realHostSpec) {
  let helper: HelperConnection | undefined;

  const ensureHelper = async () => {
    if (helper && !helper.closed) return helper;
    helper = await startHelper({
      exe: process.execPath,
      // Unpackaged, Electron needs the app folder as its first argument.
      preArgs: app.isPackaged ? [] : [app.getAppPath()],
      logFile,
      baseDir: dataDir,
    });
    return helper;
  };

  app.on('will-quit', () => helper?.close());

  return async (
    purpose: 'read' | 'change',
    run?: { answers: Answers; secrets: MapSecretStore },
  ): Promise<Host> => {
    if (spec.kind === 'sim') return createHost(spec, { readOnly: purpose === 'read' });
    if (purpose === 'read') return createHost(spec, { readOnly: true });
    if (!run) throw new Error('a change host needs answers');
    const link = await ensureHelper();
    const secrets = Object.fromEntries(run.secrets.keys().map((k) => [k, run.secrets.get(k) ?? '']));
    const configured = await link.configure(run.answers, secrets);
    if (!configured.ok) {
      throw new InstallerError(
        configured.error?.code ?? 'HELPER_FAILED',
        configured.error?.message ?? 'The helper refused the answers.',
      );
    }
    const remote = new RemoteHost(link, platform === 'win32' ? 'windows' : 'posix', platform);
    // The helper outlives a single run; it is closed when the app quits.
    return {
      kind: remote.kind,
      platform,
      query: (q) => remote.query(q),
      apply: (a, c) => remote.apply(a, c),
      close: () => Promise.resolve(),
    };
  };
}
