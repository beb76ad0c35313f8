import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineStep } from '../../electron/engine/step.js';
import { testProfile } from '../support/windows-sim.js';
import {
  cleanServer,
  withDefaultWebSite,
  withExistingSql,
  withPortHolder,
} from '../../electron/hosts/sim/windows/seed.js';
import { simWindows } from '../../electron/hosts/sim/windows/state.js';
import { startBridge, writeSimState, type Bridge } from './bridge/bridge.js';
import { startRelay } from '../support/smtp.js';
import { axeViolations, checkPage, horizontalOverflow, SHOTS, tabTo, WIDE } from './page-checks.js';

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
const available = existsSync(CHROMIUM);
// The Windows profile as the Windows sim tests run it (prerequisites + IIS/services/finish, with
// their stand-in for the common steps until those are composed into the profile).
// A last step whose probe can be held, so the test can press Cancel while a run is under way.
const hold = { armed: false, release: () => {}, reached: false, pass: 0 };
const holdStep = defineStep({
  id: 'test-hold',
  title: 'Hold point (test)',
  dependsOn: testProfile.map((s) => s.id),
  async probe() {
    // `pass`: probes let through first (the run re-plans to check the reviewed hash, then applies).
    if (!hold.armed || hold.pass-- > 0) return;
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
let rendererDir: string;
let bridge: Bridge;
let context: BrowserContext;
let page: Page;
const cspViolations: string[] = [];

const next = (p: Page = page) => p.getByTestId('next');
const reason = (p: Page = page) => p.locator('#next-reason');

/** A field by its label (required fields carry Fluent's " *" after the label text). */
const field = (label: string | RegExp, p: Page = page) =>
  p
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

/** Keyboard only: Tab to a field and type into it. */
async function typeInto(p: Page, label: string | RegExp, text: string) {
  await tabTo(p, field(label, p));
  await p.keyboard.press('Control+A');
  await p.keyboard.type(text);
}

/** Keyboard only: Tab to Next (or Install...) and press Enter. */
async function pressNext(p: Page) {
  await expect.poll(() => next(p).isDisabled()).toBe(false);
  await tabTo(p, next(p));
  await p.keyboard.press('Enter');
}

const title = (p: Page = page) => p.evaluate(() => document.title);

async function openWizard(b: Bridge): Promise<Page> {
  const p = await context.newPage();
  await p.setViewportSize(WIDE);
  p.on('console', (m) => {
    if (/Content.Security.Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  await b.attach(p);
  await p.goto(b.url);
  return p;
}

describe.skipIf(!available && process.env.CI !== 'true')('wizard in Chromium over the sim engine', () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'qatrack-wizard-'));
    await mkdir(SHOTS, { recursive: true });
    rendererDir = path.join(work, 'renderer');
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
    // Another program on 8081, so the review's in-place fix for a taken port can be tried.
    const state = JSON.parse(await readFile(simState, 'utf8'));
    await writeFile(simState, JSON.stringify(withPortHolder(state, 8081, 'nginx.exe'), null, 2));
    bridge = await startBridge({ rendererDir, workDir: work, simState, steps });
    context = await chromium.launchPersistentContext(path.join(work, 'profile'), {
      executablePath: CHROMIUM,
      args: FLAGS,
      headless: true,
      viewport: WIDE,
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

  it('the port-80 server: keyboard only, the offered Default Web Site choice, and Install works', async () => {
    // A server where IIS was turned on: its Default Web Site holds :80 (windows-facts, "Facts added").
    const dir = path.join(work, 'port80');
    const state = path.join(dir, 'state.json');
    await mkdir(dir, { recursive: true });
    await writeFile(state, JSON.stringify(withDefaultWebSite(withExistingSql(cleanServer())), null, 2));
    const b = await startBridge({ rendererDir, workDir: dir, simState: state, steps });
    const p = await openWizard(b);
    try {
      await p.getByRole('heading', { name: 'Welcome' }).waitFor();
      expect(await title(p)).toBe('Welcome - Install - QATrack+ Installer');
      await pressNext(p);

      await p.getByRole('heading', { name: 'Machine check' }).waitFor();
      await p.getByText('in use by IIS site "Default Web Site"').first().waitFor();
      // Next says what blocks, and the fix is right here.
      await expect.poll(() => next(p).isDisabled()).toBe(true);
      expect(await reason(p).innerText()).toMatch(/What to do with IIS's Default Web Site/);
      const stop = p.getByRole('radio', { name: /Stop the Default Web Site/ });
      await tabTo(p, stop);
      await p.keyboard.press('Space');
      expect(await stop.isChecked()).toBe(true);
      await checkPage(p, '30-port80-check-chosen');
      await pressNext(p);

      await p.getByRole('heading', { name: 'Locations' }).waitFor();
      // The offline bundle is picked with the folder dialog (main's), not typed.
      b.folderChoices.bundleDir = BUNDLE;
      await tabTo(p, p.getByRole('button', { name: 'Browse for the offline bundle folder (optional)' }));
      await p.keyboard.press('Enter');
      await expect.poll(() => field('Offline bundle folder (optional)', p).inputValue()).toBe(BUNDLE);
      await pressNext(p);
      await p.getByRole('heading', { name: 'Database' }).waitFor();
      await pressNext(p);
      await p.getByRole('heading', { name: 'Accounts and passwords' }).waitFor();
      expect(await reason(p).innerText()).toMatch(/QATrack\+ administrator e-mail/);
      await typeInto(p, 'E-mail', 'physics@hospital.org');
      await typeInto(p, 'Login password', CANARY);
      await typeInto(p, 'Confirm login password', CANARY);
      await typeInto(p, 'Read-only login password', 'Reports-pw-2026');
      await typeInto(p, 'Confirm read-only login password', 'Reports-pw-2026');
      await typeInto(p, 'Administrator password', 'Admin-pw change me 2026!');
      await typeInto(p, 'Confirm administrator password', 'Admin-pw change me 2026!');
      await pressNext(p);

      await p.getByRole('heading', { name: 'Web site' }).waitFor();
      // The same choice, already made, on the page that owns it.
      expect(await p.getByRole('radio', { name: /Stop the Default Web Site/ }).isChecked()).toBe(true);
      expect(await field('HTTP port', p).inputValue()).toBe('80');
      await pressNext(p);
      await p.getByRole('heading', { name: 'Mail' }).waitFor();
      await pressNext(p);
      await p.getByRole('heading', { name: 'Sign-in' }).waitFor();
      await pressNext(p);

      await p.getByRole('heading', { name: 'Review' }).waitFor();
      const summary = p.getByRole('group', { name: 'Summary of the plan' });
      await summary.getByText(/Stop IIS's "Default Web Site"/).waitFor();
      await summary.getByText('HTTP port 80 (all host names): IIS site "QATrack+"').waitFor();
      await pressNext(p); // Install

      await p.getByRole('heading', { name: 'Progress' }).waitFor();
      await p.getByText(/Overall progress: 100%/).waitFor({ timeout: 60_000 });
      await pressNext(p);
      await p.getByRole('heading', { name: 'Finish' }).waitFor();
      await p.getByText('Finished').first().waitFor();
      expect(await p.getByTestId('site-url').innerText()).toBe('http://qatrack-srv/');
      const sites = simWindows(JSON.parse(await readFile(state, 'utf8'))).iis.sites;
      expect(sites.find((x) => x.name === 'Default Web Site')?.state).toBe('stopped');
      expect(sites.find((x) => x.name === 'QATrack+')?.bindings).toContainEqual({
        protocol: 'http',
        port: 80,
        host: '',
      });
      await tabTo(p, p.getByRole('button', { name: 'Close' }));
      await p.keyboard.press('Enter');
      await expect.poll(() => b.closed.length).toBe(1);
    } finally {
      await p.close();
      await b.close();
    }
  }, 180_000);

  it('walks the whole install: every page and error state passes axe and reflows at 200 %', async () => {
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    // Repair needs a previous install by the wizard.
    expect(await page.getByRole('radio', { name: /Repair/ }).isDisabled()).toBe(true);
    await checkPage(page, '01-welcome');
    await next().click();

    await page.getByRole('heading', { name: 'Machine check' }).waitFor();
    await page.getByText('in use by IIS site "Default Web Site"').first().waitFor();
    expect(await title()).toBe('Machine check - Install - QATrack+ Installer');
    await checkPage(page, '02-machine-check-choice');
    await page.getByRole('radio', { name: /Keep the Default Web Site/ }).check();
    await page.getByText('This machine is ready once you settle what is marked below.').waitFor();
    await expect.poll(() => next().isDisabled()).toBe(false);
    await checkPage(page, '02-machine-check');
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
      /must not be inside the program folder/i,
      'C:\\QATrackData',
    );
    await expectRefused('Offline bundle folder (optional)', 'bundle', /absolute path/, BUNDLE);
    await fill('Program folder', '');
    expect(await messageFor('Program folder')).toMatch(/^Required\b/);
    expect(await reason().innerText()).toBe('To continue, fix this field: Program folder.');
    await checkPage(page, '03-locations-error');
    // Browse asks main's folder dialog; the answer lands in the field.
    bridge.folderChoices.installDir = 'D:\\Apps\\QATrack';
    await page.getByRole('button', { name: 'Browse for the program folder' }).click();
    await expect.poll(() => field('Program folder').inputValue()).toBe('D:\\Apps\\QATrack');
    await fill('Program folder', 'C:\\QATrack');
    await expect.poll(() => next().isDisabled()).toBe(false);
    await checkPage(page, '03-locations');
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
    await checkPage(page, '04-database-error');
    await page.getByRole('radio', { name: 'Windows account running the installer' }).check();
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/Connected to SQL Server/).waitFor();
    await checkPage(page, '04-database');
    await expect.poll(() => next().isDisabled()).toBe(false);
    await next().click();

    await page.getByRole('heading', { name: 'Accounts and passwords' }).waitFor();
    await expect.poll(() => next().isDisabled()).toBe(true); // passwords not set yet
    // Next says what blocks, and Show problems marks every field at once and goes to the first.
    expect(await reason().innerText()).toMatch(
      /^To continue, fix these 4 fields: QATrack\+ administrator e-mail, QATrack\+ database login password, /,
    );
    await page.getByRole('button', { name: 'Show problems' }).click();
    await expect.poll(() => page.locator('[aria-invalid="true"]').count()).toBeGreaterThanOrEqual(4);
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-invalid')))
      .toBe('true');
    await checkPage(page, '05-accounts-error');
    await expectRefused('Login name', 'qa track', /ASCII letters/, 'qatrack');
    await expectRefused(
      'Read-only login name',
      'qatrack',
      /must differ from the QATrack\+ database login/,
      'qatrack_reports',
    );
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
    await checkPage(page, '05-accounts');
    await next().click();

    await page.getByRole('heading', { name: 'Web site' }).waitFor();
    expect(await field('Host names').inputValue()).toBe('qatrack-srv');
    expect(await page.getByRole('radio', { name: /Keep the Default Web Site/ }).isChecked()).toBe(true);
    await expectRefused('Host names', 'bad_host!', /host name/, 'qatrack.hospital.local, qatrack');
    await expectRefused('HTTP port', '70000', /1 to 65535/, '8081');
    await page.getByText(/Port 8081 is in use by nginx.exe/).waitFor();
    // Off port 80, the Default Web Site question is gone.
    expect(await page.getByRole('radio', { name: /Keep the Default Web Site/ }).count()).toBe(0);
    await expectRefused('Number of workers', '40', /1 to 32/, '3');
    await page.getByRole('switch', { name: 'Use HTTPS' }).check();
    await expectRefused('HTTPS port', '8081', /must differ from the HTTP port/, '8443');
    await page.getByRole('radio', { name: /certificate from the machine/ }).check();
    // The picker lists the machine store's certificates (sim state); picking fills the thumbprint.
    await page.getByRole('radio', { name: /CN=qatrack\.hospital\.local/ }).check();
    await expect.poll(() => field('Certificate thumbprint').inputValue()).toBe(THUMBPRINT);
    await checkPage(page, '06-web');
    await next().click();

    await page.getByRole('heading', { name: 'Mail' }).waitFor();
    await page.getByRole('switch', { name: 'Send e-mail' }).check();
    await expectRefused('Mail server', 'smtp host!', /host name/, 'smtp.hospital.local');
    await fill('Sender address', 'qatrack@hospital.org');
    // Send test mail: through main to a real SMTP relay on loopback (smtp-server), plain SMTP.
    const relay = await startRelay({ noAuth: true });
    try {
      await fill('Mail server', '127.0.0.1');
      await fill('Mail server port', String(relay.port));
      await page.getByRole('radio', { name: 'None' }).check();
      await fill('Send a test mail to', 'physics@hospital.org');
      await page.getByRole('button', { name: 'Send test mail' }).click();
      await expect
        .poll(() => page.getByRole('status').filter({ hasText: 'relay' }).first().innerText())
        .toMatch(/^The relay accepted the mail \(queue id 4F1C3\dA0C2\)/);
      expect(relay.received.at(-1)).toMatchObject({
        from: 'qatrack@hospital.org',
        to: ['physics@hospital.org'],
      });
    } finally {
      await relay.close();
    }
    await fill('Who gets server-error mail', 'physics-at-hospital');
    expect(await messageFor('Who gets server-error mail')).toMatch(/e-mail address/);
    await checkPage(page, '07-mail-error');
    await page.getByRole('switch', { name: 'Send e-mail' }).uncheck();
    await fill('Who gets server-error mail', '');
    await expect.poll(() => next().isDisabled()).toBe(false);
    await checkPage(page, '07-mail');
    await next().click();

    // Sign-in: QATrack+ accounts by default; Active Directory shows its fields and Test sign-in.
    await page.getByRole('heading', { name: 'Sign-in' }).waitFor();
    await checkPage(page, '07b-signin');
    await page.getByRole('radio', { name: /Active Directory/ }).check();
    await fill('Directory server URL', 'http://dc1');
    await page
      .getByText(/ldap:\/\/ or ldaps:\/\//)
      .first()
      .waitFor();
    await page.getByRole('button', { name: 'Test sign-in' }).waitFor();
    await checkPage(page, '07b-signin-ad-error');
    await page.getByRole('radio', { name: /QATrack\+ accounts/ }).check();
    await expect.poll(() => next().isDisabled()).toBe(false);
    await next().click();

    await page.getByRole('heading', { name: 'Review' }).waitFor();
    // nginx holds 8081: the problem is named, with its fix in place.
    const problems = page.getByRole('list', { name: 'Problems' });
    await problems.waitFor();
    expect(await problems.innerText()).toMatch(/8081 is in use by nginx\.exe/);
    expect(await problems.innerText()).not.toMatch(/site\.httpPort|workers\.basePort/);
    expect(await reason().innerText()).toMatch(/Install is not possible yet/);
    await checkPage(page, '08-review-error');
    await page.getByRole('button', { name: 'Use HTTP port 8080 and check again' }).click();
    await page
      .getByText(/change\(s\) in \d+ step\(s\)/)
      .first()
      .waitFor();
    const summary = page.getByRole('group', { name: 'Summary of the plan' });
    await summary.getByText(/Enable the ARR proxy server-wide/).waitFor();
    await summary
      .getByText(/HTTP port 8080 for host name qatrack\.hospital\.local: IIS site "QATrack\+"/)
      .waitFor();
    await summary.getByText(/C:\\QATrack: Administrators and SYSTEM: full control;/).waitFor();
    expect(await page.locator('main').innerText()).not.toMatch(/\*S-1-5|database\.\w+\.password/);
    await checkPage(page, '08-review');
    // The filter answers "what happens to port 8080?"
    await page.getByRole('searchbox', { name: 'Filter the plan' }).fill('8080');
    await expect.poll(() => page.getByText(/Firewall|firewall/).count()).toBeGreaterThan(0);
    const filtered = await page.locator('main').innerText();
    expect(filtered).not.toMatch(/Create app pool/);
    await checkPage(page, '08-review-filtered');
    await page.getByRole('searchbox', { name: 'Filter the plan' }).fill('');
    await page.getByRole('button', { name: 'Save plan...' }).click();
    await page.getByText(/^Plan saved to /).waitFor();
    const planText = await readFile(bridge.savedFiles.at(-1)!, 'utf8');
    expect(planText).toMatch(/QATrack\+ 3\.1\.1\.4: install plan/);
    expect(planText).not.toContain('Canary-pw');
    await page.getByRole('button', { name: 'Save answers + command line...' }).click();
    await page.getByText(/^Answers saved to /).waitFor();
    const answersPath = bridge.savedFiles.at(-1)!;
    const answersFile = await readFile(answersPath, 'utf8');
    expect(JSON.parse(answersFile).database.login.password).toEqual({
      env: 'QATRACK_SECRET_DATABASE_LOGIN_PASSWORD',
    });
    expect(JSON.parse(answersFile).site.defaultWebSite).toBe('keep');
    expect(answersFile).not.toContain('Canary-pw');
    await page
      .getByText(`"QATrack+ Installer.exe" --unattended --answers "${answersPath}" --mode install`)
      .waitFor();
    await next().click(); // Install

    await page.getByRole('heading', { name: 'Progress' }).waitFor();
    await page.getByText(/Elapsed \d+ s/).waitFor();
    await page.getByText(/Overall progress: 100%/).waitFor({ timeout: 60_000 });
    expect(await page.getByRole('list', { name: 'Steps' }).getByRole('listitem').count()).toBe(steps.length);
    // The hold step plans nothing: it says so and has no bar of its own.
    expect(await page.getByLabel('Hold point (test): Nothing to do').count()).toBe(1);
    await page.getByRole('button', { name: /Show details/ }).click();
    const log = await page.getByLabel('Live log').innerText();
    expect(log).toMatch(/^\[\d\d:\d\d:\d\d\] /m);
    expect(log).not.toMatch(/database\.\w+\.password|site\.httpPort/);
    await checkPage(page, '09-progress');
    await next().click();

    await page.getByRole('heading', { name: 'Finish' }).waitFor();
    await page.getByText('Finished').first().waitFor();
    await page.getByTestId('site-url').waitFor();
    expect(await page.getByTestId('site-url').innerText()).toBe('https://qatrack.hospital.local:8443/');
    // The link comes first on the page, before the status and everything else.
    const first = await page.locator('form.content > :nth-child(2)').innerText();
    expect(first).toMatch(/^QATrack\+ is at https:\/\/qatrack\.hospital\.local:8443\//);
    const steps_ = page.getByRole('list', { name: 'Next steps' });
    expect(await steps_.innerText()).toMatch(/Sign in/);
    expect(await steps_.innerText()).toMatch(/Mail is not configured/);
    const attention = await page.getByRole('list', { name: 'Needs attention' }).innerText();
    expect(attention).toMatch(/Warning\s+Error mail/);
    await page.getByRole('button', { name: /checks passed/ }).click();
    expect(await page.getByLabel('Verify report').innerText()).not.toMatch(/Error mail|\*s-1-5/i);
    await page.getByTestId('site-url').click();
    await expect.poll(() => bridge.opened).toEqual(['https://qatrack.hospital.local:8443/']);
    await page.getByRole('button', { name: /Export support bundle/ }).click();
    await page.getByText(/Support bundle saved to/).waitFor();
    await checkPage(page, '10-finish');
    const support = await readFile(bridge.savedFiles.at(-1)!, 'utf8');
    expect(support).toContain('"logs"');
    expect(support).not.toContain('Canary-pw');
  }, 300_000);

  it('repair, keyboard only: asks only for passwords, the step list goes back, nothing to do', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    const repair = page.getByRole('radio', { name: /Repair/ });
    await expect.poll(() => repair.isDisabled()).toBe(false);
    // Arrow keys move through the choices: Install, Repair.
    await tabTo(page, page.getByRole('radio', { name: /Install QATrack\+/ }));
    await page.keyboard.press('ArrowDown');
    expect(await repair.isChecked()).toBe(true);
    await checkPage(page, '11-repair-welcome');
    await pressNext(page);
    await page.getByRole('heading', { name: 'Machine check' }).waitFor();
    await page.getByText('This machine is ready.').waitFor();
    await pressNext(page);
    await page.getByRole('heading', { name: 'Accounts and passwords' }).waitFor();
    expect(await page.getByLabel('Login name').count()).toBe(0); // only passwords
    await typeInto(page, 'Password of qatrack', CANARY);
    await typeInto(page, 'Confirm password of qatrack', CANARY);
    await typeInto(page, 'Password of qatrack_reports', 'Reports-pw-2026');
    await typeInto(page, 'Confirm password of qatrack_reports', 'Reports-pw-2026');
    await typeInto(page, 'Password of admin', 'Admin-pw change me 2026!');
    await typeInto(page, 'Confirm password of admin', 'Admin-pw change me 2026!');
    await checkPage(page, '12-repair-passwords');
    await pressNext(page);
    await page.getByRole('heading', { name: 'Review' }).waitFor();
    await page.getByText('Nothing to do: everything is already as requested.').waitFor();
    await checkPage(page, '13-repair-review');
    // The step list takes you back to a done page, by keyboard too.
    await tabTo(page, page.getByRole('button', { name: 'Go back to Machine check (done)' }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Machine check' }).waitFor();
    expect(await title()).toBe('Machine check - Repair - QATrack+ Installer');
  }, 120_000);

  it('the machine changes between Review and Repair: plain words, nothing changed, the new plan on Review', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    await page.getByRole('radio', { name: /Repair/ }).check();
    await pressNext(page);
    await page.getByText('This machine is ready.').waitFor();
    await pressNext(page);
    for (const [label, value] of [
      ['Password of qatrack', CANARY],
      ['Confirm password of qatrack', CANARY],
      ['Password of qatrack_reports', 'Reports-pw-2026'],
      ['Confirm password of qatrack_reports', 'Reports-pw-2026'],
      ['Password of admin', 'Admin-pw change me 2026!'],
      ['Confirm password of admin', 'Admin-pw change me 2026!'],
    ] as const)
      await typeInto(page, label, value);
    await pressNext(page);
    await page.getByText('Nothing to do: everything is already as requested.').waitFor();
    // Someone removes a worker service after the plan was reviewed.
    const file = path.join(work, 'sim', 'state.json');
    const reviewed = await readFile(file, 'utf8');
    const state = JSON.parse(reviewed);
    delete state.services.QATrackWorker1;
    const changed = JSON.stringify(state, null, 2);
    await writeFile(file, changed);
    try {
      await pressNext(page);
      await page.getByRole('heading', { name: 'Progress' }).waitFor();
      const stale = page.getByTestId('plan-stale');
      await stale.getByText('The machine changed since this plan was made: review the new plan.').waitFor();
      await stale.getByText('Nothing was changed.').waitFor();
      expect(await readFile(file, 'utf8')).toBe(changed);
      await checkPage(page, '13b-plan-stale');
      await stale.getByRole('button', { name: 'Review the new plan' }).click();
      await page.getByRole('heading', { name: 'Review' }).waitFor();
      await page.getByText(/change\(s\) in \d+ step\(s\)/).waitFor();
    } finally {
      await writeFile(file, reviewed);
    }
  }, 120_000);

  it('started as Add/Remove Programs Repair does (--mode=repair), it opens in repair mode', async () => {
    bridge.setStartMode('repair');
    try {
      await page.reload();
      await page.getByRole('heading', { name: 'Welcome' }).waitFor();
      await expect.poll(() => page.getByRole('radio', { name: /Repair/ }).isChecked()).toBe(true);
      await checkPage(page, '12b-started-in-repair');
    } finally {
      bridge.setStartMode(undefined);
    }
  });

  it('uninstall, keyboard only: no password asked, destructive button, cancel keeps the safe choice focused', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    await tabTo(page, page.getByRole('radio', { name: /Install QATrack\+/ }));
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    expect(await page.getByRole('radio', { name: /Uninstall/ }).isChecked()).toBe(true);
    // Windows authentication: uninstall uses no password, so there is no passwords page.
    expect(await page.getByRole('navigation', { name: 'Wizard steps' }).innerText()).not.toMatch(/Accounts/);
    await pressNext(page);
    await page.getByText('This machine is ready.').waitFor();
    await pressNext(page);
    await page.getByRole('heading', { name: 'Review' }).waitFor();
    await page.getByText(/change\(s\) in \d+ step\(s\)/).waitFor();
    expect(await next().innerText()).toBe('Uninstall');
    expect(await next().getAttribute('class')).toMatch(/\bdanger\b/);
    await checkPage(page, '14-uninstall-review');
    // The uninstall's first step now waits until the test lets it go (after the run's re-plan).
    hold.pass = 1;
    hold.armed = true;
    await pressNext(page);
    await page.getByRole('heading', { name: 'Progress' }).waitFor();
    await expect.poll(() => hold.reached).toBe(true);
    // Every step is listed even though the run's first events came before apply answered.
    await expect
      .poll(() => page.getByRole('list', { name: 'Steps' }).getByRole('listitem').count())
      .toBe(steps.length);
    const cancel = page.getByRole('button', { name: 'Cancel', exact: true });
    const box = await cancel.boundingBox();
    expect(box!.width).toBeGreaterThanOrEqual(80); // sized, not squashed
    expect(box!.y + box!.height).toBeLessThanOrEqual(WIDE.height); // above the fold
    await checkPage(page, '15-uninstall-progress');
    await tabTo(page, cancel);
    await page.keyboard.press('Enter');
    await page
      .getByRole('dialog')
      .getByText(/The current action finishes first.*Run Uninstall again/)
      .waitFor();
    // The safe choice has the focus: Enter now would keep going.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Keep going');
    await checkPage(page, '16-cancel-confirm');
    await tabTo(page, page.getByRole('button', { name: 'Cancel uninstall' }));
    await page.keyboard.press('Enter');
    const left = page.getByText(/These steps will not run: /);
    await left.waitFor();
    const leftText = await left.innerText();
    expect(leftText).toContain('Hold point (test)');
    expect(leftText).toContain('IIS site and web farm');
    expect(leftText).toMatch(/Run Uninstall again/);
    hold.armed = false;
    hold.release();
    await page.getByText('Cancelled.', { exact: true }).waitFor();
    await checkPage(page, '17-cancelled');
    await pressNext(page);
    await page.getByText('Cancelled', { exact: true }).waitFor();
    await page.getByText(/These steps did not run: .*Hold point \(test\)/).waitFor();
    await checkPage(page, '18-finish-cancelled');
  }, 180_000);

  it('the page checks themselves catch what they look for (axe: an image without text; reflow: a wide row)', async () => {
    await page.evaluate(() => {
      const img = document.createElement('img');
      img.id = 'probe-img';
      img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw=';
      document.querySelector('form.content')!.appendChild(img);
      // A row whose content is wider than the window (as a cut-off URL or password field was).
      const row = document.createElement('div');
      row.id = 'probe-wide';
      const wide = document.createElement('span');
      wide.style.display = 'inline-block';
      wide.style.width = '2000px';
      wide.style.height = '1px';
      row.appendChild(wide);
      document.querySelector('form.content')!.appendChild(row);
    });
    expect((await axeViolations(page)).join('\n')).toMatch(/^image-alt .*probe-img/m);
    expect(await horizontalOverflow(page)).toContainEqual(
      expect.stringMatching(/^page content: scrollWidth/),
    );
    await page.evaluate(() =>
      ['probe-img', 'probe-wide'].forEach((id) => document.getElementById(id)?.remove()),
    );
  });

  it('never shows a secret to the page and keeps the strict CSP', () => {
    const responses = bridge.traffic.filter((t) => t.startsWith('{"ok"') || t.startsWith('{"runId"'));
    expect(responses.length).toBeGreaterThan(10);
    for (const r of responses) expect(r).not.toContain('Canary-pw');
    expect(cspViolations).toEqual([]);
  });
});
