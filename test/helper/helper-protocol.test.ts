import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelperServer, type HelperConnection } from '../../electron/helper/server.js';
import { createPosixHost } from '../../electron/hosts/posix/host.js';

// The secret test needs the real posix host (built on the posix branch) to run actions.
const posixHostReady = (() => {
  try {
    void createPosixHost().close();
    return true;
  } catch {
    return false;
  }
})();

/**
 * The helper protocol for real: the test plays the app (HelperServer on a Unix socket), the helper
 * is the real entry started as its own process, exactly as main starts it (minus the UAC prompt).
 */
const CANARY = 'Canary-pw "quote" %x% 7Zq!';
const children: ChildProcess[] = [];
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'qatrack-helper-test-'));
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

function spawnHelper(pipe: string, tokenFile: string, logFile: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'electron/helper/cli.ts',
      '--qatrack-helper',
      '--pipe',
      pipe,
      '--token-file',
      tokenFile,
      '--log',
      logFile,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited };
}

async function connectedHelper(name: string) {
  const dir = await mkdtemp(path.join(root, name + '-'));
  const server = await HelperServer.listen(dir);
  const tokenFile = await server.writeTokenFile();
  const logFile = path.join(dir, 'helper.log');
  const h = spawnHelper(server.pipe, tokenFile, logFile);
  const link = await server.waitForHelper(20_000);
  return { ...h, server, link, dir, logFile, tokenFile };
}

function answersFor(dir: string) {
  return {
    release: '3.1.1.4',
    paths: { installDir: path.join(dir, 'install'), dataDir: path.join(dir, 'data') },
    python: { arch: 'x64', executable: '/usr/bin/python3' },
    database: {
      engine: 'postgresql',
      server: 'localhost',
      name: 'qatrack',
      login: { user: 'qatrack', password: { $secret: 'database.login.password' } },
      readonlyLogin: { user: 'qatrack_reports', password: { $secret: 'database.readonlyLogin.password' } },
    },
    admin: { username: 'admin', email: 'a@b.org', password: { $secret: 'admin.password' } },
    site: { hostNames: ['localhost'], httpPort: 8080 },
  };
}
const secrets = {
  'database.login.password': CANARY,
  'database.readonlyLogin.password': 'Reports-pw-2026',
  'admin.password': CANARY + '-admin',
};

async function configure(link: HelperConnection, dir: string) {
  // Strip refs: the helper gets answers with refs and values separately, then validates both.
  const c = await link.configure(answersFor(dir), secrets);
  return c;
}

