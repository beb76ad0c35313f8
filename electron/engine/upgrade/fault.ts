import type { UpgradePhase } from './phases.js';

/**
 * Fault injection for the upgrade's tests, off unless QATRACK_INSTALLER_FAULT is set:
 *   upgrade:<phase>       the phase fails after doing its work (migrate: the migrations are applied)
 *   upgrade:<phase>:hang  the run stops there until killed (SIGKILL + repair tests)
 */
export type Fault = { phase: UpgradePhase['id']; mode: 'fail' | 'hang' };

export function upgradeFault(env: NodeJS.ProcessEnv = process.env): Fault | undefined {
  const m = /^upgrade:([a-z-]+)(?::(hang))?$/.exec(env.QATRACK_INSTALLER_FAULT ?? '');
  return m ? { phase: m[1] as UpgradePhase['id'], mode: m[2] === 'hang' ? 'hang' : 'fail' } : undefined;
}

/**
 * The injected hang: resolves when `signal` aborts, at once if it already has (a SIGTERM that
 * arrived while the phase was still working must not be missed: an abort event fires only once).
 * A pending promise alone does not keep Node alive, so a timer holds the process meanwhile.
 */
export function untilCancelled(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const alive = setInterval(() => undefined, 1000);
    signal.addEventListener(
      'abort',
      () => {
        clearInterval(alive);
        resolve();
      },
      { once: true },
    );
  });
}
