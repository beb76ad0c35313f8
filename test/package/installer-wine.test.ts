/**
 * Builds the Windows setup offline (electron-builder + Debian makensis/7za + the Electron stand-in,
 * signed with a throwaway certificate) and installs it under wine64, as IT would with `/S`:
 * files land, the Add/Remove Programs entry has the right values, the installed exe carries the
 * fuses, every exe verifies with osslsigncode, and the uninstaller runs the app's own uninstall mode
 * with the keep/remove answer, stops when that fails, and removes everything when it succeeds.
 * What stands in for Electron: build/standin/electron-standin.c (a real PE32+, no JavaScript).
 */
import { readFile, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extractFile, listPackage } from '@electron/asar';
import { UUID } from 'builder-util-runtime';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ID } from '../../build/builder-config.js';
import { dist, type DistResult } from '../../scripts/dist.js';
import { missingTools, REQUIRED_TOOLS } from '../../scripts/dist/toolchain.js';
import { findWine, winPath, WinePrefix } from '../support/wine/wine.js';

const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
  productName: string;
  version: string;
};
const wine = await findWine();
const missing = [
  ...(await missingTools({ ...REQUIRED_TOOLS, osslsigncode: 'osslsigncode', openssl: 'openssl' })),
  ...(wine ? [] : ['wine64 (Debian package wine64)']),
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
    let built: DistResult;
    let prefix: WinePrefix;
    let certPem: string;
    const distLog: string[] = [];

    beforeAll(async () => {
      work = await mkdtemp(path.join(os.tmpdir(), 'qatrack-installer-exe-'));
      // Throwaway code-signing certificate (self-signed, EKU codeSigning) in a password-protected .pfx.
      certPem = path.join(work, 'cert.pem');
      const key = path.join(work, 'key.pem');
      const pfx = path.join(work, 'sign.pfx');
      const pass = path.join(work, 'pfx-pass.txt');
      await writeFile(pass, 'canary-Pfx-Passw0rd!\n', { mode: 0o600 });
      await execa('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        certPem,
        '-days',
        '2',
        '-subj',
        '/CN=QATrack Installer Test Signing',
        '-addext',
        'extendedKeyUsage=codeSigning',
      ]);
      await execa('openssl', [
        'pkcs12',
        '-export',
        '-out',
        pfx,
        '-inkey',
        key,
        '-in',
        certPem,
        '-passout',
        `file:${pass}`,
      ]);
      await rm(key);
      Object.assign(process.env, {
        QATRACK_SIGN_PFX: pfx,
        QATRACK_SIGN_PASSWORD_FILE: pass,
        QATRACK_SIGN_TIMESTAMP_URL: 'none', // no network here; production uses an RFC 3161 server
      });
      const [result, winePrefix] = await Promise.all([
        dist({ outputDir: path.join(work, 'release'), log: (l) => distLog.push(l) }),
        WinePrefix.create(wine!, path.join(work, 'wine')),
      ]);
      built = result;
      prefix = winePrefix;
    }, 600_000);

    afterAll(async () => {
      await prefix?.dispose();
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
