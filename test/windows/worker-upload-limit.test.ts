import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnswers } from '../../electron/engine/answers/index.js';
import { serviceDefs } from '../../electron/steps/windows/services.js';
import { siteWebConfig } from '../../electron/steps/windows/webConfig.js';
import { WORKER_SCRIPT } from '../../electron/steps/windows/workerScript.js';
import { computeLayout } from '../../electron/engine/layout.js';
import { tempDir } from '../support/engine-context.js';
import { testWheelhouse } from '../support/fixture.js';
import { exampleAnswers } from '../support/windows-sim.js';

/**
 * Issue 10 item 7 (QATrack+ #690): one answer, site.maxUploadMB, sets IIS's maxAllowedContentLength
 * and the worker's cheroot max_request_body_size. The worker program runs for real here: the
 * installer's WORKER_SCRIPT on python3 with the cheroot CherryPy 18.0.1 allows, from the test wheelhouse, on 127.0.0.1
 * and a free port, answering a tiny WSGI app that stands in for qatrack.wsgi.
 */

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

describe('upload limit: one answer for IIS and cheroot', () => {
  it('web.config and the worker services carry the same byte count', () => {
    const { answers } = exampleAnswers((r) => (r.site.maxUploadMB = 250));
    const bytes = String(250 * 1024 * 1024);
    expect(siteWebConfig(answers)).toContain(`maxAllowedContentLength="${bytes}"`);
    const workers = serviceDefs(answers, computeLayout(answers, 'win32')).filter((d) => d.port);
    for (const w of workers) {
      const args = w.spec.arguments;
      expect(args[args.indexOf('--max-body') + 1]).toBe(bytes);
    }
  });

  it('maxUploadMB outside 1..4095 is refused naming the field', () => {
    const raw = JSON.parse(JSON.stringify(exampleAnswers().answers));
    const r = loadAnswers({ ...raw, site: { ...raw.site, maxUploadMB: 5000 } });
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.issues.map((i) => `${i.path}: ${i.message}`).join('\n')).toMatch(/site\.maxUploadMB: .*4095/);
  });

  describe('the real worker program on cheroot', () => {
    let child: ReturnType<typeof execa> | undefined;
    let port = 0;
    beforeAll(async () => {
      const { wheels } = await testWheelhouse();
      const pick = (prefix: string) => {
        const f = readdirSync(wheels).find((x) => x.startsWith(prefix));
        if (!f) throw new Error(`${prefix} wheel missing from ${wheels}`);
        return path.join(wheels, f);
      };
      const dir = tempDir();
      const src = path.join(dir, 'src');
      mkdirSync(path.join(src, 'qatrack'), { recursive: true });
      writeFileSync(path.join(src, 'qatrack', '__init__.py'), '');
      writeFileSync(
        path.join(src, 'qatrack', 'wsgi.py'),
        [
          'def application(environ, start_response):',
          "    body = environ['wsgi.input'].read()",
          "    start_response('200 OK', [('Content-Type', 'text/plain')])",
          '    return [str(len(body)).encode()]',
          '',
        ].join('\n'),
      );
      const script = path.join(dir, 'qatrack_worker.py');
      writeFileSync(script, WORKER_SCRIPT);
      // Wheels are zip files; unpack them with Python's own zipfile (jaraco is a namespace package,
      // which zipimport does not assemble).
      const site = path.join(dir, 'site');
      for (const w of [pick('cheroot-'), pick('jaraco_functools-'), pick('more_itertools-')])
        await execa('python3', ['-m', 'zipfile', '-e', w, site]);
      port = await freePort();
      child = execa(
        'python3',
        [
          script,
          '--source',
          src,
          '--address',
          '127.0.0.1',
          '--port',
          String(port),
          '--max-body',
          String(1024 * 1024),
        ],
        {
          env: {
            PYTHONPATH: site,
            PYTHONNOUSERSITE: '1',
          },
          extendEnv: false,
          reject: false,
        },
      );
      for (let i = 0; i < 100; i++) {
        const up = await request(`http://127.0.0.1:${port}/`).then(
          async (r) => (await r.body.text(), true),
          () => false,
        );
        if (up) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`worker did not start: ${(await child.catch((e) => e)).stderr ?? ''}`);
    }, 60_000);
    afterAll(async () => {
      // Stopped by its PID, with Ctrl+C's signal as WinSW stops it on Windows.
      if (child?.pid && child.exitCode === null) process.kill(child.pid, 'SIGINT');
      await child;
    });

    it('takes a body under the limit', async () => {
      const r = await request(`http://127.0.0.1:${port}/upload`, {
        method: 'POST',
        body: Buffer.alloc(1000, 97),
      });
      expect(r.statusCode).toBe(200);
      expect(await r.body.text()).toBe('1000');
    });

    it('answers 413 for a body over the limit', async () => {
      const r = await request(`http://127.0.0.1:${port}/upload`, {
        method: 'POST',
        body: Buffer.alloc(1024 * 1024 + 1, 97),
      }).catch((e: Error) => e);
      if (r instanceof Error) throw r;
      expect(r.statusCode).toBe(413);
      await r.body.text();
    });

    it("prints that it listens (WinSW's out.log) and exits 0 on Ctrl+C's signal", async () => {
      process.kill(child!.pid!, 'SIGINT');
      const done = await child!;
      expect(done.stdout).toBe(`QATrack+ worker listening on http://127.0.0.1:${port}/`);
      expect(done.exitCode).toBe(0);
    });
  });
});
