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
