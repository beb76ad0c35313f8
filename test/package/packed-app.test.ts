/**
 * The packed-layout tier: the app as `npm run dist` packs it (stand-in Electron runtime), loaded the
 * way the packaged app loads (test/support/packed/packed-app.ts), with no access to the source tree.
 * It drives the wizard's IPC handlers through a plan and an install on the sim host, starts the
 * wizard the way Add/Remove Programs does, and runs --unattended install, repair and uninstall.
 * Prints the figures the issue asks for: app.asar and setup size, main load -> first IPC answer.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanServer, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { HELPER_FLAG } from '../../electron/helper/entry.js';
import { HelperServer } from '../../electron/helper/server.js';
import { missingTools, REQUIRED_TOOLS } from '../../scripts/dist/toolchain.js';
import {
  cannotHideRepo,
  disposeLayout,
  PackedApp,
  packedLayout,
  runPackedUnattended,
  type PackedLayout,
} from '../support/packed/packed-app.js';
import { sharedDist, type SharedDist } from '../support/packed/shared-dist.js';

const missing = await missingTools({ ...REQUIRED_TOOLS, osslsigncode: 'osslsigncode', openssl: 'openssl' });
const noHide = cannotHideRepo();
if (noHide) missing.push(noHide);
if (missing.length > 0 && process.env.CI === 'true') throw new Error(`CI must have: ${missing.join(', ')}`);
const skipReason = missing.length > 0 ? `packaging tools missing: ${missing.join(', ')}` : '';

const repo = path.resolve(import.meta.dirname, '../..');
const example = () => JSON.parse(readFileSync(path.join(repo, 'resources/examples/answers.json'), 'utf8'));
const SECRET_KEYS = [
  'database.login.password',
  'database.readonlyLogin.password',
  'admin.password',
  'email.password',
] as const;
const CANARY = 'Canary-packed-"pw"%^&!';

/** The wizard's draft (no secrets) and the secrets it sends beside it. */
function draftAndSecrets() {
  const a = example();
  delete a.database.login.password;
  delete a.database.readonlyLogin.password;
  delete a.admin.password;
  delete a.email.password;
  const secrets = Object.fromEntries(
    SECRET_KEYS.map((k, i) => [k, i === 0 ? CANARY : `Other-pw-${i}-2026!`]),
  );
  return { answers: a, secrets };
}

const simFiles = (file: string) => Object.keys(JSON.parse(readFileSync(file, 'utf8')).files as object);
const simServices = (file: string) => Object.keys(JSON.parse(readFileSync(file, 'utf8')).services as object);