describe('elevated helper protocol (Unix socket, real helper process)', () => {
  it('deletes the token file and is accepted with the right token', async () => {
    const h = await connectedHelper('ok');
    expect(h.link.pid).toBe(h.child.pid);
    expect(existsSync(h.tokenFile)).toBe(false);
    h.link.close();
    expect(await h.exited).toBe(0);
  });

  it('refuses a helper that presents the wrong token, and it exits', async () => {
    const dir = await mkdtemp(path.join(root, 'wrong-'));
    const server = await HelperServer.listen(dir);
    const forged = path.join(dir, 'forged-token');
    await writeFile(forged, 'ab'.repeat(32));
    const h = spawnHelper(server.pipe, forged, path.join(dir, 'helper.log'));
    const waited = server.waitForHelper(3_000).then(
      () => 'accepted',
      (e: Error) => e.message,
    );
    expect(await h.exited).toBe(0); // hung up on, nothing to serve
    expect(await waited).toMatch(/did not connect/);
    expect(server.refused).toBe(1);
    await server.close();
  });

  it('writes nothing to a client before it proved itself and drops a raw wrong hello', async () => {
    const dir = await mkdtemp(path.join(root, 'raw-'));
    const server = await HelperServer.listen(dir);
    void server.waitForHelper(5_000).catch(() => undefined);
    const received: Buffer[] = [];
    const closed = new Promise<void>((resolve) => {
      const s = connect(server.pipe, () =>
        s.write(JSON.stringify({ type: 'hello', token: 'cd'.repeat(32), pid: 1 }) + '\n'),
      );
      s.on('data', (d) => received.push(d));
      s.on('close', () => resolve());
    });
    await closed;
    expect(Buffer.concat(received).length).toBe(0);
    expect(server.refused).toBe(1);
    await server.close();
  });

  it('refuses unknown action kinds and executables outside the allow-list, running nothing', async () => {
    const h = await connectedHelper('refuse');
    const cfg = await configure(h.link, h.dir);
    // The host may not be buildable yet on this branch; refusals must happen before any host call anyway.
    const marker = path.join(h.dir, 'should-not-exist');
    const unknown = await h.link.apply([
      { kind: 'mkdir', describe: 'make a folder', path: marker },
      { kind: 'formatDisk', describe: 'format C:' },
    ]);
    expect(unknown.ok).toBe(false);
    expect(unknown.failedIndex).toBe(1);
    expect(cfg.ok).toBe(true);
    expect(unknown.error?.code).toBe('HELPER_ACTION_KIND_REFUSED');
    {
      const shell = await h.link.apply([
        { kind: 'exec', describe: 'run a shell', file: '/bin/sh', args: ['-c', 'id'] },
      ]);
      expect(shell.error?.code).toBe('HELPER_EXECUTABLE_REFUSED');
      const traversal = await h.link.apply([
        {
          kind: 'exec',
          describe: 'escape the venv',
          file: path.join(h.dir, 'install/venv/bin/../../../../bin/sh'),
        },
      ]);
      expect(traversal.error?.code).toBe('HELPER_EXECUTABLE_REFUSED');
      const service = await h.link.apply([
        {
          kind: 'service',
          describe: 'evil service',
          op: 'ensure',
          name: 'x',
          spec: { name: 'x', file: '/bin/sh' },
        },
      ]);
      expect(service.error?.code).toBe('HELPER_EXECUTABLE_REFUSED');
      const q = await h.link.query({ kind: 'exec', file: '/bin/sh', args: ['-c', 'id'] });
      expect(q.error?.code).toBe('HELPER_EXECUTABLE_REFUSED');
    }
    expect(existsSync(marker)).toBe(false);
    h.link.close();
    expect(await h.exited).toBe(0);
  });

  it('ignores lines that are not valid protocol messages and keeps serving', async () => {
    const h = await connectedHelper('garbage');
    h.link.sendRaw('not an object');
    h.link.sendRaw({ type: 'apply', id: 'x', actions: 'rm -rf /' });
    const r = await h.link.apply([{ kind: 'nope', describe: 'x' }]);
    expect(r.ok).toBe(false);
    const log = await readFile(h.logFile, 'utf8');
    expect(log).toMatch(/refused a message from the app/);
    h.link.close();
    expect(await h.exited).toBe(0);
  });

  it('exits when the app side disconnects, even mid-session', async () => {
    const h = await connectedHelper('exit');
    await configure(h.link, h.dir);
    h.server.close().catch(() => undefined);
    h.link.close();
    expect(await h.exited).toBe(0);
  });

  it.skipIf(!posixHostReady && process.env.CI !== 'true')(
    'never writes a secret to its log or sends one back, even from program output',
    async () => {
      const h = await connectedHelper('secret');
      const cfg = await configure(h.link, h.dir);
      expect(cfg.ok).toBe(true);
      {
        const venvBin = path.join(h.dir, 'install', 'venv', 'bin');
        await mkdir(venvBin, { recursive: true });
        await symlink('/usr/bin/python3', path.join(venvBin, 'python'));
        const target = path.join(h.dir, 'data', 'local_settings.py');
        await mkdir(path.dirname(target), { recursive: true });
        const lines: string[] = [];
        const r = await h.link.apply(
          [
            {
              kind: 'writeFile',
              describe: 'Write settings',
              path: target,
              content: ['PASSWORD = "', { $secret: 'database.login.password', encode: 'python-str' }, '"\n'],
            },
            {
              kind: 'exec',
              describe: 'Echo stdin',
              file: path.join(venvBin, 'python'),
              args: ['-c', 'import sys; print(sys.stdin.read()); sys.exit(3)'],
              stdin: [{ $secret: 'database.login.password' }],
            },
          ],
          (line) => lines.push(line),
        );
        expect(await readFile(target, 'utf8')).toContain('Canary-pw');
        expect(r.ok).toBe(false); // exit 3
        expect(JSON.stringify([lines, r])).not.toContain(CANARY);
        expect(lines.join('\n')).toContain('***');
      }
      h.link.close();
      expect(await h.exited).toBe(0);
      const log = await readFile(h.logFile, 'utf8');
      expect(log.length).toBeGreaterThan(0);
      expect(log).not.toContain(CANARY);
      expect(log).not.toContain('Canary-pw');
    },
  );
});
