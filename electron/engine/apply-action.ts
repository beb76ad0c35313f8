import type { Action } from './actions/index.js';
import { CancelledError, InstallerError } from './errors.js';
import type { ApplyResult, Host } from './host.js';
import type { SecretStore } from './secrets.js';

export interface ApplyOptions {
  secrets: SecretStore;
  /** Cancel of the whole run. */
  signal: AbortSignal;
  defaultTimeoutMs: number;
  onOutput: (line: string) => void;
}

export const timeoutFor = (action: Action, defaultMs: number): number =>
  'timeoutMs' in action && typeof action.timeoutMs === 'number' ? action.timeoutMs : defaultMs;

/**
 * Applies one action with its time limit and the run's cancel signal combined. The race makes the
 * limit hold even for a host that ignores its signal.
 */
export async function applyAction(host: Host, action: Action, options: ApplyOptions): Promise<ApplyResult> {
  const timeoutMs = timeoutFor(action, options.defaultTimeoutMs);
  if (options.signal.aborted) throw new CancelledError();
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([options.signal, timeout]);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () =>
      reject(
        options.signal.aborted
          ? new CancelledError()
          : new InstallerError(
              'ACTION_TIMEOUT',
              `"${action.describe}" did not finish within ${Math.round(timeoutMs / 1000)} s.`,
              'Look at the log for what it was waiting for, fix that, then run repair.',
            ),
      );
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const applying = host.apply(action, {
      secrets: options.secrets,
      signal,
      timeoutMs,
      onOutput: options.onOutput,
    });
    return (await Promise.race([applying, aborted])) ?? {};
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/**
 * After a real exec, checks the files it said it produces (the sim host applies them instead).
 * Products, facts and reboots cannot be checked this way and are left to the next probe.
 */
export async function checkProduces(host: Host, action: Action): Promise<void> {
  if (action.kind !== 'exec' || !action.produces || host.kind === 'sim') return;
  for (const effect of action.produces) {
    if (effect.kind !== 'file' && effect.kind !== 'dir' && effect.kind !== 'removed') continue;
    const seen = await host.query({ kind: 'file', path: effect.path });
    const ok =
      effect.kind === 'removed'
        ? !seen.exists
        : seen.exists && seen.type === (effect.kind === 'dir' ? 'dir' : 'file');
    if (!ok)
      throw new InstallerError(
        'EFFECT_MISSING',
        `"${action.describe}" finished, but ${effect.kind === 'removed' ? `${effect.path} is still there` : `${effect.kind} ${effect.path} is missing`}.`,
        'Look at the program output in the log, fix the cause, then run repair.',
      );
  }
}
