import os from 'node:os';
import path from 'node:path';
import type { Action } from '../../engine/actions/index.js';
import type { Query, QueryResult, QueryResults } from '../../engine/queries.js';
import { HostActionError, type ApplyContext, type ApplyResult, type Host } from '../../engine/host.js';
import {
  applyCopy,
  applyExec,
  applyExtract,
  applyMkdir,
  applyRemove,
  applyService,
  applyWaitHttp,
  applyWriteFile,
} from './actions.js';
import type { SecretStore } from '../../engine/secrets.js';
import { queryDatabase } from './database.js';
import { queryPort } from './ports.js';
import { queryFile, queryHttp, queryListDir, queryOs } from './queries.js';
import { runProgram } from './run.js';
import { Supervisor } from './supervisor.js';

export interface PosixHostOptions {
  /**
   * Where supervised services keep `spec.json` and `pid.json` (one folder per service), stable across
   * CLI runs. The CLI passes the layout's `servicesDir`. Default: $QATRACK_POSIX_RUN_DIR, else
   * ~/.local/state/qatrack-installer/services.
   */
  runDir?: string;
  /** Python used to unpack .zip archives (default /usr/bin/python3). */
  python?: string;
  /** Resolves the SecretRefs of `database` queries (the login's password). */
  secrets?: SecretStore;
}

export const defaultRunDir = () =>
  process.env.QATRACK_POSIX_RUN_DIR ??
  path.join(
    process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state'),
    'qatrack-installer',
    'services',
  );

/** Real execution on Linux/macOS for the steps that run anywhere, plus workers and nginx. */
export function createPosixHost(options: PosixHostOptions = {}): Host {
  const supervisor = new Supervisor(options.runDir ?? defaultRunDir());
  const python = options.python ?? '/usr/bin/python3';
  const secrets: SecretStore = options.secrets ?? { get: () => undefined, values: () => [] };

  async function answer(q: Query): Promise<QueryResults[keyof QueryResults]> {
    switch (q.kind) {
      case 'file':
        return queryFile(q.path, q.content, q.sha256);
      case 'listDir':
        return queryListDir(q.path);
      case 'exec': {
        const r = await runProgram(q.file, q.args, {
          cwd: q.cwd,
          env: q.env,
          timeoutMs: q.timeoutMs ?? 120_000,
        });
        return r.notFound
          ? { exitCode: 127, stdout: '', stderr: r.stderr, notFound: true }
          : { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
      }
      case 'service':
        return supervisor.query(q.name);
      case 'port':
        return queryPort(q.port, q.address);
      case 'http':
        return queryHttp(q.url, q.hostHeader, q.timeoutMs);
      case 'product':
        return { installed: false };
      case 'fact':
        return { known: false };
      case 'os':
        return queryOs();
      case 'database':
        return queryDatabase(q, secrets);
      case 'windows':
        return { supported: false };
    }
  }

  return {
    kind: 'posix',
    platform: 'posix',
    async query<Q extends Query>(q: Q): Promise<QueryResult<Q>> {
      return (await answer(q)) as QueryResult<Q>;
    },
    async apply(action: Action, ctx: ApplyContext): Promise<ApplyResult> {
      switch (action.kind) {
        case 'exec':
          return applyExec(action, ctx);
        case 'mkdir':
          return applyMkdir(action);
        case 'writeFile':
          return applyWriteFile(action, ctx);
        case 'remove':
          return applyRemove(action);
        case 'copy':
          return applyCopy(action);
        case 'extract':
          return applyExtract(action, python);
        case 'service':
          return applyService(action, supervisor);
        case 'waitHttp':
          return applyWaitHttp(action, ctx);
        default:
          throw new HostActionError(
            'ACTION_UNSUPPORTED',
            `"${action.kind}" actions exist only on Windows; the posix host cannot run: ${action.describe}`,
            { hint: 'Use --host windows on a Windows Server, or --host sim:FILE to preview.' },
          );
      }
    },
    async close() {},
  };
}
