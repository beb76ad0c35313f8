import type { Action } from '../../engine/actions/index.js';
import { InstallerError } from '../../engine/errors.js';
import type { Query, QueryResult } from '../../engine/queries.js';
import { Redactor } from '../../engine/redactor.js';
import { HostActionError, type ApplyContext, type ApplyResult, type Host } from '../../engine/host.js';
import { SimConcurrency } from './concurrency.js';
import { takeFault } from './faults.js';
import { simActionHandlers, simQueryHandlers } from './handlers/index.js';
import type { SimActionHandler, SimQueryHandler } from './handlers/types.js';
import { loadSimState, lockSimState, saveSimState } from './store.js';
import type { SimState } from './state.js';

export interface SimHostOptions {
  /** Plan/verify: read the state, never lock or write it. */
  readOnly?: boolean;
  /** Who holds the state's lock, named when another run is refused (e.g. "run X (install)"). */
  owner?: string;
}

export interface SimHost extends Host {
  readonly kind: 'sim';
  readonly file: string;
  /** The live state (tests read it; steps never do). */
  readonly state: SimState;
}

/** What an exec fault with an exit code means, given the action's ok and reboot codes. */
function execFaultResult(
  action: Extract<Action, { kind: 'exec' }>,
  exitCode: number,
  message: string,
): ApplyResult {
  if (action.rebootExitCodes?.includes(exitCode)) return { rebootRequired: true };
  if ((action.okExitCodes ?? [0]).includes(exitCode)) return {};
  throw new HostActionError('EXEC_FAILED', `"${action.describe}" exited with code ${exitCode}: ${message}`, {
    exitCode,
  });
}

/**
 * A simulated Windows Server whose state lives in a JSON file: actions change it, queries read it,
 * successive runs see each other's changes. Saved atomically after every action (a killed run keeps
 * what it did, like a real machine) and on close.
 */
export async function createSimHost(file: string, options: SimHostOptions = {}): Promise<SimHost> {
  const release = options.readOnly ? undefined : await lockSimState(file, options.owner);
  let state: SimState;
  try {
    state = loadSimState(file);
  } catch (e) {
    await release?.();
    throw e;
  }
  const redactor = new Redactor();
  let dirty = false;
  // Cleared before the write: an action that lands while another's save is under way saves again.
  const save = async () => {
    if (options.readOnly || !dirty) return;
    dirty = false;
    await saveSimState(file, state, redactor);
  };
  const concurrency = new SimConcurrency(() => state);
  // An injected fault is taken when the action runs (after any wait), as a real failure would be.
  const applyOne = async (handler: SimActionHandler, action: Action, ctx: ApplyContext) => {
    const fault = takeFault(state, action);
    if (fault) {
      if (action.kind === 'exec' && fault.exitCode !== undefined) {
        const result = execFaultResult(action, fault.exitCode, fault.message);
        const applied = (await handler(state, action, ctx)) ?? {};
        if (result.rebootRequired) state.rebootRequired = true;
        return { ...applied, ...result };
      }
      throw new HostActionError('SIM_FAULT', `"${action.describe}" failed: ${fault.message}`, {
        hint: 'This fault was injected into the sim state; run repair to continue.',
      });
    }
    return (await handler(state, action, ctx)) ?? {};
  };

  return {
    kind: 'sim',
    platform: 'win32',
    file,
    get state() {
      return state;
    },

    async query<Q extends Query>(query: Q): Promise<QueryResult<Q>> {
      const handler = simQueryHandlers[query.kind] as SimQueryHandler<Q['kind']> | undefined;
      if (!handler)
        throw new InstallerError(
          'SIM_UNSUPPORTED',
          `The sim host cannot answer "${query.kind}" queries yet.`,
        );
      return await handler(state, query as never);
    },

    async apply(action: Action, ctx: ApplyContext): Promise<ApplyResult> {
      if (options.readOnly)
        throw new InstallerError(
          'SIM_READ_ONLY',
          'This sim host was opened read-only (plan/verify) and cannot apply actions.',
        );
      for (const v of ctx.secrets.values()) redactor.add(v);
      const handler = simActionHandlers[action.kind] as SimActionHandler | undefined;
      if (!handler)
        throw new InstallerError(
          'SIM_UNSUPPORTED',
          `The sim host cannot apply "${action.kind}" actions yet.`,
        );
      try {
        return await concurrency.run(action, ctx.signal, () => applyOne(handler, action, ctx));
      } finally {
        // Marked after the change, so a save started meanwhile by another action cannot clear it.
        dirty = true;
        await save();
      }
    },

    async close() {
      try {
        await save();
      } finally {
        await release?.();
      }
    },
  };
}
