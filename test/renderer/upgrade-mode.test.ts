import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MACHINE_FOLDER, RememberedStore } from '../../electron/engine/remembered.js';
import { createUpgradeEngine } from '../../electron/ipc/upgrade-engine.js';
import { testProfile } from '../support/windows-sim.js';
import { loadRecording, replayKit, type ReplayControl } from '../support/upgrade-replay.js';
import { startBridge, writeSimState, type Bridge } from './bridge/bridge.js';
import { checkPage, SHOTS, tabTo, WIDE } from './page-checks.js';

/**
 * The wizard's upgrade mode in Debian's Chromium, through the real IPC router and handlers and the
 * real upgrade engine adapter (its status, its refusals from the CLI's checkUpgrade, its phases) on
 * the sim host. The run itself replays the event stream a real posix upgrade sent (recorded by
 * test/package/unattended-upgrade.test.ts): the sim has no upgrade kit of its own yet, and a real
 * upgrade is too slow for a page test. Screenshots go to test-results/screenshots/.
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
const CANARY = 'Canary-pw "u" %x% 9Zq!';
const available = existsSync(CHROMIUM);

let work: string;
let bridge: Bridge;
let context: BrowserContext;
let page: Page;
const cspViolations: string[] = [];
let held = false;
let store: RememberedStore;
let installed: Record<string, unknown>;
const control: ReplayControl = {
  // The bundle folder first holds the installed release: the review refuses and says what to fix.
  bundleRelease: '3.1.1.4',
  freeBytes: 10 * 2 ** 30,
  neededBytes: 58_962,
  onHeld: () => (held = true),
  // A line that carries a password by mistake: main redacts it before the page sees it.
  prefix: [{ type: 'upgrade-log', message: `pg_dump with PGPASSWORD=${CANARY}` }],
};

const next = () => page.getByTestId('next');
const field = (label: string) => page.getByLabel(new RegExp(`^${label}(\\s*\\*)?$`)).first();

async function pressNext() {
  await expect.poll(() => next().isDisabled()).toBe(false);
  await tabTo(page, next());
  await page.keyboard.press('Enter');
}

/** Welcome -> the offered upgrade -> passwords -> Upgrade review. */
async function toUpgradeReview() {
  await page.reload();
  await page.getByRole('heading', { name: 'Welcome' }).waitFor();
  const upgrade = page.getByRole('radio', { name: /Upgrade QATrack\+ 3\.1\.1\.4 → 3\.1\.1\.5/ });
  await expect.poll(() => upgrade.isDisabled()).toBe(false);
  await upgrade.check();
  await pressNext();
  await page.getByRole('heading', { name: 'Accounts and passwords' }).waitFor();
  expect(await page.getByLabel('Login name').count()).toBe(0); // only the passwords
  for (const [label, value] of [
    ['Password of qatrack', CANARY],
    ['Confirm password of qatrack', CANARY],
    ['Password of qatrack_reports', 'Reports-pw-2026'],
    ['Confirm password of qatrack_reports', 'Reports-pw-2026'],
    ['Password of admin', 'Admin-pw change me 2026!'],
    ['Confirm password of admin', 'Admin-pw change me 2026!'],
  ])
    await field(label!).fill(value!);
  await pressNext();
  await page.getByRole('heading', { name: 'Review' }).waitFor();
}

