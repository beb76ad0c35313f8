import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeLayout } from '../../electron/engine/layout.js';
import { resolveRelease } from '../../electron/engine/release.js';
import type { StepContext } from '../../electron/engine/step.js';
import { createPosixHost } from '../../electron/hosts/posix/host.js';
import { nginxPaths } from '../../electron/steps/posix/nginx-config.js';
import { probeProxy } from '../../electron/steps/posix/proxy.js';
import { workerPorts } from '../../electron/steps/posix/names.js';
import { serviceDefs } from '../../electron/steps/windows/services.js';
import { siteWebConfig } from '../../electron/steps/windows/webConfig.js';
import { exampleAnswers, testCatalog } from '../support/engine-context.js';
import { freePortRange } from '../support/posix-site.js';

/**
 * Issue 10 item 7 on posix (QATrack+ #690): site.maxUploadMB sets nginx's client_max_body_size,
 * the same byte count as IIS's maxAllowedContentLength and cheroot's max_request_body_size on
 * Windows. The configuration is the proxy step's own (probeProxy on the posix host), served by the
 * real nginx on loopback; plain Node HTTP servers stand in for the workers and count what reaches
 * them (only nginx is under test here).
 */
const NGINX = '/usr/sbin/nginx';
const LIMIT_MB = 1;
const LIMIT = LIMIT_MB * 1024 * 1024;

describe.skipIf(!existsSync(NGINX))('upload limit through the real nginx (posix)', () => {
  let root: string;
  let ctx: StepContext;
  let config: string;
  let nginx: ResultPromise | undefined;
  let httpPort: number;
  const upstreams: http.Server[] = [];
  /** Body sizes that reached a worker. */
  const received: number[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'qatrack-upload-'));
    const base = await freePortRange(3);
    httpPort = base;
    const { answers, secrets } = exampleAnswers((a) => {
      a.paths = { installDir: path.join(root, 'app'), dataDir: path.join(root, 'data') };
      a.site.httpPort = httpPort;
      a.site.https = { enabled: false };
      a.site.maxUploadMB = LIMIT_MB;
      a.workers = { count: 2, basePort: base };
    });
    const layout = computeLayout(answers, 'posix');
    ctx = {
      answers,
      secrets,
      host: createPosixHost({ runDir: path.join(root, 'run') }),
      layout,
      release: resolveRelease(answers, layout, testCatalog()),
    };
    ({ config } = await probeProxy(ctx));
    for (const { port } of workerPorts(ctx)) {
      const s = http.createServer((req, res) => {
        let n = 0;
        req.on('data', (c: Buffer) => (n += c.length));
        req.on('end', () => {
          received.push(n);
          res.writeHead(200, { 'content-type': 'text/plain' }).end(String(n));
        });
      });
      upstreams.push(s);
      await new Promise<void>((resolve) => s.listen(port, '127.0.0.1', resolve));
    }
    const paths = nginxPaths(layout);
    for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
      await mkdir(path.join(paths.temp, d), { recursive: true });
    await mkdir(layout.logDir, { recursive: true });
    await writeFile(paths.conf, config);
    const args = ['-p', layout.proxyDir, '-c', paths.conf, '-e', paths.errorLog];
    await execa(NGINX, ['-t', '-q', ...args]);
    nginx = execa(NGINX, args, { reject: false });
    for (let i = 0; i < 50; i++) {
      const up = await post(Buffer.alloc(1)).catch(() => undefined);
      if (up?.status === 200) break;
      await sleep(100);
    }
    received.length = 0;
  });

  afterAll(async () => {
    // nginx runs in the foreground (daemon off): its master is the child we started; stop it by pid.
    if (nginx?.pid) process.kill(nginx.pid, 'SIGQUIT');
    await nginx?.catch(() => undefined);
    for (const s of upstreams) s.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function post(body: Buffer | Readable) {
    const res = await request(`http://127.0.0.1:${httpPort}/qa/upload/`, {
      method: 'POST',
      headers: { host: 'qatrack.hospital.local', 'content-type': 'application/octet-stream' },
      body,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    return { status: res.statusCode, body: await res.body.text() };
  }

  it('the one answer gives nginx, IIS and cheroot the same byte count', () => {
    expect(config).toContain(`client_max_body_size ${LIMIT};`);
    expect(siteWebConfig(ctx.answers)).toContain(`maxAllowedContentLength="${LIMIT}"`);
    const windowsWorkers = serviceDefs(ctx.answers, computeLayout(ctx.answers, 'win32')).filter(
      (d) => d.port,
    );
    expect(windowsWorkers.length).toBeGreaterThan(0);
    for (const w of windowsWorkers) {
      const args = w.spec.arguments;
      expect(args[args.indexOf('--max-body') + 1]).toBe(String(LIMIT));
    }
  });

  it('a body of exactly the limit reaches a worker whole', async () => {
    const r = await post(Buffer.alloc(LIMIT, 0x61));
    expect(r.status).toBe(200);
    expect(r.body).toBe(String(LIMIT));
    expect(received).toEqual([LIMIT]);
  });

  it('one byte over the limit (Content-Length) gets 413 from nginx and never reaches a worker', async () => {
    received.length = 0;
    const r = await post(Buffer.alloc(LIMIT + 1, 0x61));
    expect(r.status).toBe(413);
    expect(r.body).toMatch(/413 Request Entity Too Large[\s\S]*nginx/);
    expect(received).toEqual([]);
  });

  it('a chunked body over the limit (no Content-Length) gets 413 as well', async () => {
    received.length = 0;
    const chunks = Array.from({ length: 5 }, () => Buffer.alloc(LIMIT / 4, 0x62));
    const r = await post(Readable.from(chunks));
    expect(r.status).toBe(413);
    expect(received).toEqual([]);
  });
});
