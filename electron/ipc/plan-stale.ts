import { InputError } from '../engine/errors.js';

/** What the person sees when the machine changed between Review and Install. */
export const PLAN_STALE_MESSAGE = 'The machine changed since this plan was made: review the new plan.';

/** PLAN_STALE in the wizard's words, with what differs (one line each). */
export const stalePlanError = (difference: readonly string[]) =>
  new InputError(
    'PLAN_STALE',
    [PLAN_STALE_MESSAGE, ...difference].join('\n'),
    [],
    'Go back to Review: the plan there is computed again for the machine as it is now.',
  );

/** The session's PLAN_STALE (CLI wording: first line, then the difference) for the wizard. */
export function asWizardStale(e: unknown): unknown {
  if (!(e instanceof InputError) || e.code !== 'PLAN_STALE') return e;
  return stalePlanError(e.message.split('\n').slice(1));
}
