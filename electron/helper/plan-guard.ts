import type { Answers } from '../engine/answers/index.js';
import type { Host } from '../engine/host.js';
import { applierFor, type RememberedStore } from '../engine/remembered.js';
import type { PlanResult } from '../engine/report.js';
import type { SavedPlan } from '../engine/saved-plan.js';
import type { AllowList } from './allow-list.js';
import type { HelperFailure, HelperMode, HelperPlan } from './protocol.js';

/** The first planned action the allow-list refuses, as the helper reports it (nothing is offered). */
export function refusePlanned(allow: AllowList, plan: PlanResult): HelperFailure | undefined {
  for (const step of plan.steps)
    for (const action of step.actions) {
      const c = allow.checkAction(action);
      if (!c.ok) return { code: c.code, message: `${step.title}: ${c.message}` };
    }
  return undefined;
}

/** Uninstall in the wizard fills unused passwords with stand-ins: no planned action may use one. */
export function secretsUsedByStandIns(plan: PlanResult, standIns: string[]): HelperFailure | undefined {
  for (const step of plan.steps) {
    const text = JSON.stringify(step.actions);
    if (standIns.some((p) => text.includes(`"$secret":"${p}"`)))
      return {
        code: 'UNINSTALL_NEEDS_SECRET',
        message: `Uninstall step "${step.title}" needs a password the wizard did not ask for.`,
        hint: 'Run uninstall from the command line with every password (docs/cli.md).',
      };
  }
  return undefined;
}

export const helperPlanFrom = (plan: PlanResult, saved: SavedPlan): HelperPlan => ({
  planSha256: saved.planSha256,
  changes: plan.changes,
  steps: saved.steps,
  skipped: plan.skipped,
});

/** After a successful run the machine remembers the answers (no secrets), written by the helper. */
export async function rememberAfterRun(
  store: RememberedStore,
  host: Host,
  mode: HelperMode,
  answers: Answers,
): Promise<void> {
  if (mode === 'uninstall') await store.forget(applierFor(host));
  else await store.write(answers, applierFor(host));
}
