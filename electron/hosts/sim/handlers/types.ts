import type { Action, ActionKind, ActionOf } from '../../../engine/actions/index.js';
import type { Query, QueryResults } from '../../../engine/queries.js';
import type { ApplyContext, ApplyResult } from '../../../engine/host.js';
import type { SimState } from '../state.js';

/** Applies one action kind to the simulated machine (mutating `state`). */
export type SimActionHandler<K extends ActionKind = ActionKind> = (
  state: SimState,
  action: ActionOf<K>,
  ctx: ApplyContext,
) => ApplyResult | void | Promise<ApplyResult | void>;

/** Answers one query kind from the simulated machine. */
export type SimQueryHandler<K extends Query['kind'] = Query['kind']> = (
  state: SimState,
  query: Extract<Query, { kind: K }>,
) => QueryResults[K] | Promise<QueryResults[K]>;

export type SimActionHandlers = { [K in ActionKind]?: SimActionHandler<K> };
export type SimQueryHandlers = { [K in Query['kind']]?: SimQueryHandler<K> };
export type { Action };
