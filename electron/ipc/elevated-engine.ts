import type { ProgressEvent } from '../engine/events.js';
import { InstallerError } from '../engine/errors.js';
import type { MapSecretStore } from '../engine/secrets.js';
import type { HelperConnection, HelperResult } from '../helper/server.js';
import { helperPlanSchema, helperRunResultSchema, type HelperMode } from '../helper/protocol.js';
import { toPlan } from './engine-adapter.js';
import { stalePlanError } from './plan-stale.js';
import type { EnginePort, RunInput } from './service.js';

const helperModeOf = (mode: RunInput['mode']): HelperMode => (mode === 'reconfigure' ? 'install' : mode);

const secretsOf = (s: MapSecretStore) => Object.fromEntries(s.keys().map((k) => [k, s.get(k) ?? '']));

/** The helper's refusal as the wizard shows it: its code, plain words, and for a stale plan the difference. */
function refusal(r: HelperResult): InstallerError {
  const e = r.error ?? { code: 'HELPER_FAILED', message: 'The elevated helper failed.' };
  if (e.code === 'PLAN_STALE') return stalePlanError(e.difference ?? []);
  return new InstallerError(e.code, e.message, e.hint);
}

/**
 * The wizard's engine on the real machine: reading (preflight, verify, bundles) stays in the app,
 * but the plan the person reviews and the run that applies it are both the elevated helper's. The
 * helper starts on the first plan (the one UAC prompt, before Review), plans by itself and returns
 * the plan with its hash; Install sends that hash back, and the helper refuses anything else.
 */
export function createElevatedEngine(local: EnginePort, helper: () => Promise<HelperConnection>): EnginePort {
  return {
    ...local,
    async plan(input) {
      const link = await helper();
      const r = await link.plan({
        mode: helperModeOf(input.mode),
        keepData: input.keepData,
        release: input.answers.release,
        answers: input.answers,
        secrets: secretsOf(input.secrets),
        ...(input.standIns?.length ? { standIns: input.standIns } : {}),
      });
      if (!r.ok) throw refusal(r);
      const plan = helperPlanSchema.parse(r.value);
      // The helper's actions are data the engine's own schema accepts; only their kind/describe are shown.
      return {
        ...toPlan(input.mode, plan as unknown as Parameters<typeof toPlan>[1]),
        planSha256: plan.planSha256,
      };
    },
    async run(input) {
      if (!input.approvedPlanSha256)
        throw new InstallerError(
          'PLAN_NOT_REVIEWED',
          'There is no reviewed plan to install.',
          'Go back to Review and press Install there.',
        );
      const link = await helper();
      const started = link.run(
        {
          mode: helperModeOf(input.mode),
          keepData: input.keepData,
          answers: input.answers,
          secrets: secretsOf(input.secrets),
          approvedPlanSha256: input.approvedPlanSha256,
        },
        (e: ProgressEvent) => input.onEvent(e),
      );
      const stop = () => link.cancel(started.id);
      input.signal.addEventListener('abort', stop, { once: true });
      try {
        const r = await started.done;
        if (!r.ok) throw refusal(r);
        return helperRunResultSchema.parse(r.value);
      } finally {
        input.signal.removeEventListener('abort', stop);
      }
    },
  };
}
