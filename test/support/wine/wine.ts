/**
 * A throwaway wine64 Windows for installer tests: a fresh WINEPREFIX in a temp dir, helpers to run a
 * program and get its full exit code, read the registry, and map paths. Debian's wine64 package puts
 * its loader in /usr/lib/wine (the `wine` wrapper package is optional), so both places are searched.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
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

  /** The Windows version this prefix reports (winecfg /v win7 | win10 ...). */
  async setWindowsVersion(version: 'win7' | 'win81' | 'win10'): Promise<void> {
    await execa(this.tools.wine, ['winecfg', '/v', version], { env: this.env() });
    await this.wait();
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
