import type { Action } from './actions/index.js';
import type { Query, QueryResult } from './queries.js';
import type { SecretStore } from './secrets.js';

export type HostKind = 'windows' | 'sim' | 'posix';
/** Path and naming conventions of the target machine (sim simulates Windows). */
export type TargetPlatform = 'win32' | 'posix';

export interface ApplyContext {
  /** Resolves SecretRefs in the action. Only hosts see secret values. */
  secrets: SecretStore;
  /** Aborted on cancel or per-action timeout. */
  signal: AbortSignal;
  /** Per-action time limit in ms (the action's own timeoutMs wins). */
  timeoutMs: number;
  /** Output lines of the action (the runner redacts them before logging). */
  onOutput(line: string): void;
}

export interface ApplyResult {
  /** The action succeeded but the machine needs a reboot (msiexec 3010). */
  rebootRequired?: boolean;
}

/** Error a host throws when an action fails; `code` is stable for support. */
export class HostActionError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details: { exitCode?: number; hint?: string } = {},
  ) {
    super(message);
    this.name = 'HostActionError';
  }
}

export interface Host {
  readonly kind: HostKind;
  readonly platform: TargetPlatform;
  /** Read the machine. Never changes anything. */
  query<Q extends Query>(query: Q): Promise<QueryResult<Q>>;
  /** Converge one action. Throws HostActionError on failure. */
  apply(action: Action, ctx: ApplyContext): Promise<ApplyResult>;
  /** Persist state (sim) and release resources. */
  close(): Promise<void>;
}
