/**
 * A throwaway wine64 Windows for installer tests: a fresh WINEPREFIX in a temp dir, helpers to run a
 * program and get its full exit code, read the registry, and map paths. Debian's wine64 package puts
 * its loader in /usr/lib/wine (the `wine` wrapper package is optional), so both places are searched.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { which } from '../../../scripts/dist/toolchain.js';

export interface WineTools {
  wine: string;
  wineserver: string;
}

export async function findWine(): Promise<WineTools | null> {
  const wine =
    (await which('wine64')) ?? (existsSync('/usr/lib/wine/wine64') ? '/usr/lib/wine/wine64' : null);
  const wineserver =
    (await which('wineserver')) ??
    (existsSync('/usr/lib/wine/wineserver') ? '/usr/lib/wine/wineserver' : null);
  return wine && wineserver ? { wine, wineserver } : null;
}

/** Z: maps to / in every prefix. */
export function winPath(unixPath: string): string {
  return `Z:${unixPath.replaceAll('/', '\\')}`;
}

export interface WineExecResult {
  /** Only the low 8 bits when the program's code is above 255 (a Unix exit status): use run(). */
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface WineExecOptions {
  env?: Record<string, string>;
  /** Written to the program's stdin, which is then closed (default: empty). */
  input?: string;
  cwd?: string;
  timeoutMs?: number;
}

/**
 * Says whether the Wine tier can run, and fails loudly in CI when it cannot (as the NSIS test does):
 * a skipped tier in CI would hide every Windows binary behind "passed".
 */
export async function wineTierSkipReason(extraTools: string[] = []): Promise<string> {
  const wine = await findWine();
  const missing = [...(wine ? [] : ['wine64 (Debian package wine64)'])];
  for (const tool of ['x86_64-w64-mingw32-gcc', ...extraTools]) {
    if (!(await which(tool))) missing.push(tool);
  }
  if (missing.length > 0 && process.env.CI === 'true') {
    throw new Error(`CI must have the Wine tier's tools: missing ${missing.join(', ')}`);
  }
  return missing.length > 0 ? `(skipped: ${missing.join(', ')} missing)` : '';
}

export class WinePrefix {
  private constructor(
    readonly tools: WineTools,
    readonly dir: string,
    private readonly exitCodeExe: string,
  ) {}

  /** Creates the prefix (wineboot) and compiles the exit-code helper into it. */
  static async create(tools: WineTools, dir: string): Promise<WinePrefix> {
    await mkdir(dir, { recursive: true });
    const exitCodeExe = path.join(dir, 'exit-code.exe');
    await execa('x86_64-w64-mingw32-gcc', [
      '-municode',
      '-O2',
      '-s',
      '-o',
      exitCodeExe,
      path.join(import.meta.dirname, 'exit-code.c'),
    ]);
    const prefix = new WinePrefix(tools, dir, exitCodeExe);
    await execa(tools.wine, ['wineboot', '-i'], { env: prefix.env(), reject: false });
    await prefix.wait();
    return prefix;
  }

  /**
   * Puts the ProcessPrng stub (bcryptprimitives.c) into system32, so Rust programs (uv.exe) start.
   * Wine 8 has no bcryptprimitives.dll of its own, so the native one is loaded.
   */
  async installProcessPrng(): Promise<void> {
    const out = path.join(this.driveC, 'windows', 'system32', 'bcryptprimitives.dll');
    await execa('x86_64-w64-mingw32-gcc', [
      '-shared',
      '-O2',
      '-s',
      '-o',
      out,
      path.join(import.meta.dirname, 'bcryptprimitives.c'),
      path.join(import.meta.dirname, 'bcryptprimitives.def'),
      '-lbcrypt',
    ]);
  }

  /**
   * Keeps this prefix's wineserver and its service manager running between programs (without it,
   * services stop when the last Wine process exits), and starts services.exe with no stdio of ours:
   * a system process started by a program inherits that program's pipes and holds them open, so
   * the next `exec` would never see its output end.
   */
  async keepAlive(): Promise<void> {
    await execa(this.tools.wineserver, ['-p'], { env: this.env(), stdio: 'ignore' });
    await execa(this.tools.wine, ['sc', 'query', 'PlugPlay'], {
      env: this.env(),
      stdio: 'ignore',
      reject: false,
    });
  }

  /**
   * Wine 8 reports Windows 7 by default; Node.js 20 refuses to start below Windows 8.1 ("Node.js is
   * only supported on Windows 8.1, Windows Server 2012 R2, or higher"). Windows Server 2016-2025
   * report version 10.0, as `win10` does.
   */
  async setWindowsVersion(version: 'win7' | 'win81' | 'win10' = 'win10'): Promise<void> {
    await execa(this.tools.wine, ['winecfg', '/v', version], { env: this.env(), stdio: 'ignore' });
    await this.wait();
  }

