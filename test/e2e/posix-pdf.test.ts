import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfRenderResultSchema } from '../../electron/engine/pdf-result.js';
import { PDF_REQUEST_FILE, pdfResultFile, WORKER_SCRIPT } from '../../electron/steps/windows/workerScript.js';
import {
  cli,
  freePortRange,
  missingTools,
  prepareSite,
  teardownSite,
  writeAnswers,
  type Site,
} from '../support/posix-site.js';

/**
 * PDF reports on the real posix install: QATrack+'s renderer (the fixture's chrometopdf, built as
 * upstream's qatrack_core/utils.py) runs Debian's Chromium with upstream's command line, as the
 * workers run, and `verify` reads the result with poppler's pdfinfo and pdftotext.
 */
const CHROMIUM = '/usr/bin/chromium';
const missing =
  (await missingTools()) ??
  (!existsSync(CHROMIUM) ? 'chromium is not installed (apt-get install chromium)' : undefined) ??
  (!existsSync('/usr/bin/pdfinfo') ? 'pdfinfo is not installed (apt-get install poppler-utils)' : undefined);
if (missing && process.env.CI === 'true') throw new Error(`posix PDF e2e cannot run in CI: ${missing}`);

// The last one: repair prints the drift it found (the old state) before its closing checks.
const pdfLine = (out: string) =>
  out
    .split('\n')
    .filter((l) => /[✓✗] PDF reports render/.test(l))
    .at(-1) ?? '(no PDF line)';