describe.skipIf(skipReason !== '')(
  `packed app (app.asar, no source tree) ${skipReason}`,
  { timeout: 120_000 },
  () => {
    let built: SharedDist;
    let layout: PackedLayout;
    let state: string;

    beforeAll(async () => {
      built = await sharedDist();
      layout = await packedLayout(built.winUnpacked, built.asar);
      state = path.join(layout.root, 'sim', 'state.json');
      await mkdir(path.dirname(state), { recursive: true });
      await writeFile(state, JSON.stringify(withExistingSql(cleanServer()), null, 2));
      const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
      console.log(
        `[figures] app.asar ${mib(statSync(built.asar).size)}; setup (stand-in runtime) ${mib(built.bytes)}; ` +
          `dist ${built.built ? `built in ${built.seconds.toFixed(1)} s` : 'reused from .cache/packed-dist'}`,
      );
    }, 600_000);

    afterAll(async () => {
      if (layout) await disposeLayout(layout);
    });

    it('cannot read the source tree at all (an empty mount hides the repository)', async () => {
      const r = await runPackedUnattended(layout, [
        '--answers',
        path.join(repo, 'resources/examples/answers.json'),
        '--host',
        `sim:${state}`,
      ]);
      expect(r.code).toBe(1639);
      expect(r.output).toMatch(/ANSWERS_UNREADABLE: Cannot read the answers file .*: ENOENT/);
    });

    it('starts the wizard from app.asar: page, preload and catalog found, first IPC answer', async () => {
      const app = PackedApp.start(layout, ['--host', `sim:${state}`]);
      try {
        const window = await app.waitFor((m) => m.type === 'window');
        expect(window.preload).toBe(path.join(layout.resources, 'app.asar', 'dist', 'preload', 'index.cjs'));
        expect((await app.waitFor((m) => m.type === 'loaded')).status).toBe(200);
        await app.waitFor((m) => m.type === 'shown');
        const first = await app.invoke('startup', {});
        const ms = performance.now() - app.startedAt;
        console.log(`[figures] packed main load -> first IPC answer: ${ms.toFixed(0)} ms`);
        expect(first).toEqual({ ok: true, value: {} });

        const page = await app.fetch('app://bundle/index.html');
        expect(page.status).toBe(200);
        expect(page.contentType).toMatch(/^text\/html/);
        expect(page.text).toMatch(/<script type="module"[^>]+src="\.\/assets\/index-[^"]+\.js"/);
        const script = /src="\.\/(assets\/index-[^"]+\.js)"/.exec(page.text)![1]!;
        expect((await app.fetch(`app://bundle/${script}`)).status).toBe(200);

        // The release catalog comes from resources/catalog beside app.asar (extraResources).
        const { answers, secrets } = draftAndSecrets();
        const plan = await app.invoke('plan', { mode: 'install', answers, secrets, keepData: true });
        expect(plan.error).toBeUndefined();
        expect(plan.ok).toBe(true);
        expect(plan.value.changes).toBeGreaterThan(20);
      } finally {
        await app.stop();
      }
    });

    it('the wizard plans and installs on the sim host; the machine remembers the answers, no secret', async () => {
      const app = PackedApp.start(layout, ['--host', `sim:${state}`]);
      try {
        const pre = await app.invoke('preflight', { mode: 'install' });
        expect(pre.ok, JSON.stringify(pre.error)).toBe(true);
        const db = await app.invoke('testDatabaseConnection', {
          server: 'sql01.hospital.local',
          instance: 'QATRACK',
          authMode: 'windows',
        });
        // Windows authentication goes through the host's SqlClient path (here the sim's SQL Server).
        expect(db.value).toMatchObject({ ok: true });
        expect(db.value.detail).toContain('Windows authentication');
        expect(JSON.stringify(db)).not.toMatch(/mixed mode/i);

        const { answers, secrets } = draftAndSecrets();
        const plan = await app.invoke('plan', { mode: 'install', answers, secrets, keepData: true });
        expect(plan.ok).toBe(true);
        // Install approves the plan Review showed, by its hash.
        const applied = await app.invoke('apply', {
          mode: 'install',
          answers,
          secrets,
          keepData: true,
          approvedPlanSha256: plan.value.planSha256,
        });
        expect(applied.ok, JSON.stringify(applied.error)).toBe(true);
        const runId = applied.value.runId as string;
        await app.waitFor(
          (m) =>
            m.type === 'event' &&
            (m.payload as any).runId === runId &&
            (m.payload as any).event.type === 'run-end',
        );
        await expect
          .poll(async () => (await app.invoke('runStatus', { runId })).value.state, { timeout: 20_000 })
          .toBe('succeeded');
        expect(simServices(state)).toEqual(expect.arrayContaining(['QATrackWorker1', 'QATrackTasks']));
        await expect.poll(() => existsSync(layout.rememberedFile)).toBe(true);
        const remembered = readFileSync(layout.rememberedFile, 'utf8');
        expect(remembered).not.toContain(CANARY);
        expect(JSON.parse(remembered).admin.password).toEqual({ env: 'QATRACK_SECRET_ADMIN_PASSWORD' });
        const events = app.messages.filter((m) => m.type === 'event');
        expect(JSON.stringify(events)).not.toContain(CANARY);
        // A second plan on the converged machine changes nothing.
        const again = await app.invoke('plan', { mode: 'repair', answers, secrets, keepData: true });
        expect(again.value.changes).toBe(0);
      } finally {
        await app.stop();
      }
    });

    it('Add/Remove Programs Repair / Modify open the matching wizard mode with the remembered answers', async () => {
      for (const mode of ['repair', 'reconfigure'] as const) {
        const app = PackedApp.start(layout, [`--mode=${mode}`, '--host', `sim:${state}`]);
        try {
          expect(await app.invoke('startup', {})).toEqual({ ok: true, value: { mode } });
          const last = await app.invoke('lastAnswers', {});
          expect(last.value.answers.paths).toEqual(example().paths);
          expect(JSON.stringify(last)).not.toContain('QATRACK_SECRET');
          // A second double-click brings the same window back.
          const shown = app.messages.filter((m) => m.type === 'shown').length;
          await app.secondInstance(['QATrack+ Installer.exe']);
          expect(app.messages.filter((m) => m.type === 'shown').length).toBe(shown + 1);
        } finally {
          await app.stop();
        }
      }
      const bad = PackedApp.start(layout, ['--mode=explode']);
      const box = await bad.waitFor((m) => m.type === 'errorBox');
      expect(box.content).toContain('--mode must be one of install, repair, reconfigure, uninstall, bundle');
      expect(await bad.exited).toBe(64);
    });

    it('the same exe as the elevated helper: own userData, release catalog found, serves the pipe', async () => {
      // The app's end of the pipe, in this test; the packed main in helper mode connects to it.
      const server = await HelperServer.listen(layout.tmp);
      const tokenFile = await server.writeTokenFile();
      const log = path.join(layout.userData, 'logs', 'helper.log');
      const helper = PackedApp.start(layout, [
        HELPER_FLAG,
        '--pipe',
        server.pipe,
        '--token-file',
        tokenFile,
        '--log',
        log,
      ]);
      try {
        const conn = await server.waitForHelper(60_000);
        const setPath = await helper.waitFor((m) => m.type === 'setPath');
        expect(setPath).toMatchObject({ name: 'userData', value: `${layout.userData} Helper` });
        const { answers, secrets } = draftAndSecrets();
        // The helper plans by itself: whatever the machine says, never "no catalog" or "no resources".
        const planned = await conn.plan({
          mode: 'install',
          release: String(answers.release),
          answers,
          secrets,
        });
        expect(planned.error?.code ?? '').not.toMatch(/RESOURCES_NOT_CONFIGURED|CATALOG/);
        expect(JSON.stringify(planned)).not.toContain(CANARY);
        conn.close();
        expect(await helper.exited).toBe(0);
        const text = readFileSync(log, 'utf8');
        expect(text).toMatch(/plan [0-9a-f]{64}|plan refused|plan failed/);
        // The helper plans from the app's own catalog (beside app.asar), never from the caller.
        expect(text).not.toContain('not resolved');
        expect(text).not.toContain(CANARY);
      } finally {
        await server.close();
        await helper.stop();
      }
    });

    it('--unattended install, repair and uninstall from the packed files (uninstall as NSIS calls it)', async () => {
      const unattended = path.join(layout.root, 'sim', 'unattended.json');
      await writeFile(unattended, JSON.stringify(withExistingSql(cleanServer()), null, 2));
      const answersFile = path.join(layout.root, 'answers.json');
      await writeFile(answersFile, JSON.stringify(example(), null, 2));
      const host = ['--host', `sim:${unattended}`];

      const install = await runPackedUnattended(layout, ['--answers', answersFile, ...host]);
      expect(install.code, install.output).toBe(0);
      expect(install.output).toMatch(/QATrack\+ Installer succeeded \(exit code 0\)/);
      expect(simServices(unattended)).toContain('QATrackWorker1');
      expect(readFileSync(layout.rememberedFile, 'utf8')).not.toContain('Admin-pw change me');

      // Repair from the remembered answers; passwords from the environment, as documented for IT.
      const ex = example();
      const repair = await runPackedUnattended(layout, ['--mode=repair', ...host], {
        QATRACK_SECRET_DATABASE_LOGIN_PASSWORD: ex.database.login.password,
        QATRACK_SECRET_DATABASE_READONLY_LOGIN_PASSWORD: ex.database.readonlyLogin.password,
        QATRACK_SECRET_ADMIN_PASSWORD: ex.admin.password,
        QATRACK_SECRET_EMAIL_PASSWORD: ex.email.password,
      });
      expect(repair.code, repair.output).toBe(0);
      expect(repair.output).toContain(
        `Using the answers remembered on this machine: ${layout.rememberedFile}`,
      );

      // The NSIS uninstaller's command line: no answers file, no secrets, a log file.
      const log = path.join(layout.programData, 'QATrack+ Installer', 'logs', 'uninstall.log');
      const uninstall = await runPackedUnattended(layout, [
        '--mode=uninstall',
        '--keep-data',
        '--log-file',
        log,
        ...host,
      ]);
      expect(uninstall.code, uninstall.output).toBe(0);
      expect(uninstall.output).toContain('Using the answers remembered on this machine');
      expect(simServices(unattended)).toEqual([]);
      expect(simFiles(unattended)).not.toContain('C:\\QATrack\\venv');
      expect(existsSync(layout.rememberedFile)).toBe(false);
      expect(existsSync(log)).toBe(true);

      // Nothing remembered any more: a second uninstall has nothing to remove.
      const again = await runPackedUnattended(layout, ['--mode=uninstall', ...host]);
      expect(again.code).toBe(0);
      expect(again.output).toContain('nothing to remove');
    });
  },
);
