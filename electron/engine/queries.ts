import type { SecretRef } from './secrets.js';

/**
 * Queries are how steps read the machine (probe, verify). Like actions they are plain data, so the
 * `sim` host can answer them from its state file and the `windows`/`posix` hosts from the real machine.
 * Each query kind maps to its result type in `QueryResults`.
 */

export interface FileQuery {
  kind: 'file';
  path: string;
  /** Also return the content as UTF-8 (small text files only). */
  content?: boolean;
  /** Also return the SHA-256 of the content. */
  sha256?: boolean;
}
export type FileResult =
  | { exists: false }
  | {
      exists: true;
      type: 'file' | 'dir';
      size: number;
      content?: string;
      sha256?: string;
      writable?: boolean;
    };

export interface ListDirQuery {
  kind: 'listDir';
  path: string;
}
export type ListDirResult =
  { exists: false } | { exists: true; entries: { name: string; type: 'file' | 'dir' }[] };

/**
 * Run a read-only program (e.g. `python -c ...`) and capture its output. Never used to change state.
 * On `sim`, the answer comes from the fact named by `simFact` (set by an exec action's `produces`),
 * or from the sim's built-in knowledge of the program; otherwise `{exitCode: 127}`.
 */
export interface ExecQuery {
  kind: 'exec';
  file: string;
  args: string[];
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  simFact?: string;
}
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The program does not exist. */
  notFound?: boolean;
}

export interface ServiceQuery {
  kind: 'service';
  name: string;
}
export type ServiceResult =
  | { exists: false }
  | {
      exists: true;
      state: 'running' | 'stopped';
      /** SHA-256 of the service definition as last ensured, to detect drift. */
      specHash?: string;
      pid?: number;
    };

export interface PortQuery {
  kind: 'port';
  port: number;
  address?: string;
}
export type PortResult =
  | { inUse: false }
  | { inUse: true; owner?: { pid?: number; process?: string; service?: string; iisSite?: string } };

export interface HttpQuery {
  kind: 'http';
  url: string;
  hostHeader?: string;
  timeoutMs?: number;
}
export type HttpResult =
  { ok: true; status: number; headers: Record<string, string>; body: string } | { ok: false; error: string };

export interface ProductQuery {
  kind: 'product';
  /** Catalog id or a display-name pattern, e.g. "python-3.9" or "msodbcsql17". */
  id: string;
}
export type ProductResult =
  { installed: false } | { installed: true; version: string; name?: string; location?: string };

export interface FactQuery {
  kind: 'fact';
  key: string;
}
export type FactResult = { known: false } | { known: true; value: unknown };

/** The machine's identity, used by preflight and to pick paths. */
export interface OsQuery {
  kind: 'os';
}
export interface OsResult {
  platform: 'win32' | 'linux' | 'darwin';
  release: string;
  /** e.g. "Windows Server 2022 Datacenter" or "Debian GNU/Linux 12". */
  name: string;
  arch: 'x64' | 'x86' | 'arm64';
  elevated: boolean;
  hostname: string;
  /** Windows time-zone id (e.g. "W. Europe Standard Time") or IANA name on posix. */
  timeZone: string;
  freeDiskBytes?: number;
  pendingReboot?: boolean;
}

/**
 * Prove the database side works before anything changes (posix: PostgreSQL through the host's own
 * client): connect as `user` to `database`, then, for `createTable`, create a table inside a
 * transaction that is rolled back (nothing stays). The password is a SecretRef the host resolves.
 * A failure carries the server's SQLSTATE (PostgreSQL Appendix A, "Error Codes"): 3D000 no such
 * database, 28P01/28000 login refused, 42501 no privilege.
 */
export interface DatabaseQuery {
  kind: 'database';
  engine: 'postgresql';
  server: string;
  port?: number;
  database: string;
  user: string;
  password: SecretRef;
  checks: 'createTable'[];
}
export type DatabaseResult =
  | { supported: false }
  | { supported: true; ok: true; serverVersion?: string }
  | {
      supported: true;
      ok: false;
      /** Where it failed: the connection, or the named check. */
      stage: 'connect' | 'createTable';
      sqlstate?: string;
      /** The server's or client's message (never holds the password: the host redacts it). */
      message: string;
    };

/**
 * Windows-specific queries (IIS, SQL, firewall, registry, scheduled tasks, certificates...).
 * Owned by the Windows step catalog; `posix` answers `{supported:false}`.
 */
export interface WindowsQuery {
  kind: 'windows';
  topic: string;
  args?: Record<string, unknown>;
}
export type WindowsResult = { supported: false } | { supported: true; value: unknown };

export type Query =
  | FileQuery
  | ListDirQuery
  | ExecQuery
  | ServiceQuery
  | PortQuery
  | HttpQuery
  | ProductQuery
  | FactQuery
  | OsQuery
  | DatabaseQuery
  | WindowsQuery;

export interface QueryResults {
  file: FileResult;
  listDir: ListDirResult;
  exec: ExecResult;
  service: ServiceResult;
  port: PortResult;
  http: HttpResult;
  product: ProductResult;
  fact: FactResult;
  os: OsResult;
  database: DatabaseResult;
  windows: WindowsResult;
}
export type QueryResult<Q extends Query> = QueryResults[Q['kind']];
