import type { Action } from '../engine/actions/index.js';
import type { Query, QueryResult } from '../engine/queries.js';
import {
  HostActionError,
  type ApplyContext,
  type ApplyResult,
  type Host,
  type HostKind,
  type TargetPlatform,
} from '../engine/host.js';
import type { HelperConnection } from './server.js';

/**
 * A Host whose work is done by the elevated helper: the runner in the unelevated app plans as usual
 * and every query and action crosses the pipe. Secrets went over once, in `configure`.
 */
export class RemoteHost implements Host {
  constructor(
    private readonly link: HelperConnection,
    readonly kind: HostKind,
    readonly platform: TargetPlatform,
  ) {}

  async query<Q extends Query>(query: Q): Promise<QueryResult<Q>> {
    const r = await this.link.query(query as unknown as Record<string, unknown>);
    if (!r.ok)
      throw new HostActionError(r.error?.code ?? 'HELPER_FAILED', r.error?.message ?? 'Query failed.');
    return r.value as QueryResult<Q>;
  }

  async apply(action: Action, ctx: ApplyContext): Promise<ApplyResult> {
    const r = await this.link.apply([action], (line) => ctx.onOutput(line));
    if (!r.ok) {
      throw new HostActionError(r.error?.code ?? 'HELPER_FAILED', r.error?.message ?? 'Action failed.', {
        ...(r.error?.hint ? { hint: r.error.hint } : {}),
      });
    }
    return { rebootRequired: r.rebootRequired };
  }

  close(): Promise<void> {
    this.link.close();
    return Promise.resolve();
  }
}
