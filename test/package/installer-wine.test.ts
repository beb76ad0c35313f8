/**
 * Builds the Windows setup offline (electron-builder + Debian makensis/7za + the Electron stand-in,
 * signed with a throwaway certificate) and installs it under wine64, as IT would with `/S`:
 * files land, the Add/Remove Programs entry has the right values, the installed exe carries the
 * fuses, every exe verifies with osslsigncode, and the uninstaller runs the app's own uninstall mode
 * with the keep/remove answer, stops when that fails, and removes everything when it succeeds.
 * What stands in for Electron: build/standin/electron-standin.c (a real PE32+, no JavaScript).
 */
import { readFile, mkdir, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extractFile, listPackage } from '@electron/asar';
import { UUID } from 'builder-util-runtime';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ID } from '../../build/builder-config.js';
import { cleanServer, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { parseUnattendedArgs } from '../../electron/engine/unattended-args.js';
import { parseStartArgs } from '../../electron/main/start-mode.js';
import { missingTools, REQUIRED_TOOLS } from '../../scripts/dist/toolchain.js';
import {
  cannotHideRepo,
  disposeLayout,
  packedLayout,
  runPackedUnattended,
  type PackedLayout,
} from '../support/packed/packed-app.js';
import { sharedDist, type SharedDist } from '../support/packed/shared-dist.js';
import { findWine, splitWindowsCommandLine, winPath, WinePrefix } from '../support/wine/wine.js';

const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
  productName: string;
  version: string;
};
const wine = await findWine();
const missing = [
  ...(await missingTools({ ...REQUIRED_TOOLS, osslsigncode: 'osslsigncode', openssl: 'openssl' })),
  ...(wine ? [] : ['wine64 (Debian package wine64)']),
  // The packed app (its JavaScript) runs with the repository hidden, as in packed-app.test.ts.
  ...(cannotHideRepo() ? [cannotHideRepo()] : []),
];
if (missing.length > 0 && process.env.CI === 'true') {
  throw new Error(`CI must have the installer tools: missing ${missing.join(', ')}`);
}
const skipReason = missing.length > 0 ? `installer tools missing: ${missing.join(', ')}` : '';

// Electron-builder's key: UUID v5 of the appId in its namespace (never change APP_ID after release).
const GUID = UUID.v5(APP_ID, UUID.parse('50e065bc-3134-11e6-9bab-38c9862bdaf3'));
const ARP_KEY = `HKLM\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\${GUID}`;
const INSTALL_DIR = `C:\\Program Files\\${pkg.productName}`;
const APP_EXE = `${INSTALL_DIR}\\${pkg.productName}.exe`;
const UNINSTALLER = `${INSTALL_DIR}\\Uninstall ${pkg.productName}.exe`;