describe.skipIf(missing !== undefined)('PDF reports on the posix install (real Chromium, pdfinfo)', () => {
  let site: Site;
  let withChrome: (chromePath: string, name: string) => Promise<string>;

  beforeAll(async () => {
    site = await prepareSite();
    withChrome = (chromePath, name) =>
      writeAnswers(site, name, (a) => {
        a.chrome = { mode: 'path', path: chromePath };
      });
  }, 300_000);
  afterAll(() => teardownSite(site), 120_000);

  it('install, then verify renders a one-page PDF holding the test text, with upstream’s Chrome command line', async () => {
    const answers = await withChrome(CHROMIUM, 'chromium');
    const install = await cli(site, ['install', '--yes'], answers);
    expect(install.exitCode, install.all).toBe(0);
    const r = await cli(site, ['verify'], answers);
    expect(r.exitCode, r.all).toBe(0);
    expect(pdfLine(r.stdout)).toMatch(
      /✓ PDF reports render \(Chrome, as the workers run it\): .*installer-pdf-check\.pdf: 1 page, \d+ bytes, rendered with \/usr\/bin\/chromium/,
    );
    const reports = path.join(site.dataDir, 'media', 'reports');
    // Upstream leaves each `<name>_<id>.html.pdf` behind; the check removes its own.
    expect((await readdir(reports)).sort()).toEqual(['installer-pdf-check.pdf']);
    // Chrome's stderr went where QATrack+ sends it: LOG_ROOT/report-stderr.txt.
    expect(await readFile(path.join(site.dataDir, 'logs', 'report-stderr.txt'), 'utf8')).toMatch(
      /bytes written to file .*installer-check_/,
    );
  }, 600_000);

  it("the Windows worker program's PDF watcher renders on request inside a running worker (real Django, Chromium)", async () => {
    // WORKER_SCRIPT is what each Windows worker service runs; here on the installed venv and source.
    const dir = path.join(site.root, 'win-worker');
    await mkdir(dir, { recursive: true });
    const script = path.join(dir, 'qatrack_worker.py');
    await writeFile(script, WORKER_SCRIPT);
    const port = await freePortRange(1);
    const logs = path.join(site.dataDir, 'logs');
    const child = execa(
      path.join(site.installDir, 'venv', 'bin', 'python'),
      [
        script,
        '--source',
        path.join(site.installDir, 'qatrackplus'),
        '--port',
        String(port),
        '--pdf-check-dir',
        logs,
      ],
      { reject: false, env: { DJANGO_SETTINGS_MODULE: 'qatrack.settings' } },
    );
    try {
      // The request as the Windows pdfCheck script writes it (electron/hosts/windows/scripts.ts).
      const id = 'a1b2c3d4e5f6';
      await writeFile(path.join(logs, PDF_REQUEST_FILE), JSON.stringify({ id, marker: 'win-marker-42' }));
      const result = path.join(logs, pdfResultFile(id));
      const deadline = Date.now() + 90_000;
      while (!existsSync(result) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
      const out = pdfRenderResultSchema.parse(JSON.parse(await readFile(result, 'utf8')));
      expect(out.problem, out.error ?? out.stderr).toBeUndefined();
      expect(out.chrome).toBe(CHROMIUM);
      const info = await execa('pdfinfo', [out.pdf!]);
      expect(info.stdout).toMatch(/^Pages:\s+1$/m);
      expect((await execa('pdftotext', ['-l', '1', out.pdf!, '-'])).stdout).toContain('win-marker-42');
      // Claimed and answered: no request left for another worker.
      expect(existsSync(path.join(logs, PDF_REQUEST_FILE))).toBe(false);
    } finally {
      child.kill('SIGTERM');
      await child;
    }
  }, 180_000);

  it('Chrome missing: verify fails and names CHROME_PATH', async () => {
    const answers = await withChrome('/opt/google/chrome/chrome-not-here', 'missing');
    // Repair rewrites CHROME_PATH and ends with the checks: the PDF one fails, so does the run.
    expect((await cli(site, ['repair', '--yes'], answers)).exitCode).toBe(1);
    const r = await cli(site, ['verify'], answers);
    expect(r.exitCode).toBe(1);
    expect(pdfLine(r.stdout)).toContain(
      '✗ PDF reports render (Chrome, as the workers run it): Chrome is missing: CHROME_PATH /opt/google/chrome/chrome-not-here is not an executable file',
    );
  }, 300_000);

  it('Chrome crashing: verify fails with what Chrome wrote to stderr', async () => {
    // The real Chromium under an address-space limit it cannot start in (it dies with SIGSEGV).
    const crash = path.join(site.root, 'chromium-crashing');
    await writeFile(crash, `#!/bin/sh\nulimit -v 200000\nexec ${CHROMIUM} "$@"\n`);
    await chmod(crash, 0o755);
    const answers = await withChrome(crash, 'crash');
    const r = await cli(site, ['repair', '--yes'], answers);
    expect(r.exitCode).toBe(1);
    const line = pdfLine(r.stdout);
    expect(line).toMatch(
      /✗ PDF reports render .*: Chrome did not make a PDF \(OSError: chrome '.*chromium-crashing' executable not found\); Chrome said: /,
    );
    expect(line).toContain('report-stderr.txt');
  }, 300_000);

  it('a blank PDF: a page without the report text is called blank', async () => {
    // The real Chromium printing about:blank instead of the report page ($4 is --print-to-pdf=...).
    const blank = path.join(site.root, 'chromium-blank');
    await writeFile(
      blank,
      `#!/bin/sh\nexec ${CHROMIUM} --headless --disable-gpu --no-sandbox "$4" about:blank\n`,
    );
    await chmod(blank, 0o755);
    const answers = await withChrome(blank, 'blank');
    const r = await cli(site, ['repair', '--yes'], answers);
    expect(r.exitCode).toBe(1);
    expect(pdfLine(r.stdout)).toContain('Chrome wrote a blank PDF: 1 page without the test page');
  }, 300_000);

  it('a data folder with a space is refused before anything changes (exit 64)', async () => {
    const answers = await writeAnswers(site, 'spaces', (a) => {
      a.chrome = { mode: 'path', path: CHROMIUM };
      a.paths.dataDir = path.join(site.root, 'QATrack Data');
    });
    const r = await cli(site, ['plan'], answers);
    expect(r.exitCode).toBe(64);
    expect(r.stderr).toMatch(/must not contain spaces while PDF reports are on/);
    expect(existsSync(path.join(site.root, 'QATrack Data'))).toBe(false);
  }, 120_000);
});
