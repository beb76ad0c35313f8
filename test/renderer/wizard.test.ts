import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineStep } from '../../electron/engine/step.js';
import { testProfile } from '../support/windows-sim.js';
import { startBridge, writeSimState, type Bridge } from './bridge/bridge.js';

/**
 * The wizard in Debian's Chromium against the real engine on a simulated Windows Server. Screenshots
 * of every page go to test-results/screenshots/.
 */
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const CANARY = 'Canary-pw "q" %x% 7Zq!';
const SHOTS = path.resolve('test-results/screenshots');
const available = existsSync(CHROMIUM);
// The Windows profile as the Windows sim tests run it (prerequisites + IIS/services/finish, with
// their stand-in for the common steps until those are composed into the profile).
// A last step whose probe can be held, so the test can press Cancel while a run is under way.
const hold = { armed: false, release: () => {}, reached: false };
const holdStep = defineStep({
  id: 'test-hold',
  title: 'Hold point (test)',
  dependsOn: testProfile.map((s) => s.id),
  async probe() {
    if (!hold.armed) return;
    hold.reached = true;
    await new Promise<void>((r) => (hold.release = r));
  },
  plan: () => [],
  planUninstall: () => [],
});
const steps = [...testProfile, holdStep];
const THUMBPRINT = 'A9'.repeat(20);
const BUNDLE = 'E:\\qatrack-bundle-3.1.1.4-x64';

let work: string;
let bridge: Bridge;
let context: BrowserContext;
let page: Page;
const cspViolations: string[] = [];