describe.skipIf(!available && process.env.CI !== 'true')('wizard upgrade mode in Chromium', () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'qatrack-upgrade-wizard-'));
    await mkdir(SHOTS, { recursive: true });
    const rendererDir = path.join(work, 'renderer');
    await build({
      configFile: path.resolve('renderer/vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: rendererDir },
    });
    const simState = path.join(work, 'sim', 'state.json');
    await mkdir(path.dirname(simState), { recursive: true });
    await writeSimState(simState, { thumbprint: 'A9'.repeat(20), dnsNames: ['qatrack.hospital.local'] });
    // What a finished install left on this machine: its answers, without secrets (no mail here).
    const answers = JSON.parse(await readFile('resources/examples/answers.json', 'utf8'));
    delete answers.email;
    store = new RememberedStore({ dir: path.join(work, 'ProgramData', MACHINE_FOLDER) });
    installed = answers;
    await store.write(answers);
    const catalogDir = path.join(work, 'catalog');
    await mkdir(catalogDir);
    await copyFile('test/fixtures/engine/catalog/3.1.1.4.json', path.join(catalogDir, '3.1.1.4.json'));
    await copyFile('test/fixtures/upgrade-catalog/3.1.1.5.json', path.join(catalogDir, '3.1.1.5.json'));
    const hostSpec = { kind: 'sim' as const, file: simState };
    bridge = await startBridge({
      rendererDir,
      workDir: work,
      simState,
      steps: testProfile,
      upgrade: createUpgradeEngine({
        hostSpec,
        logDir: path.join(work, 'logs'),
        catalogDir,
        kits: { sim: replayKit(control) },
      }),
    });
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

  it('offers the upgrade, refuses a wrong bundle in plain words, reviews from -> to, runs, and finishes upgraded', async () => {
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    const offer = page.getByRole('radio', { name: /Upgrade QATrack\+ 3\.1\.1\.4 → 3\.1\.1\.5/ });
    await expect.poll(() => offer.isDisabled()).toBe(false);
    // Beside repair and reconfigure.
    const labels = await page
      .getByRole('radio')
      .evaluateAll((rs) => rs.map((r) => (r.closest('.fui-Radio')?.textContent ?? '').slice(0, 14)));
    expect(labels.findIndex((l) => l.startsWith('Upgrade'))).toBe(
      labels.findIndex((l) => l.startsWith('Reconfigure')) + 1,
    );
    await offer.check();
    await checkPage(page, 'u1-upgrade-welcome');

    await toUpgradeReview();
    const refusal = page.getByTestId('upgrade-refusal');
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain(
      'Offline bundle folder: the bundle holds release 3.1.1.4, not 3.1.1.5; make one with "bundle create --release 3.1.1.5"',
    );
    expect(await refusal.innerText()).toContain(
      'The upgrade from 3.1.1.4 to 3.1.1.5 was refused; nothing was changed.',
    );
    await expect.poll(() => next().isDisabled()).toBe(true);
    expect(await page.locator('#next-reason').innerText()).toMatch(/Upgrade is not possible yet/);
    await checkPage(page, 'u2-upgrade-refused');

    // The person puts the right bundle in place and checks again.
    control.bundleRelease = '3.1.1.5';
    await page.getByRole('button', { name: 'Check again' }).click();
    await page.getByTestId('upgrade-path').waitFor();
    await expect.poll(() => refusal.count()).toBe(0);
    expect(await page.getByTestId('upgrade-path').innerText()).toBe('QATrack+ 3.1.1.4 → 3.1.1.5');
    const phases = await page.getByTestId('upgrade-phases').locator('li').allInnerTexts();
    expect(phases).toHaveLength(10);
    // preflight, stage-release, maintenance-on, backup, ...: staging runs before the maintenance page.
    expect(phases[3]).toBe(
      'Back up the database (pg_dump -Fc), media, local_settings.py and the secret key to E:\\QATrackBackups',
    );
    expect(await page.getByTestId('upgrade-backup-folder').innerText()).toBe('Folder: E:\\QATrackBackups');
    expect(await page.getByTestId('upgrade-backup-room').innerText()).toBe(
      'Free there: 10.0 GiB; the backup needs about 57.6 KiB.',
    );
    expect(await next().innerText()).toBe('Upgrade');
    await checkPage(page, 'u3-upgrade-review');

    await pressNext();
    await page.getByRole('heading', { name: 'Progress' }).waitFor();
    await page.getByText('Migrations applied (2)').waitFor();
    const rec = loadRecording();
    const migrations = await page
      .getByRole('list', { name: 'Migrations applied' })
      .locator('li')
      .allInnerTexts();
    expect(migrations).toEqual(
      rec.events.flatMap((e) => (e.type === 'migration' ? [`${e.app}.${e.name}`] : [])),
    );
    const backup = rec.events.find((e) => e.type === 'backup');
    expect(await page.getByTestId('upgrade-backup-done').innerText()).toBe(
      `Backup written: 57.6 KiB in ${backup?.type === 'backup' ? backup.dir : ''}`,
    );
    await expect
      .poll(() =>
        page.locator('[data-phase]').evaluateAll((ls) => ls.map((l) => l.getAttribute('data-status'))),
      )
      .toEqual(Array(10).fill('done'));
    // The redacted line reached the page without the password.
    await page.getByRole('button', { name: 'Show details (live log)' }).click();
    const log = await page.getByLabel('Live log').innerText();
    expect(log).toContain('pg_dump with PGPASSWORD=');
    expect(log).not.toContain(CANARY);
    await checkPage(page, 'u4-upgrade-progress');

    await pressNext();
    await page.getByRole('heading', { name: 'Finish' }).waitFor();
    const outcome = await page.getByTestId('upgrade-outcome').innerText();
    expect(outcome).toContain('Upgraded: QATrack+ 3.1.1.4 → 3.1.1.5.');
    expect(outcome).toContain(
      `3.1.1.4 is kept for 14 days for a manual rollback. The backup is in ${rec.result.backupDir}.`,
    );
    await checkPage(page, 'u5-upgrade-finish');
  }, 240_000);

  it('Cancel during the upgrade asks first, then reports the rollback on Progress and Finish', async () => {
    // After the upgrade the machine remembers 3.1.1.5: nothing newer to offer.
    expect((await store.read())?.answers.release).toBe('3.1.1.5');
    await page.reload();
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    await page.getByRole('radio', { name: /^Repair/ }).waitFor();
    await expect.poll(() => page.getByRole('radio', { name: /Upgrade QATrack\+/ }).count()).toBe(0);
    // Back to a machine on 3.1.1.4 for the cancel.
    await store.write(installed);
    held = false;
    control.holdBefore = 'migrate';
    await toUpgradeReview();
    await page.getByTestId('upgrade-path').waitFor();
    await pressNext();
    await page.getByRole('heading', { name: 'Progress' }).waitFor();
    await expect.poll(() => held).toBe(true);
    await page.getByRole('button', { name: 'Cancel' }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel the upgrade?' });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('rolls back: 3.1.1.4 runs again with its database as it was');
    // The safe choice has the focus: Enter keeps the upgrade going.
    await page.keyboard.press('Enter');
    await expect.poll(() => dialog.count()).toBe(0);
    await checkPage(page, 'u6-upgrade-held');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Cancel and roll back' }).click();
    await page.getByRole('list', { name: 'Rollback steps' }).waitFor();
    await expect.poll(() => next().isDisabled()).toBe(false);
    const status = await page
      .locator('[data-phase]')
      .evaluateAll((ls) =>
        Object.fromEntries(ls.map((l) => [l.getAttribute('data-phase'), l.getAttribute('data-status')])),
      );
    expect(status).toMatchObject({
      preflight: 'done',
      backup: 'done',
      'stage-release': 'done',
      migrate: 'waiting',
    });
    await checkPage(page, 'u7-upgrade-rolled-back-progress');
    await pressNext();
    const outcome = await page.getByTestId('upgrade-outcome').innerText();
    expect(outcome).toContain('Rolled back: 3.1.1.4 is running again (the upgrade was cancelled).');
    expect(outcome).toContain(`The backup is in ${loadRecording().result.backupDir}.`);
    await checkPage(page, 'u8-upgrade-rolled-back-finish');
    control.holdBefore = undefined;
  }, 240_000);

  it('never sends a password to the page (answers and upgrade events) and keeps the strict CSP', () => {
    const toPage = bridge.traffic.filter((t) => t.startsWith('{"ok"') || t.startsWith('{"runId"'));
    expect(toPage.filter((t) => t.includes('"upgrade-phase"')).length).toBeGreaterThan(10);
    for (const t of toPage) {
      expect(t).not.toContain(CANARY);
      expect(t).not.toContain('Reports-pw-2026');
      expect(t).not.toContain('Admin-pw change me 2026!');
    }
    expect(cspViolations).toEqual([]);
  });
});
