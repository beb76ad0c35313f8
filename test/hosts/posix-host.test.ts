import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionSchema, type ActionInput } from '../../electron/engine/actions/index.js';
import { serviceSpecHash } from '../../electron/engine/actions/spec-hash.js';
import { MapSecretStore } from '../../electron/engine/secrets.js';
import { HostActionError, type Host } from '../../electron/engine/host.js';
import { createPosixHost } from '../../electron/hosts/posix/host.js';

const CANARY = `Can'ary"\\%^&! pw`;
const secrets = new MapSecretStore([['admin.password', CANARY]]);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const waitFor = async (cond: () => boolean | Promise<boolean>, ms = 10_000) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
};

describe('posix host', () => {
  let dir: string;
  let host: Host;
  const lines: string[] = [];
  const apply = (a: ActionInput, signal = new AbortController().signal, timeoutMs = 60_000) =>
    host.apply(actionSchema.parse(a), { secrets, signal, timeoutMs, onOutput: (l) => lines.push(l) });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'qatrack-host-'));
    host = createPosixHost({ runDir: path.join(dir, 'run') });
  });
  afterAll(async () => {
    for (const name of ['svc-a'])
      await apply({ kind: 'service', op: 'remove', name, describe: 'cleanup' }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('exec resolves SecretRefs only in the child (stdin and env), streams output lines', async () => {
    lines.length = 0;
    const script = path.join(dir, 'echo.py');
    await writeFile(
      script,
      'import hashlib, os, sys\nd = sys.stdin.read()\nprint("stdin", hashlib.sha256(d.encode()).hexdigest())\nprint("env", os.environ["PW"] == d)\nprint("secret-env-inherited", any(k.startswith("QATRACK_SECRET_") for k in os.environ))\n',
    );
    process.env.QATRACK_SECRET_ADMIN_PASSWORD = 'must-not-leak';
    try {
      await apply({
        kind: 'exec',
        describe: 'echo',
        file: '/usr/bin/python3',
        args: [script],
        env: { PW: { $secret: 'admin.password' } },
        stdin: [{ $secret: 'admin.password', encode: 'raw' }],
      });
    } finally {
      delete process.env.QATRACK_SECRET_ADMIN_PASSWORD;
    }
    expect(lines).toEqual([
      `stdin ${createHash('sha256').update(CANARY).digest('hex')}`,
      'env True',
      'secret-env-inherited False',
    ]);
  });

  it('a failing exec throws EXEC_FAILED with its exit code; a missing program PROGRAM_MISSING', async () => {
    const failed = await apply({
      kind: 'exec',
      describe: 'fail',
      file: '/usr/bin/python3',
      args: ['-c', 'import sys; sys.exit(3)'],
    }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(HostActionError);
    expect((failed as HostActionError).code).toBe('EXEC_FAILED');
    expect((failed as HostActionError).details.exitCode).toBe(3);
    const missing = await apply({
      kind: 'exec',
      describe: 'nope',
      file: path.join(dir, 'nope'),
      args: [],
    }).catch((e: unknown) => e);
    expect((missing as HostActionError).code).toBe('PROGRAM_MISSING');
  });

  it('cancel and timeout stop the whole process tree', async () => {
    const pidFile = path.join(dir, 'grandchild.pid');
    const script = `import subprocess, sys, time\np = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])\nopen(${JSON.stringify(pidFile)}, "w").write(str(p.pid))\ntime.sleep(60)\n`;
    const ac = new AbortController();
    const run = apply(
      { kind: 'exec', describe: 'sleep', file: '/usr/bin/python3', args: ['-c', script] },
      ac.signal,
    );
    expect(await waitFor(async () => (await readFile(pidFile, 'utf8').catch(() => '')) !== '')).toBe(true);
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    ac.abort();
    expect(((await run.catch((e: unknown) => e)) as HostActionError).code).toBe('CANCELLED');
    expect(await waitFor(() => !alive(grandchild))).toBe(true);

    const slow = await apply(
      {
        kind: 'exec',
        describe: 'slow',
        file: '/usr/bin/python3',
        args: ['-c', 'import time; time.sleep(30)'],
      },
      new AbortController().signal,
      300,
    ).catch((e: unknown) => e);
    expect((slow as HostActionError).code).toBe('ACTION_TIMEOUT');
  });

  it('writeFile renders secrets with their encoding, atomically, with the mode', async () => {
    const file = path.join(dir, 'sub', 'settings.py');
    await apply({
      kind: 'writeFile',
      describe: 'w',
      path: file,
      content: ['PW = "', { $secret: 'admin.password', encode: 'python-str' }, '"\n'],
      mode: 0o640,
    });
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    const { stdout } = await execa('python3', [
      '-c',
      `import runpy; print(runpy.run_path(${JSON.stringify(file)})["PW"])`,
    ]);
    expect(stdout).toBe(CANARY);
    const q = await host.query({ kind: 'file', path: file, sha256: true, content: true });
    expect(q).toMatchObject({ exists: true, type: 'file', writable: true });
    expect(q.exists && q.sha256).toBe(
      createHash('sha256')
        .update(`PW = "${CANARY.replace(/[\\'"]/g, '\\$&')}"\n`)
        .digest('hex'),
    );
  });

  it('extract: .tar.gz and .zip with the top folder stripped, keeping files the archive lacks', async () => {
    const src = path.join(dir, 'src', 'qatrackplus-1.0');
    await mkdir(path.join(src, 'qatrack'), { recursive: true });
    await writeFile(path.join(src, 'manage.py'), 'print(1)\n');
    await writeFile(path.join(src, 'qatrack', 'settings.py'), 'X = 2\n');
    const tgz = path.join(dir, 'rel.tar.gz');
    await tar.c({ gzip: true, file: tgz, cwd: path.join(dir, 'src') }, ['qatrackplus-1.0']);
    const zip = path.join(dir, 'rel.zip');
    await execa('python3', [
      '-c',
      `import shutil; shutil.make_archive(${JSON.stringify(zip.slice(0, -4))}, "zip", ${JSON.stringify(path.join(dir, 'src'))})`,
    ]);
    for (const archive of [tgz, zip]) {
      const dest = path.join(dir, `out-${path.extname(archive)}`);
      await mkdir(path.join(dest, 'qatrack'), { recursive: true });
      await writeFile(path.join(dest, 'qatrack', 'local_settings.py'), 'KEEP = 1\n');
      await apply({ kind: 'extract', describe: 'x', archive, dest, stripComponents: 1 });
      expect(await readFile(path.join(dest, 'manage.py'), 'utf8')).toBe('print(1)\n');
      expect(await readFile(path.join(dest, 'qatrack', 'settings.py'), 'utf8')).toBe('X = 2\n');
      expect(await readFile(path.join(dest, 'qatrack', 'local_settings.py'), 'utf8')).toBe('KEEP = 1\n');
    }
    const missing = await apply({
      kind: 'extract',
      describe: 'x',
      archive: path.join(dir, 'none.tar.gz'),
      dest: path.join(dir, 'o'),
      stripComponents: 1,
    }).catch((e: unknown) => e);
    expect((missing as HostActionError).code).toBe('ARCHIVE_MISSING');
  });

  it('services: ensure starts a detached process, query knows it, stop ends it, a changed spec restarts it', async () => {
    const spec = {
      name: 'svc-a',
      file: '/usr/bin/python3',
      args: ['-c', 'import time, os; print("up", os.getpid(), flush=True); time.sleep(600)'],
      logDir: path.join(dir, 'logs'),
    };
    await apply({ kind: 'service', op: 'ensure', name: 'svc-a', spec, describe: 'ensure' });
    const q1 = await host.query({ kind: 'service', name: 'svc-a' });
    expect(q1).toMatchObject({ exists: true, state: 'running', specHash: serviceSpecHash(spec) });
    const pid1 = q1.exists ? q1.pid! : 0;
    expect(alive(pid1)).toBe(true);
    expect(
      await waitFor(async () =>
        (await readFile(path.join(dir, 'logs', 'svc-a.log'), 'utf8').catch(() => '')).includes(`up ${pid1}`),
      ),
    ).toBe(true);
    expect(await readFile(`/proc/${pid1}/cmdline`, 'utf8')).toContain('time.sleep(600)');

    // ensure with the same spec changes nothing
    await apply({ kind: 'service', op: 'ensure', name: 'svc-a', spec, describe: 'ensure' });
    expect(await host.query({ kind: 'service', name: 'svc-a' })).toMatchObject({ pid: pid1 });

    // a changed spec restarts with the new definition
    const spec2 = { ...spec, env: { X: '1' } };
    await apply({ kind: 'service', op: 'ensure', name: 'svc-a', spec: spec2, describe: 'ensure' });
    const q2 = await host.query({ kind: 'service', name: 'svc-a' });
    expect(q2).toMatchObject({ state: 'running', specHash: serviceSpecHash(spec2) });
    expect(q2.exists && q2.pid).not.toBe(pid1);
    expect(await waitFor(() => !alive(pid1))).toBe(true);

    // a pid file pointing at another process (pid reuse) is not "running"
    const pidFile = path.join(dir, 'run', 'svc-a', 'pid.json');
    const saved = await readFile(pidFile, 'utf8');
    await writeFile(pidFile, JSON.stringify({ pid: process.pid, startTime: '1' }));
    expect(await host.query({ kind: 'service', name: 'svc-a' })).toMatchObject({ state: 'stopped' });
    await writeFile(pidFile, saved);

    await apply({ kind: 'service', op: 'stop', name: 'svc-a', describe: 'stop' });
    const pid2 = q2.exists ? q2.pid! : 0;
    expect(alive(pid2)).toBe(false);
    expect(await host.query({ kind: 'service', name: 'svc-a' })).toMatchObject({
      exists: true,
      state: 'stopped',
    });
    await apply({ kind: 'service', op: 'remove', name: 'svc-a', describe: 'remove' });
    expect(await host.query({ kind: 'service', name: 'svc-a' })).toEqual({ exists: false });
  });

  it('port query: a bound port is in use and names this process; a free one is not', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      expect(await host.query({ kind: 'port', port })).toEqual({
        inUse: true,
        owner: { pid: process.pid, process: expect.any(String) as string },
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await host.query({ kind: 'port', port })).toEqual({ inUse: false });
  });

  it('Windows-only actions are refused with a clear error; Windows queries are unsupported', async () => {
    const e = await apply({
      kind: 'firewall',
      describe: 'Open port 443',
      op: 'ensure',
      name: 'QATrack+ HTTPS',
      ports: [443],
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HostActionError);
    expect((e as HostActionError).code).toBe('ACTION_UNSUPPORTED');
    expect((e as HostActionError).message).toContain('Open port 443');
    expect(await host.query({ kind: 'windows', topic: 'iis' })).toEqual({ supported: false });
    expect(await host.query({ kind: 'product', id: 'python-3.9' })).toEqual({ installed: false });
    const osr = await host.query({ kind: 'os' });
    expect(osr.platform).toBe('linux');
    expect(osr.elevated).toBe(process.getuid?.() === 0);
  });
});
