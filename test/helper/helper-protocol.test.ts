import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HelperServer } from '../../electron/helper/server.js';

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

  it('refuses a raw action list, whatever the request is called, running nothing', async () => {
    const h = await connectedHelper('refuse');
    const marker = path.join(h.dir, 'should-not-exist');
    const apply = await h.link.sendRaw((id) => ({
      type: 'apply',
      id,
      actions: [{ kind: 'mkdir', describe: 'make a folder', path: marker }],
    }));
    expect(apply.ok).toBe(false);
    expect(apply.error?.code).toBe('HELPER_ACTION_LIST_REFUSED');
    // A plan request smuggling actions beside the answers is refused the same way.
    const smuggled = await h.link.sendRaw((id) => ({
      type: 'plan',
      id,
      mode: 'install',
      release: '3.1.1.4',
      answers: answersFor(h.dir),
      secrets,
      actions: [{ kind: 'exec', describe: 'run a shell', file: '/bin/sh', args: ['-c', 'id'] }],
    }));
    expect(smuggled.error?.code).toBe('HELPER_ACTION_LIST_REFUSED');
    // The old protocol's requests are gone: named in the refusal, never served.
    const query = await h.link.sendRaw((id) => ({
      type: 'query',
      id,
      query: { kind: 'exec', file: '/bin/sh' },
    }));
    expect(query.error?.code).toBe('HELPER_REQUEST_INVALID');
    expect(query.error?.message).toMatch(/"query"/);
    expect(existsSync(marker)).toBe(false);
    h.link.close();
    expect(await h.exited).toBe(0);
  });

  it('applies only plans it made itself: an unknown hash is refused before any host is opened', async () => {
    const h = await connectedHelper('unknown');
    const r = await h.link.run({
      mode: 'install',
      answers: answersFor(h.dir),
      secrets,
      approvedPlanSha256: 'ab'.repeat(32),
    }).done;
    expect(r.ok).toBe(false);
    expect(r.error?.code).toBe('HELPER_PLAN_UNKNOWN');
    h.link.close();
    expect(await h.exited).toBe(0);
  });

  it('ignores lines that are not valid protocol messages and keeps serving', async () => {
    const h = await connectedHelper('garbage');
    // No request id to answer: logged and dropped (these two promises never settle before close).
    void h.link.sendRaw(() => 'not an object' as never);
    void h.link.sendRaw(() => ({ type: 'apply', id: 'x', actions: 'rm -rf /' }));
    const r = await h.link.run({
      mode: 'install',
      answers: answersFor(h.dir),
      secrets,
      approvedPlanSha256: 'cd'.repeat(32),
    }).done;
    expect(r.error?.code).toBe('HELPER_PLAN_UNKNOWN');
    const log = await readFile(h.logFile, 'utf8');
    expect(log).toMatch(/refused a message from the app/);
    h.link.close();
    expect(await h.exited).toBe(0);
  });

  it('exits when the app side disconnects, even mid-session', async () => {
    const h = await connectedHelper('exit');
    h.server.close().catch(() => undefined);
    h.link.close();
    expect(await h.exited).toBe(0);
  });
});
