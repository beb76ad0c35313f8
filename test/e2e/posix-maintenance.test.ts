import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answers } from '../../electron/engine/answers/index.js';
import { computeLayout, type Layout } from '../../electron/engine/layout.js';
import {
  MAINTENANCE_PAGE,
  nginxPaths,
  renderMaintenancePage,
  renderNginxConfig,
} from '../../electron/steps/posix/nginx-config.js';
import { freePortRange, get } from '../support/posix-site.js';

/**
 * The upgrade's maintenance switch through the real nginx: old site -> maintenance page -> new
 * site, each by a graceful reload (SIGHUP: "changing configuration, keeping up with a changed time
 * zone ... starting new worker processes with a new configuration, graceful shutdown of old worker
 * processes", nginx.org/en/docs/control.html). The two upstreams are plain Node HTTP servers that
 * stand in for the old and the new release's workers (only nginx is under test here).
 */
const NGINX = '/usr/sbin/nginx';

type Seen = { t: number; kind: 'old' | 'maintenance' | 'new' | 'other'; detail: string };

describe.skipIf(!existsSync(NGINX))('maintenance page during an upgrade (real nginx)', () => {
  let root: string;
  let layout: Layout;
  let nginx: ResultPromise | undefined;
  const upstreams: http.Server[] = [];
  let httpPort: number;
  let oldPort: number;
  let newPort: number;

  const serve = (port: number, body: string) =>
    new Promise<void>((resolve) => {
      const s = http.createServer((_req, res) =>
        res.writeHead(200, { 'content-type': 'text/plain' }).end(body),
      );
      upstreams.push(s);
      s.listen(port, '127.0.0.1', resolve);
    });

  const writeConfig = async (workerPort: number, maintenance: boolean) => {
    await writeFile(
      nginxPaths(layout).conf,
      renderNginxConfig({
        layout,
        httpPort,
        hostNames: ['qatrack.test'],
        workerPorts: [workerPort],
        runAsRoot: process.getuid?.() === 0,
        maxBodyBytes: 100 * 1024 * 1024,
        ...(maintenance ? { maintenanceDir: path.join(layout.proxyDir, 'maintenance') } : {}),
      }),
    );
    const args = ['-p', layout.proxyDir, '-c', nginxPaths(layout).conf, '-e', nginxPaths(layout).errorLog];
    await execa(NGINX, ['-t', ...args]);
    return args;
  };

  const reload = async () => {
    const pid = Number((await readFile(nginxPaths(layout).pid, 'utf8')).trim());
    process.kill(pid, 'SIGHUP');
  };

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'qatrack-maint-'));
    layout = computeLayout(
      {
        paths: { installDir: path.join(root, 'app'), dataDir: path.join(root, 'data') },
        python: {},
        backup: {},
      } as unknown as Answers,
      'posix',
    );
    for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
      await mkdir(path.join(nginxPaths(layout).temp, d), { recursive: true });
    await mkdir(layout.logDir, { recursive: true });
    await mkdir(layout.staticRoot, { recursive: true });
    await mkdir(path.join(layout.proxyDir, 'maintenance'), { recursive: true });
    await writeFile(
      path.join(layout.proxyDir, 'maintenance', MAINTENANCE_PAGE),
      renderMaintenancePage('3.1.1.4', '3.1.1.5'),
    );
    await writeFile(path.join(layout.staticRoot, 'tux.txt'), 'static');
    const base = await freePortRange(3);
    [httpPort, oldPort, newPort] = [base, base + 1, base + 2];
    await serve(oldPort, 'old-site');
    await serve(newPort, 'new-site');
  });

  afterAll(async () => {
    // nginx runs in the foreground (daemon off): its master is the child we started; stop it by pid.
    if (nginx?.pid) process.kill(nginx.pid, 'SIGQUIT');
    await nginx?.catch(() => undefined);
    for (const s of upstreams) s.close();
    await rm(root, { recursive: true, force: true });
  });

  it('a probe every 100 ms sees only the old site, the 503 maintenance page, then the new site', async () => {
    const args = await writeConfig(oldPort, false);
    nginx = execa(NGINX, args, { reject: false });
    for (let i = 0; i < 50 && !(await get(httpPort, '/').catch(() => undefined)); i++) await sleep(100);

    const seen: Seen[] = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const t = Date.now();
        const r = await get(httpPort, '/qa/').catch((e: Error) => ({
          status: 0,
          body: Buffer.from(e.message),
          headers: {},
        }));
        const body = r.body.toString();
        const kind =
          r.status === 200 && body === 'old-site'
            ? 'old'
            : r.status === 200 && body === 'new-site'
              ? 'new'
              : r.status === 503 && body.includes('QATrack+ is being upgraded')
                ? 'maintenance'
                : 'other';
        seen.push({ t, kind, detail: `${r.status} ${body.slice(0, 80)}` });
        await sleep(100);
      }
    })();
    await sleep(500);
    await writeConfig(oldPort, true);
    await reload();
    // While in maintenance: the page is plain HTML from nginx, static files are still served.
    for (let i = 0; i < 50 && !seen.some((s) => s.kind === 'maintenance'); i++) await sleep(100);
    const page = await get(httpPort, '/accounts/login/');
    expect(page.status).toBe(503);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['retry-after']).toBe('120');
    expect((await get(httpPort, '/static/tux.txt')).body.toString()).toBe('static');
    await sleep(1000); // the upgrade's backup..health check
    await writeConfig(newPort, false);
    await reload();
    for (let i = 0; i < 50 && seen.at(-1)?.kind !== 'new'; i++) await sleep(100);
    await sleep(300);
    probing = false;
    await probe;

    expect(seen.filter((s) => s.kind === 'other')).toEqual([]);
    const kinds = seen.map((s) => s.kind).filter((k, i, a) => k !== a[i - 1]);
    expect(kinds).toEqual(['old', 'maintenance', 'new']);
    const m = seen.filter((s) => s.kind === 'maintenance');
    console.log(
      `[maintenance] probes ${seen.length}, maintenance window ${m.at(-1)!.t - m[0]!.t} ms (${m.length} probes)`,
    );
  }, 60_000);
});