  /** Maps a drive letter (e.g. "E") to a Linux folder, as a second disk or the bundle's USB drive. */
  async mapDrive(letter: string, unixDir: string): Promise<void> {
    const link = path.join(this.dir, 'prefix', 'dosdevices', `${letter.toLowerCase()}:`);
    await rm(link, { force: true });
    await symlink(unixDir, link);
  }

  /** The Linux path behind a Windows path on C: or a mapped drive (case as given). */
  unixPath(winPath: string): string {
    const m = /^([A-Za-z]):\\(.*)$/.exec(winPath);
    if (!m) throw new Error(`not an absolute Windows path: ${winPath}`);
    const rest = m[2]!.split('\\').filter(Boolean);
    return path.join(this.dir, 'prefix', 'dosdevices', `${m[1]!.toLowerCase()}:`, ...rest);
  }

  /**
   * Runs a Windows program with pipes for stdin, stdout and stderr (Windows CPython cannot start
   * its standard streams on a Linux file or terminal under Wine 8: "init_sys_streams: ... Invalid
   * handle"; pipes work).
   */
  async exec(file: string, args: string[], o: WineExecOptions = {}): Promise<WineExecResult> {
    const r = await execa(this.tools.wine, [file, ...args], {
      env: this.env(o.env),
      input: o.input ?? '',
      cwd: o.cwd,
      timeout: o.timeoutMs,
      reject: false,
      stripFinalNewline: false,
    });
    return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  /** Starts a long-running Windows program (stop it with kill() on the returned process). */
  spawn(file: string, args: string[], o: { env?: Record<string, string> } = {}): ResultPromise {
    return execa(this.tools.wine, [file, ...args], { env: this.env(o.env), reject: false, buffer: true });
  }

  get driveC(): string {
    return path.join(this.dir, 'prefix', 'drive_c');
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      WINEPREFIX: path.join(this.dir, 'prefix'),
      WINEDEBUG: '-all',
      // No Mono/Gecko prompts or downloads in a fresh prefix.
      WINEDLLOVERRIDES: 'mscoree,mshtml=',
      DISPLAY: '',
      ...extra,
    };
  }

  /** Waits until every process of this prefix has exited (the NSIS uninstaller re-spawns itself). */
  async wait(): Promise<void> {
    await execa(this.tools.wineserver, ['-w'], { env: this.env() });
  }

  /** Runs a Windows program and returns its full exit code (Unix statuses keep only 8 bits). */
  async run(
    program: string,
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ code: number; stdout: string }> {
    const result = await execa(this.tools.wine, [this.exitCodeExe, program, ...args], {
      env: this.env(env),
      reject: false,
    });
    const match = /exit-code=(\d+)/.exec(result.stdout);
    if (!match) throw new Error(`could not run ${program} under wine: ${result.stdout}\n${result.stderr}`);
    return { code: Number(match[1]), stdout: result.stdout };
  }

  /** Values of one registry key (64-bit view), or null when the key does not exist. */
  async regQuery(key: string): Promise<Record<string, { type: string; value: string }> | null> {
    const result = await execa(this.tools.wine, ['reg', 'query', key], { env: this.env(), reject: false });
    if (result.exitCode !== 0) return null;
    const values: Record<string, { type: string; value: string }> = {};
    for (const line of result.stdout.split(/\r?\n/)) {
      const m = /^\s{4}(.+?)\s{4}(REG_\w+)\s{4}(.*)$/.exec(line);
      if (m) values[m[1]!] = { type: m[2]!, value: m[3]! };
    }
    return values;
  }

  async dispose(): Promise<void> {
    await execa(this.tools.wineserver, ['-k'], { env: this.env(), reject: false });
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A Windows command line split into argv the way the Microsoft C runtime does (Microsoft Learn,
 * "Parsing C command-line arguments": arguments split at spaces/tabs outside double quotes; 2n
 * backslashes + `"` give n backslashes and a quote toggle, 2n+1 backslashes + `"` give n backslashes
 * and a literal quote; other backslashes are literal). What the app's `process.argv` receives.
 */
export function splitWindowsCommandLine(line: string): string[] {
  const args: string[] = [];
  let cur = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') {
      let n = 0;
      while (line[i] === '\\') {
        n++;
        i++;
      }
      if (line[i] === '"') {
        cur += '\\'.repeat(Math.floor(n / 2));
        if (n % 2 === 1) cur += '"';
        else {
          quoted = !quoted;
        }
        started = true;
      } else {
        cur += '\\'.repeat(n);
        i--;
        started = true;
      }
    } else if (c === '"') {
      quoted = !quoted;
      started = true;
    } else if ((c === ' ' || c === '\t') && !quoted) {
      if (started) args.push(cur);
      cur = '';
      started = false;
    } else {
      cur += c;
      started = true;
    }
  }
  if (started) args.push(cur);
  return args;
}
