import type { Action } from '../../engine/actions/index.js';
import type { SimState } from './state.js';

type Fault = SimState['faults'][number];

/**
 * Takes the first fault matching the action (kind and/or describe text) and uses one of its `times`;
 * a used-up fault is removed, so a later repair succeeds.
 */
export function takeFault(state: SimState, action: Action): Fault | undefined {
  const i = state.faults.findIndex(
    (f) =>
      (f.kind === undefined || f.kind === action.kind) &&
      (f.describeIncludes === undefined || action.describe.includes(f.describeIncludes)),
  );
  if (i < 0) return undefined;
  const fault = state.faults[i]!;
  if (fault.times <= 1) state.faults.splice(i, 1);
  else state.faults[i] = { ...fault, times: fault.times - 1 };
  return fault;
}
