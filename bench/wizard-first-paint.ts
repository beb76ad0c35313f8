/**
 * First paint of the wizard in Debian's Chromium: the built renderer served with main's CSP by the
 * test bridge (real IPC router and engine over the sim host), cold page loads in one browser.
 * Prints first-contentful-paint and the time until the Welcome heading is in the page. The target
 * is under 300 ms. Run: npx tsx bench/wizard-first-paint.ts [loads]
 */
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { startBridge, writeSimState } from '../test/renderer/bridge/bridge.js';

const loads = Number(process.argv[2] ?? 7);
const work = await mkdtemp(path.join(tmpdir(), 'qatrack-paint-'));
try {
  const rendererDir = path.join(work, 'renderer');
  await build({
    configFile: path.resolve('renderer/vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: rendererDir },
  });
  const simState = path.join(work, 'state.json');
  await mkdir(work, { recursive: true });
  await writeSimState(simState, { thumbprint: 'A9'.repeat(20), dnsNames: ['qatrack'] });
  const bridge = await startBridge({ rendererDir, workDir: work, simState });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    headless: true,
  });
  const fcp: number[] = [];
  const heading: number[] = [];
  // Calibration: a one-line page on the same browser, to tell the wizard's cost from the machine's load.
  const calibration: number[] = [];
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto('data:text/html,<p>calibration</p>');
    await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint').length > 0);
    calibration.push(
      await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]!.startTime),
    );
    await context.close();
  }
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    await bridge.attach(page);
    await page.goto(bridge.url);
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    const t = await page.evaluate(() => ({
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN,
      // The heading is there now; its paint is the next frame.
      heading: performance.now(),
    }));
    fcp.push(t.fcp);
    heading.push(t.heading);
    await context.close();
  }
  await browser.close();
  await bridge.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const f = (xs: number[]) =>
    `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;
  console.log(`wizard first paint, ${loads} cold loads at 1024x768 in Debian Chromium`);
  console.log(`  first-contentful-paint:    ${f(fcp)}`);
  console.log(`  Welcome heading in page:   ${f(heading)} (upper bound: measured after Playwright saw it)`);
  console.log(`  calibration (one-line page): ${f(calibration)}`);
  const js = (await readdir(path.join(rendererDir, 'assets'))).filter((n) => n.endsWith('.js'));
  let bytes = 0;
  for (const n of js) bytes += (await stat(path.join(rendererDir, 'assets', n))).size;
  console.log(`  renderer JavaScript:       ${(bytes / 1024).toFixed(0)} KiB in ${js.length} file(s)`);
  console.log(
    `  load average now:          ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${cpus().length} cores`,
  );
  console.log(`  target: first paint under 300 ms -> ${median(fcp) < 300 ? 'met' : 'NOT met'}`);
} finally {
  await rm(work, { recursive: true, force: true });
}