describe.skipIf(skipReason !== '')(
  `Windows installer under wine64 ${skipReason}`,
  { timeout: 240_000 },
  () => {
    let work: string;
    let built: SharedDist;
    let prefix: WinePrefix;
    let certPem: string;
    let distLog: string[];
    let layout: PackedLayout;

    beforeAll(async () => {
      work = await mkdtemp(path.join(os.tmpdir(), 'qatrack-installer-exe-'));
      // One dist build (stand-in runtime, throwaway certificate) shared with the packed-layout tier.
      const [result, winePrefix] = await Promise.all([
        sharedDist(),
        WinePrefix.create(wine!, path.join(work, 'wine')),
      ]);
      built = result;
      certPem = result.certPem;
      distLog = result.log;
      prefix = winePrefix;
      layout = await packedLayout(built.winUnpacked, built.asar);
      await mkdir(layout.programData, { recursive: true });
    }, 600_000);

    afterAll(async () => {
      await prefix?.dispose();
      if (layout) await disposeLayout(layout);
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('builds a 64-bit Windows setup that says it used the stand-in and is signed', async () => {
      const { stdout } = await execa('file', ['-b', built.installer]);
      expect(stdout).toMatch(/^PE32\+ executable \(GUI\) x86-64/);
      expect(path.basename(built.installer)).toBe(`${pkg.productName} Setup ${pkg.version}.exe`);
      expect(built.electronIsStandIn).toBe(true);
      expect(distLog.join('\n')).toContain('packaging stand-in');
      expect(built.signed).toBe(true);
      expect(distLog.join('\n')).not.toContain('UNSIGNED');
      expect(distLog.join('\n')).not.toContain('canary-Pfx-Passw0rd');
    });

    it('keeps renderer-only and build-only packages out of app.asar and ships the resources', () => {
      const asar = path.join(path.dirname(built.installer), 'win-unpacked', 'resources', 'app.asar');
      const files = listPackage(asar, { isPack: false }).map((f) => f.replaceAll('\\', '/'));
      const packaged = JSON.parse(extractFile(asar, 'package.json').toString()) as { main: string };
      expect(files).toContain(`/${packaged.main}`);
      for (const banned of [
        'react',
        'react-dom',
        '@fluentui',
        'tsx',
        'esbuild',
        '@esbuild',
        'electron',
        'vite',
      ]) {
        expect(files.some((f) => f.startsWith(`/node_modules/${banned}/`))).toBe(false);
      }
      expect(files.some((f) => f.startsWith('/electron/') || f.startsWith('/test/'))).toBe(false);
      // Production dependencies the engine needs at run time are there.
      expect(files).toContain('/node_modules/zod/package.json');
    });

    it('refuses Windows older than 10 / Server 2016 before copying anything (exit 1603)', async () => {
      await prefix.setWindowsVersion('win81');
      try {
        const refused = await prefix.run(winPath(built.installer), ['/S']);
        await prefix.wait();
        expect(refused.code).toBe(1603);
        expect(existsSync(path.join(prefix.driveC, 'Program Files', pkg.productName))).toBe(false);
        expect(await prefix.regQuery(ARP_KEY)).toBeNull();
      } finally {
        await prefix.setWindowsVersion('win10');
      }
    });

    it('installs silently with /S: files, Add/Remove Programs entry with Modify and Repair, fuses', async () => {
      const install = await prefix.run(winPath(built.installer), ['/S']);
      await prefix.wait();
      expect(install.code).toBe(0);

      const dir = path.join(prefix.driveC, 'Program Files', pkg.productName);
      for (const file of [
        `${pkg.productName}.exe`,
        `Uninstall ${pkg.productName}.exe`,
        'resources/app.asar',
      ]) {
        expect(existsSync(path.join(dir, file)), file).toBe(true);
      }
      expect(existsSync(path.join(dir, 'resources', 'examples', 'answers.json'))).toBe(true);

      const arp = await prefix.regQuery(ARP_KEY);
      expect(arp).not.toBeNull();
      expect(arp!.DisplayName).toEqual({ type: 'REG_SZ', value: pkg.productName });
      expect(arp!.DisplayVersion!.value).toBe(pkg.version);
      expect(arp!.InstallLocation!.value).toBe(INSTALL_DIR);
      expect(arp!.UninstallString!.value).toBe(`"${UNINSTALLER}"`);
      expect(arp!.QuietUninstallString!.value).toBe(`"${UNINSTALLER}" /S`);
      expect(arp!.ModifyPath!.value).toBe(`"${APP_EXE}" --mode=reconfigure`);
      expect(arp!.RepairPath!.value).toBe(`"${APP_EXE}" --mode=repair`);
      expect(arp!.NoModify).toEqual({ type: 'REG_DWORD', value: '0x0' });
      expect(arp!.NoRepair).toEqual({ type: 'REG_DWORD', value: '0x0' });
      expect(arp!.DisplayIcon!.value).toBe(`${APP_EXE},0`);
      expect(Number(arp!.EstimatedSize!.value)).toBeGreaterThan(0);

      // The installed exe (the stand-in) reports the fuse wire electron-builder flipped.
      const app = await prefix.run(APP_EXE, []);
      expect(app.stdout).toContain('fuse.RunAsNode=0');
      expect(app.stdout).toContain('fuse.EnableCookieEncryption=1');
      expect(app.stdout).toContain('fuse.EnableEmbeddedAsarIntegrityValidation=1');
      expect(app.stdout).toContain('fuse.OnlyLoadAppFromAsar=1');
      expect(app.stdout).toContain('fuse.EnableNodeOptionsEnvironmentVariable=0');
      expect(app.stdout).toContain('fuse.EnableNodeCliInspectArguments=0');
      expect(app.stdout).toContain('fuse.GrantFileProtocolExtraPrivileges=0');
    });

    it('signs the setup, the app and the uninstaller (Authenticode SHA-256, osslsigncode verifies)', async () => {
      const dir = path.join(prefix.driveC, 'Program Files', pkg.productName);
      for (const file of [
        built.installer,
        path.join(dir, `${pkg.productName}.exe`),
        path.join(dir, `Uninstall ${pkg.productName}.exe`),
      ]) {
        const { stdout } = await execa('osslsigncode', ['verify', '-in', file, '-CAfile', certPem]);
        expect(stdout, file).toContain('Signature verification: ok');
        expect(stdout, file).toMatch(/Message digest algorithm\s*:\s*SHA256/);
        expect(stdout, file).toContain('QATrack Installer Test Signing');
      }
    });

    it('qatrack-installer.exe (console) runs the app unattended, waits, and returns its exit code', async () => {
      const argvLog = path.join(work, 'argv-console.log');
      const r = await prefix.run(
        `${INSTALL_DIR}\\qatrack-installer.exe`,
        ['--answers', 'C:\\it\\answers.json', '--mode=repair'],
        {
          QATRACK_STANDIN_ARGV_LOG: winPath(argvLog),
          QATRACK_STANDIN_EXIT: '3010',
        },
      );
      expect(r.code).toBe(3010);
      // The app's own output reaches the console the launcher was started from.
      expect(r.stdout).toContain('packaging stand-in');
      const line = (await readFile(argvLog, 'utf8')).trim();
      expect(line).toBe(`"${APP_EXE}" --unattended --answers C:\\it\\answers.json --mode=repair`);
      // ...which the app reads as an unattended repair with that answers file.
      expect(parseUnattendedArgs(splitWindowsCommandLine(line))).toMatchObject({
        mode: 'repair',
        answersFile: 'C:\\it\\answers.json',
      });
      const { stdout } = await execa('osslsigncode', [
        'verify',
        '-in',
        path.join(prefix.driveC, 'Program Files', pkg.productName, 'qatrack-installer.exe'),
        '-CAfile',
        certPem,
      ]);
      expect(stdout).toContain('Signature verification: ok');
    });

    it('Add/Remove Programs Modify and Repair start the wizard in reconfigure and repair mode', async () => {
      const arp = (await prefix.regQuery(ARP_KEY))!;
      for (const [value, mode] of [
        ['ModifyPath', 'reconfigure'],
        ['RepairPath', 'repair'],
      ] as const) {
        const argvLog = path.join(work, `argv-${value}.log`);
        // What Windows runs: the registered command line, as is.
        const [exe, ...args] = splitWindowsCommandLine(arp[value]!.value);
        await prefix.run(exe!, args, { QATRACK_STANDIN_ARGV_LOG: winPath(argvLog) });
        const argv = splitWindowsCommandLine((await readFile(argvLog, 'utf8')).trim());
        expect(argv[0]).toBe(APP_EXE);
        expect(parseStartArgs(argv)).toEqual({ ok: true, mode });
        // Not an unattended run: the wizard opens.
        expect(parseUnattendedArgs(argv)).toBeNull();
      }
    });

    it('uninstall stops and keeps the app when the deployment cannot be removed (exit 1603)', async () => {
      const argvLog = path.join(work, 'argv-failed.log');
      // `_?=` runs the uninstaller in place so its own exit code is the one we get.
      const result = await prefix.run(UNINSTALLER, ['/S', `_?=${INSTALL_DIR}`], {
        QATRACK_STANDIN_ARGV_LOG: winPath(argvLog),
        QATRACK_STANDIN_EXIT: '1603',
      });
      await prefix.wait();
      expect(result.code).toBe(1603);
      expect(await readFile(argvLog, 'utf8')).toContain('--unattended --mode=uninstall --keep-data');
      expect(await prefix.regQuery(ARP_KEY)).not.toBeNull();
      expect(
        existsSync(path.join(prefix.driveC, 'Program Files', pkg.productName, `${pkg.productName}.exe`)),
      ).toBe(true);
    });

    it('silent uninstall keeps data by default, removes the app, its files and its registry keys', async () => {
      const argvLog = path.join(work, 'argv-keep.log');
      await prefix.run(UNINSTALLER, ['/S'], { QATRACK_STANDIN_ARGV_LOG: winPath(argvLog) });
      await prefix.wait();
      const calls = (await readFile(argvLog, 'utf8')).trim().split('\n');
      expect(calls).toHaveLength(1);
      expect(calls[0]).toBe(
        `"${APP_EXE}" --unattended --mode=uninstall --keep-data --log-file "C:\\ProgramData\\${pkg.productName}\\logs\\uninstall.log"`,
      );
      // That very command line, given to the packed app (its JavaScript; the stand-in exe runs none):
      // it finds the answers the install remembered and removes what the install created.
      const argv = splitWindowsCommandLine(calls[0]!).slice(1);
      const sim = path.join(layout.root, 'uninstall-sim.json');
      await writeFile(sim, JSON.stringify(withExistingSql(cleanServer())));
      const answers = path.join(layout.root, 'answers.json');
      await writeFile(
        answers,
        readFileSync(path.join(import.meta.dirname, '../../resources/examples/answers.json')),
      );
      const installed = await runPackedUnattended(layout, ['--answers', answers, '--host', `sim:${sim}`]);
      expect(installed.code, installed.output).toBe(0);
      const services = () => Object.keys(JSON.parse(readFileSync(sim, 'utf8')).services as object);
      expect(services()).toContain('QATrackWorker1');
      const asNsis = argv
        .filter((a) => a !== '--unattended')
        .map((a) => a.replace(`C:\\ProgramData`, layout.programData).replaceAll('\\', '/'));
      const removed = await runPackedUnattended(layout, [...asNsis, '--host', `sim:${sim}`]);
      expect(removed.code, removed.output).toBe(0);
      expect(removed.output).toContain('Using the answers remembered on this machine');
      expect(services()).toEqual([]);
      expect(existsSync(layout.rememberedFile)).toBe(false);
      expect(existsSync(path.join(layout.programData, pkg.productName, 'logs', 'uninstall.log'))).toBe(true);
      expect(existsSync(path.join(prefix.driveC, 'Program Files', pkg.productName))).toBe(false);
      expect(await prefix.regQuery(ARP_KEY)).toBeNull();
      expect(await prefix.regQuery(`HKLM\\Software\\${GUID}`)).toBeNull();
    });

    it('--remove-data passes the remove answer to the app', async () => {
      expect((await prefix.run(winPath(built.installer), ['/S'])).code).toBe(0);
      await prefix.wait();
      const argvLog = path.join(work, 'argv-remove.log');
      await prefix.run(UNINSTALLER, ['/S', '--remove-data'], { QATRACK_STANDIN_ARGV_LOG: winPath(argvLog) });
      await prefix.wait();
      expect(await readFile(argvLog, 'utf8')).toContain('--unattended --mode=uninstall --remove-data');
      expect(await prefix.regQuery(ARP_KEY)).toBeNull();
    });
  },
);
