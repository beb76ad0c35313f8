import { createInterface } from 'node:readline';
import { execa } from 'execa';

export interface RunOptions {
  cwd?: string;
  /** Added to the installer's environment. */
  env?: Record<string, string>;
  /** Prefixes of variables of ours that the child must not inherit (added `env` is kept). */
  envStrip?: readonly string[];
  /** Written to stdin, then stdin is closed. */
  input?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  onLine?(line: string): void;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The program does not exist or is not executable. */
  notFound: boolean;
  /** Stopped because of the signal or the time limit. */
  aborted: boolean;
  timedOut: boolean;
}

/**
 * The environment for a child: ours without QATRACK_SECRET_* (secrets given to the installer through
 * the environment must not leak into pip, Django or the long-running workers) and without variables
 * starting with any of `strip`, plus `extra`.
 */
export function childEnv(
  extra: Record<string, string> = {},
  strip: readonly string[] = [],
): Record<string, string> {
  const env: Record<string, string> = {};
  const drop = ['QATRACK_SECRET_', ...strip];
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !drop.some((p) => k.startsWith(p))) env[k] = v;
  }
  return { ...env, ...extra };
}

/** Grace period between SIGTERM and SIGKILL when a run is cancelled. */
const KILL_GRACE_MS = 3_000;

/** Signal a whole process group (the child was started as its leader), ignoring races with exit. */
export function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    /* already gone */
  }
}

/**
 * Run a program with an argv array (never a shell). The child leads its own process group so that
 * cancel and time-outs stop everything it started, not only the child itself.
 */
export async function runProgram(
  file: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  const child = execa(file, args, {
    cwd: opts.cwd,
    env: childEnv(opts.env, opts.envStrip),
    extendEnv: false,
    input: opts.input,
    stdin: opts.input === undefined ? 'ignore' : 'pipe',
    detached: true,
    reject: false,
    stripFinalNewline: false,
    maxBuffer: 64 * 1024 * 1024,
  });
  let aborted = false;
  let timedOut = false;
  let forceTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (!child.pid) return;
    killGroup(child.pid, 'SIGTERM');
    forceTimer = setTimeout(() => child.pid && killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
  };
  const onAbort = () => {
    aborted = true;
    stop();
  };
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          stop();
        }, opts.timeoutMs);
  if (opts.onLine) {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream)
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (l: string) => opts.onLine?.(l));
    }
  }
  try {
    const result = await child;
    const notFound =
      (result as { code?: string }).code === 'ENOENT' || (result as { code?: string }).code === 'EACCES';
    return {
      exitCode: result.exitCode ?? (notFound ? 127 : 1),
      stdout: typeof result.stdout === 'string' ? result.stdout : '',
      stderr: typeof result.stderr === 'string' ? result.stderr : '',
      notFound,
      aborted,
      timedOut,
    };
  } finally {
    if (timer) clearTimeout(timer);
    if (forceTimer) clearTimeout(forceTimer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
