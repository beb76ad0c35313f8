import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { serviceSpecSchema, type ServiceSpec } from '../../engine/actions/common.js';
import { serviceSpecHash } from '../../engine/actions/spec-hash.js';
import type { ServiceResult } from '../../engine/queries.js';
import { HostActionError } from '../../engine/host.js';
import { childEnv, killGroup } from './run.js';

/** How long a stopped service gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 5_000;

const pidFileSchema = z.object({
  pid: z.number().int().positive(),
  /** Start time from /proc/PID/stat (clock ticks since boot): tells a reused pid from ours. */
  startTime: z.string(),
});
type PidFile = z.infer<typeof pidFileSchema>;

/** Field 22 of /proc/PID/stat, or undefined when the process is gone. */
async function processStartTime(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  // The command name (field 2) may contain spaces and parentheses: split after its closing paren.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z') return undefined; // a zombie is not running
  return fields[19];
}

/**
 * A tiny process supervisor for posix "services": each one is a detached process leading its own
 * process group, with its definition (`spec.json`) and `pid.json` in `<runDir>/<name>/` so that
 * later CLI runs find it again. Output goes to `<logDir>/<name>.log`.
 */
export class Supervisor {
  constructor(private readonly runDir: string) {}

  private dir(name: string) {
    if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.'))
      throw new HostActionError('SERVICE_NAME_INVALID', `Service name "${name}" is not a plain file name.`);
    return path.join(this.runDir, name);
  }

  private async readSpec(name: string): Promise<ServiceSpec | undefined> {
    const raw = await readFile(path.join(this.dir(name), 'spec.json'), 'utf8').catch(() => undefined);
    if (raw === undefined) return undefined;
    const parsed = serviceSpecSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  private async readPid(name: string): Promise<PidFile | undefined> {
    const raw = await readFile(path.join(this.dir(name), 'pid.json'), 'utf8').catch(() => undefined);
    if (raw === undefined) return undefined;
    try {
      const parsed = pidFileSchema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : undefined;
    } catch {
      return undefined; // torn write from a killed run: treat as not running
    }
  }

  /** The recorded pid, only if that process is still the one we started. */
  private async livePid(name: string): Promise<number | undefined> {
    const rec = await this.readPid(name);
    if (!rec) return undefined;
    return (await processStartTime(rec.pid)) === rec.startTime ? rec.pid : undefined;
  }

  async query(name: string): Promise<ServiceResult> {
    const spec = await this.readSpec(name);
    if (!spec) return { exists: false };
    const pid = await this.livePid(name);
    return pid
      ? { exists: true, state: 'running', specHash: serviceSpecHash(spec), pid }
      : { exists: true, state: 'stopped', specHash: serviceSpecHash(spec) };
  }

  /** Write the definition and make sure the service runs it (restart when the definition changed). */
  async ensure(spec: ServiceSpec): Promise<void> {
    const old = await this.readSpec(spec.name);
    const changed = !old || serviceSpecHash(old) !== serviceSpecHash(spec);
    await mkdir(this.dir(spec.name), { recursive: true });
    if (changed) {
      await this.stop(spec.name);
      await writeFileAtomic(
        path.join(this.dir(spec.name), 'spec.json'),
        JSON.stringify(spec, null, 2) + '\n',
        {
          mode: 0o600,
        },
      );
    }
    await this.start(spec.name);
  }

  async start(name: string): Promise<void> {
    if (await this.livePid(name)) return;
    const spec = await this.readSpec(name);
    if (!spec)
      throw new HostActionError('SERVICE_MISSING', `Service ${name} is not defined on this machine.`, {
        hint: 'Run `repair` so the installer defines it again.',
      });
    const logDir = spec.logDir ?? path.join(this.dir(name), 'logs');
    await mkdir(logDir, { recursive: true });
    // node's spawn, not execa: execa pipes file output through this process, and a service must
    // own its log file descriptor so that it outlives the CLI run that started it.
    const logFd = openSync(path.join(logDir, `${name}.log`), 'a', 0o640);
    try {
      const child = spawn(spec.file, spec.args, {
        cwd: spec.cwd,
        env: childEnv(spec.env),
        detached: true,
        stdio: ['ignore', logFd, logFd],
      });
      const spawned = await new Promise<number | Error>((resolve) => {
        child.once('spawn', () => resolve(child.pid!));
        child.once('error', resolve);
      });
      if (spawned instanceof Error)
        throw new HostActionError(
          'SERVICE_START_FAILED',
          `Service ${name} could not start ${spec.file}: ${spawned.message}`,
          { hint: 'Check that the program exists and is executable.' },
        );
      const pid = spawned;
      child.unref();
      const startTime = await processStartTime(pid);
      if (!startTime)
        throw new HostActionError(
          'SERVICE_START_FAILED',
          `Service ${name} exited at once; see its log in ${logDir}.`,
        );
      await writeFileAtomic(path.join(this.dir(name), 'pid.json'), JSON.stringify({ pid, startTime }) + '\n');
    } finally {
      closeSync(logFd);
    }
  }

  /** SIGTERM the process group, SIGKILL after a grace period. By recorded pid only. */
  async stop(name: string): Promise<void> {
    const pid = await this.livePid(name);
    if (pid) {
      const rec = await this.readPid(name);
      killGroup(pid, 'SIGTERM');
      const deadline = Date.now() + STOP_GRACE_MS;
      while (Date.now() < deadline && (await processStartTime(pid)) === rec?.startTime) await sleep(100);
      if ((await processStartTime(pid)) === rec?.startTime) killGroup(pid, 'SIGKILL');
      // Members of the group may outlive the leader briefly (nginx workers): make sure they are gone.
      killGroup(pid, 'SIGKILL');
    }
    await rm(path.join(this.dir(name), 'pid.json'), { force: true });
  }

  async restart(name: string): Promise<void> {
    await this.stop(name);
    await this.start(name);
  }

  async remove(name: string): Promise<void> {
    await this.stop(name);
    await rm(this.dir(name), { recursive: true, force: true });
  }
}