async function shot(name: string) {
  // Let Fluent's transitions (button states, accordion motion) settle so the picture shows the page.
  await page.waitForTimeout(400);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

const next = () => page.getByTestId('next');

/** A field by its label (required fields carry Fluent's " *" after the label text). */
const field = (label: string | RegExp) =>
  page
    .getByLabel(
      typeof label === 'string'
        ? new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\s*\\*)?$`)
        : label,
    )
    .first();

/** The message shown for a field: the text its input points at with aria-describedby. */
async function messageFor(label: string | RegExp): Promise<string> {
  const input = field(label);
  await expect.poll(() => input.getAttribute('aria-invalid')).toBe('true');
  const ids = (await input.getAttribute('aria-describedby')) ?? '';
  const texts = await Promise.all(
    ids
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => page.locator(`[id="${id}"]`).innerText()),
  );
  return texts.join(' ');
}

async function fill(label: string | RegExp, value: string) {
  await field(label).fill(value);
}

/** Bad input shows the schema's message next to the field and keeps Next disabled; good input clears it. */
async function expectRefused(label: string | RegExp, bad: string, message: RegExp, good: string) {
  await fill(label, bad);
  expect(await messageFor(label)).toMatch(new RegExp(message.source, 'i'));
  await expect.poll(() => next().isDisabled()).toBe(true);
  await fill(label, good);
  await expect.poll(() => field(label).getAttribute('aria-invalid')).not.toBe('true');
}

describe.skipIf(!available && process.env.CI !== 'true')('wizard in Chromium over the sim engine', () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'qatrack-wizard-'));
    await mkdir(SHOTS, { recursive: true });
    const rendererDir = path.join(work, 'renderer');
    await build({
      configFile: path.resolve('renderer/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: rendererDir },
    });
    const simState = path.join(work, 'sim', 'state.json');
    await mkdir(path.dirname(simState), { recursive: true });
    await writeSimState(simState, {
      thumbprint: THUMBPRINT,
      dnsNames: ['qatrack.hospital.local', 'qatrack'],
    });
    bridge = await startBridge({ rendererDir, workDir: work, simState, steps });
    context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
      executablePath: CHROMIUM,
      args: FLAGS,
      headless: true,
      viewport: { width: 1100, height: 820 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
    });
    await bridge.attach(page);
    await page.goto(bridge.url);
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await bridge?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('walks the whole install, shows progress to 100% and the finish page', async () => {
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    // Repair needs a previous install by the wizard.
    expect(await page.getByRole('radio', { name: /Repair/ }).isDisabled()).toBe(true);
    await shot('01-welcome');
    await next().click();

    await page.getByRole('heading', { name: 'Machine check' }).waitFor();
    await page.getByText('This machine is ready.').waitFor();
    await page.getByText('in use by IIS site "Default Web Site"').waitFor();
    await shot('02-machine-check');
    await next().click();

    await page.getByRole('heading', { name: 'Locations' }).waitFor();
    expect(await field('Program folder').inputValue()).toBe('C:\\QATrack');
    await expectRefused(
      'Program folder',
      'C:\\Program Files\\QATrack',
      /only ASCII letters, digits/,
      'C:\\QATrack',
    );
    await expectRefused(
      'Data folder',
      'C:\\QATrack\\data',
      /must not be inside installDir/i,
      'C:\\QATrackData',
    );
    await expectRefused('Offline bundle folder (optional)', 'bundle', /absolute path/, BUNDLE);
    await fill('Program folder', 'relative\\path');
    await messageFor('Program folder');
    await shot('03-locations-error');
    await fill('Program folder', 'C:\\QATrack');
    await expect.poll(() => next().isDisabled()).toBe(false);
    await shot('03-locations');
    await next().click();

    await page.getByRole('heading', { name: 'Database' }).waitFor();
    await expectRefused('Server name', 'bad host!', /host name/, 'sql01.hospital.local');
    await expectRefused('Instance (optional)', 'SQL]EXPRESS', /must start with a letter/, 'QATRACK');
    await expectRefused('Port (optional)', '70000', /1 to 65535/, '1433');
    await expectRefused('Database name', "qa'track", /ASCII letters, digits and "_"/, 'qatrackplus');
    await page.getByRole('radio', { name: 'SQL login' }).check();
    await expectRefused('SQL administrator login', '1sa', /must start with a letter/, 'sa_admin');
    await fill('SQL administrator password', 'Admin-Sql-pw-1');
    await fill('Confirm sql administrator password', 'Admin-Sql-pw-2');
    expect(await messageFor('Confirm sql administrator password')).toMatch(/do not match/);
    await page.getByRole('radio', { name: 'Windows account running the installer' }).check();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/Connected to SQL Server/).waitFor();
    await shot('04-database');
    await expect.poll(() => next().isDisabled()).toBe(false);
    await next().click();

    await page.getByRole('heading', { name: 'Accounts and passwords' }).waitFor();
    await expect.poll(() => next().isDisabled()).toBe(true); // passwords not set yet
    await expectRefused('Login name', 'qa track', /ASCII letters/, 'qatrack');
    await expectRefused('Read-only login name', 'qatrack', /must differ from login.user/, 'qatrack_reports');
    await expectRefused('User name', 'ad min', /Django user names/, 'admin');
    await expectRefused('E-mail', 'physics-at-hospital', /e-mail address/, 'physics@hospital.org');
    await fill('Login password', 'short');
    expect(await messageFor('Login password')).toMatch(/at least 8 characters/);
    await fill('Login password', CANARY);
    await fill('Confirm login password', CANARY + 'x');
    expect(await messageFor('Confirm login password')).toMatch(/do not match/);
    await fill('Confirm login password', CANARY);
    await fill('Read-only login password', 'Reports-pw-2026');
    await fill('Confirm read-only login password', 'Reports-pw-2026');
    await fill('Administrator password', 'Admin-pw change me 2026!');
    await fill('Confirm administrator password', 'Admin-pw change me 2026!');
    await expect.poll(() => next().isDisabled()).toBe(false);
    await page.getByText('Strength: Strong').first().waitFor();
    await shot('05-accounts');
    await next().click();

    await page.getByRole('heading', { name: 'Web site' }).waitFor();
    expect(await field('Host names').inputValue()).toBe('qatrack-srv');
    await page.getByText(/Port 80 is in use by IIS site "Default Web Site"/).waitFor();
    await expectRefused('Host names', 'bad_host!', /host name/, 'qatrack.hospital.local, qatrack');
    await expectRefused('HTTP port', '70000', /1 to 65535/, '8080');
    await expectRefused('Number of workers', '40', /1 to 32/, '3');
    await page.getByRole('switch', { name: 'Use HTTPS' }).check();
    await expectRefused('HTTPS port', '8080', /must differ from httpPort/, '8443');
    await page.getByRole('radio', { name: /certificate from the machine/ }).check();
    await expectRefused('Certificate thumbprint', 'abc', /40 hexadecimal digits/, THUMBPRINT.toLowerCase());
    await shot('06-web');
    await next().click();

    await page.getByRole('heading', { name: 'Review' }).waitFor();
    await page
      .getByText(/change\(s\) in \d+ step\(s\)|Try again/)
      .first()
      .waitFor();
    expect(await page.locator('main').innerText()).toMatch(/change\(s\) in \d+ step\(s\)/);
    await shot('07-review');
    await page.getByRole('button', { name: /Save answers file/ }).click();
    await page.getByText(/^Saved to /).waitFor();
    const answersFile = await readFile(bridge.savedFiles[0]!, 'utf8');
    expect(JSON.parse(answersFile).database.login.password).toEqual({
      env: 'QATRACK_SECRET_DATABASE_LOGIN_PASSWORD',
    });
    expect(answersFile).not.toContain('Canary-pw');
    await next().click(); // Install

    await page.getByRole('heading', { name: 'Progress' }).waitFor();
    await page.getByText('Overall progress: 100%').waitFor({ timeout: 60_000 });
    expect(await page.getByRole('list', { name: 'Steps' }).getByRole('listitem').count()).toBe(steps.length);
    await page.getByRole('button', { name: /Show details/ }).click();
    await page.getByLabel('Live log').waitFor();
    await shot('08-progress');
    await next().click();

    await page.getByRole('heading', { name: 'Finish' }).waitFor();
    await page.getByText('Finished').first().waitFor();
    await page.getByLabel('Verify report').waitFor();
    expect(await page.getByTestId('site-url').innerText()).toBe('https://qatrack.hospital.local:8443/');
    await page.getByRole('button', { name: /Export support bundle/ }).click();
    await page.getByText(/Support bundle saved to/).waitFor();
    await shot('09-finish');
    const support = await readFile(bridge.savedFiles[1]!, 'utf8');
    expect(support).toContain('"logs"');
    expect(support).not.toContain('Canary-pw');
  }, 180_000);

  it('a second run in repair mode asks only for passwords and finds nothing to do', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    const repair = page.getByRole('radio', { name: /Repair/ });
    await expect.poll(() => repair.isDisabled()).toBe(false);
    await repair.check();
    await shot('10-repair-welcome');
    await next().click();
    await page.getByText('This machine is ready.').waitFor();
    await next().click();
    await page.getByRole('heading', { name: 'Accounts and passwords' }).waitFor();
    expect(await page.getByLabel('Login name').count()).toBe(0); // only passwords
    await fill('Password of qatrack', CANARY);
    await fill('Confirm password of qatrack', CANARY);
    await fill('Password of qatrack_reports', 'Reports-pw-2026');
    await fill('Confirm password of qatrack_reports', 'Reports-pw-2026');
    await fill('Password of admin', 'Admin-pw change me 2026!');
    await fill('Confirm password of admin', 'Admin-pw change me 2026!');
    await shot('11-repair-passwords');
    await next().click();
    await page.getByRole('heading', { name: 'Review' }).waitFor();
    await page.getByText('Nothing to do: everything is already as requested.').waitFor();
    await shot('12-repair-review');
  }, 120_000);

  it('started as Add/Remove Programs Repair does (--mode=repair), it opens in repair mode', async () => {
    bridge.setStartMode('repair');
    try {
      await page.reload();
      await page.getByRole('heading', { name: 'Welcome' }).waitFor();
      await expect.poll(() => page.getByRole('radio', { name: /Repair/ }).isChecked()).toBe(true);
      await shot('12b-started-in-repair');
    } finally {
      bridge.setStartMode(undefined);
    }
  });

  it('cancelling an uninstall says plainly which steps were left', async () => {
    await page.reload();
    await page.getByRole('radio', { name: /Uninstall/ }).check();
    await next().click();
    await page.getByText('This machine is ready.').waitFor();
    await next().click();
    await fill('Password of qatrack', CANARY);
    await fill('Confirm password of qatrack', CANARY);
    await fill('Password of qatrack_reports', 'Reports-pw-2026');
    await fill('Confirm password of qatrack_reports', 'Reports-pw-2026');
    await fill('Password of admin', 'Admin-pw change me 2026!');
    await fill('Confirm password of admin', 'Admin-pw change me 2026!');
    await next().click();
    await page.getByText(/change\(s\) in \d+ step\(s\)/).waitFor();
    await shot('13-uninstall-review');
    hold.armed = true; // the uninstall's first step now waits until the test lets it go
    await next().click();
    await page.getByRole('heading', { name: 'Progress' }).waitFor();
    await expect.poll(() => hold.reached).toBe(true);
    // Every step is listed even though the run's first events came before apply answered.
    await expect
      .poll(() => page.getByRole('list', { name: 'Steps' }).getByRole('listitem').count())
      .toBe(steps.length);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page
      .getByRole('dialog')
      .getByText(/The current action finishes first.*Run Uninstall again/)
      .waitFor();
    await shot('14-cancel-confirm');
    await page.getByRole('button', { name: 'Cancel uninstall' }).click();
    const left = page.getByText(/These steps will not run: /);
    await left.waitFor();
    const leftText = await left.innerText();
    expect(leftText).toContain('Hold point (test)');
    expect(leftText).toContain('IIS site and web farm');
    expect(leftText).toMatch(/Run Uninstall again/);
    hold.armed = false;
    hold.release();
    await page.getByText('Cancelled.', { exact: true }).waitFor();
    await shot('15-cancelled');
    await next().click();
    await page.getByText('Cancelled', { exact: true }).waitFor();
    await page.getByText(/These steps did not run: .*Hold point \(test\)/).waitFor();
    await shot('16-finish-cancelled');
  }, 120_000);

  it('never shows a secret to the page and keeps the strict CSP', () => {
    const responses = bridge.traffic.filter((t) => t.startsWith('{"ok"') || t.startsWith('{"runId"'));
    expect(responses.length).toBeGreaterThan(10);
    for (const r of responses) expect(r).not.toContain('Canary-pw');
    expect(cspViolations).toEqual([]);
  });
});
