import type { ProgressEvent } from '../engine/events.js';
import { InstallerError } from '../engine/errors.js';
import type { MapSecretStore } from '../engine/secrets.js';
import type { HelperConnection, HelperResult } from '../helper/server.js';
import { helperPlanSchema, helperRunResultSchema, type HelperMode } from '../helper/protocol.js';
import { renderPlan } from '../cli/render-plan.js';
import type { PlanResult } from '../engine/report.js';
import type { HostSpec } from '../hosts/index.js';
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
export function createElevatedEngine(
  local: EnginePort,
  helper: () => Promise<HelperConnection>,
  hostSpec: HostSpec = { kind: process.platform === 'win32' ? 'windows' : 'posix' },
): EnginePort {
  /** The helper's own plan (it probes and plans elevated), checked against the protocol's schema. */
  const helperPlan = async (input: RunInput): Promise<PlanResult & { planSha256: string }> => {
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
    // The actions are the engine's own data (the helper validated them); Review shows kind/describe.
    return helperPlanSchema.parse(r.value) as unknown as PlanResult & { planSha256: string };
  };

  return {
    ...local,
    async plan(input) {
      const plan = await helperPlan(input);
      return { ...toPlan(input.mode, plan), planSha256: plan.planSha256 };
    },
    // "Save plan" is what the change board reviews: the helper's plan too, not an unelevated read.
    async planText(input) {
      return renderPlan(await helperPlan(input), input.answers, hostSpec);
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
