import { chmod, cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import writeFileAtomic from 'write-file-atomic';
import type { ActionOf } from '../../engine/actions/index.js';
import { renderTemplatedText, resolveValue } from '../../engine/secret-text.js';
import { HostActionError, type ApplyContext, type ApplyResult } from '../../engine/host.js';
import { copyVerified } from '../copy-verified.js';
import { extractArchive } from './extract.js';
import { queryHttp } from './queries.js';
import { runProgram } from './run.js';
import type { Supervisor } from './supervisor.js';

/** Turn a file-system error into a message that names the path and what to do. */
export function fsError(err: unknown, what: string, target: string): HostActionError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return new HostActionError(
      'PATH_NOT_WRITABLE',
      `Cannot ${what} ${target}: permission denied (${code}).`,
      {
        hint: 'Choose a folder the installer may write to, or run it with the needed rights.',
      },
    );
  if (code === 'ENOENT')
    return new HostActionError('PATH_MISSING', `Cannot ${what} ${target}: it does not exist.`);
  if (code === 'ENOSPC')
    return new HostActionError('DISK_FULL', `Cannot ${what} ${target}: the disk is full.`);
  return new HostActionError('FILE_ERROR', `Cannot ${what} ${target}: ${(err as Error).message}`);
}

export async function applyMkdir(a: ActionOf<'mkdir'>): Promise<ApplyResult> {
  await mkdir(a.path, { recursive: true }).catch((e: unknown) => {
    throw fsError(e, 'create folder', a.path);
  });
  if (a.mode !== undefined)
    await chmod(a.path, a.mode).catch((e: unknown) => {
      throw fsError(e, 'set the mode of', a.path);
    });
  return {};
}

export async function applyWriteFile(a: ActionOf<'writeFile'>, ctx: ApplyContext): Promise<ApplyResult> {
  const content = renderTemplatedText(a.content, ctx.secrets);
  try {
    await mkdir(path.dirname(a.path), { recursive: true });
    await writeFileAtomic(a.path, content, { mode: a.mode, encoding: 'utf8' });
  } catch (e) {
    throw fsError(e, 'write', a.path);
  }
  return {};
}

export async function applyRemove(a: ActionOf<'remove'>): Promise<ApplyResult> {
  await rm(a.path, { recursive: a.recursive, force: true }).catch((e: unknown) => {
    throw fsError(e, 'remove', a.path);
  });
  return {};
}

export async function applyCopy(a: ActionOf<'copy'>): Promise<ApplyResult> {
  if (a.sha256) {
    await copyVerified(a.from, a.to, a.sha256, path.posix).catch((e: unknown) => {
      throw e instanceof HostActionError ? e : fsError(e, 'copy to', a.to);
    });
    return {};
  }
  try {
    await mkdir(path.dirname(a.to), { recursive: true });
    await cp(a.from, a.to, { recursive: true, force: true });
  } catch (e) {
    throw fsError(e, 'copy to', a.to);
  }
  return {};
}

export async function applyExtract(a: ActionOf<'extract'>, python: string): Promise<ApplyResult> {
  try {
    await extractArchive(a.archive, a.dest, a.stripComponents, python);
  } catch (e) {
    if (e instanceof HostActionError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !(e as NodeJS.ErrnoException).path?.startsWith(a.dest))
      throw new HostActionError('ARCHIVE_MISSING', `The release archive ${a.archive} does not exist.`, {
        hint: 'Check paths.sourceArchive or the bundle folder.',
      });
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM') throw fsError(e, 'extract into', a.dest);
    throw new HostActionError('ARCHIVE_UNREADABLE', `Could not unpack ${a.archive}: ${(e as Error).message}`);
  }
  return {};
}

const lastLines = (text: string, n = 8) => text.trimEnd().split('\n').slice(-n).join('\n');

export async function applyExec(a: ActionOf<'exec'>, ctx: ApplyContext): Promise<ApplyResult> {
  const args = a.args.map((v) => resolveValue(v, ctx.secrets));
  const env = a.env
    ? Object.fromEntries(Object.entries(a.env).map(([k, v]) => [k, resolveValue(v, ctx.secrets)]))
    : undefined;
  const input = a.stdin ? renderTemplatedText(a.stdin, ctx.secrets) : undefined;
  const r = await runProgram(a.file, args, {
    cwd: a.cwd,
    env,
    envStrip: a.envStrip,
    input,
    signal: ctx.signal,
    timeoutMs: a.timeoutMs ?? ctx.timeoutMs,
    onLine: (line) => ctx.onOutput(line),
  });
  if (r.notFound)
    throw new HostActionError(
      'PROGRAM_MISSING',
      `${a.describe}: ${a.file} does not exist or is not executable.`,
      {
        exitCode: 127,
      },
    );
  if (r.timedOut)
    throw new HostActionError(
      'ACTION_TIMEOUT',
      `${a.describe}: no result after ${a.timeoutMs ?? ctx.timeoutMs} ms.`,
    );
  if (r.aborted) throw new HostActionError('CANCELLED', `${a.describe}: cancelled.`);
  if ((a.rebootExitCodes ?? []).includes(r.exitCode)) return { rebootRequired: true };
  if (!(a.okExitCodes ?? [0]).includes(r.exitCode))
    throw new HostActionError(
      'EXEC_FAILED',
      `${a.describe}: exit code ${r.exitCode}.\n${lastLines(r.stderr || r.stdout)}`,
      { exitCode: r.exitCode },
    );
  return {};
}

export async function applyService(a: ActionOf<'service'>, supervisor: Supervisor): Promise<ApplyResult> {
  switch (a.op) {
    case 'ensure':
      if (!a.spec) throw new HostActionError('SERVICE_SPEC_MISSING', `${a.describe}: "ensure" needs a spec.`);
      await supervisor.ensure(a.spec);
      break;
    case 'start':
      await supervisor.start(a.name);
      break;
    case 'stop':
      await supervisor.stop(a.name);
      break;
    case 'restart':
      await supervisor.restart(a.name);
      break;
    case 'remove':
      await supervisor.remove(a.name);
      break;
  }
  return {};
}

export async function applyWaitHttp(a: ActionOf<'waitHttp'>, ctx: ApplyContext): Promise<ApplyResult> {
  const limit = Math.min(a.timeoutMs, ctx.timeoutMs);
  const deadline = Date.now() + limit;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (ctx.signal.aborted) throw new HostActionError('CANCELLED', `${a.describe}: cancelled.`);
    const r = await queryHttp(a.url, a.hostHeader, 5_000);
    if (r.ok && a.expectStatus.includes(r.status)) return {};
    last = r.ok ? `HTTP ${r.status}` : r.error;
    await sleep(250);
  }
  throw new HostActionError(
    'HTTP_TIMEOUT',
    `${a.describe}: ${a.url} did not answer within ${limit} ms (${last}).`,
    {
      hint: 'Look at the service logs in the data folder.',
    },
  );
}
