/**
 * Everything electron-builder needs to make the Windows NSIS installer on Linux without a network:
 *  - a stand-in Electron dist for win32-x64 (build/standin/electron-standin.c compiled with Debian's
 *    MinGW-w64: a real PE32+ that carries Electron 45's fuse wire; see that file for what it is not);
 *  - an NSIS dir whose `makensis` wraps Debian's makensis 3.08 (electron-builder's own NSIS bundle is a
 *    download), plus the elevate.exe electron-builder packs for per-machine installs;
 *  - an NSIS resources dir pointing at Debian's plugins (our script uses only standard plugins);
 *  - Debian's 7za.
 * Outputs are cached by the hash of their sources, so a second build compiles nothing.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

export interface Toolchain {
  /** Unpacked Electron dist for win32-x64 (`-c.electronDist`). */
  electronDist: string;
  /** build/console/qatrack-installer.c compiled: the console launcher installed beside the app. */
  consoleLauncher: string;
  /** True when electronDist is the packaging stand-in rather than the real runtime. */
  electronIsStandIn: boolean;
  env: {
    ELECTRON_BUILDER_NSIS_DIR: string;
    ELECTRON_BUILDER_NSIS_RESOURCES_DIR: string;
    ELECTRON_BUILDER_7ZIP_PATH: string;
  };
}

/** Debian packages that provide each tool (scripts/setup-test-deps.sh installs them). */
export const REQUIRED_TOOLS = {
  makensis: 'nsis',
  '7za': 'p7zip-full',
  'x86_64-w64-mingw32-gcc': 'gcc-mingw-w64-x86-64-win32',
} as const;

export async function which(command: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not in this PATH entry
    }
  }
  return null;
}

export async function missingTools(tools: Record<string, string> = REQUIRED_TOOLS): Promise<string[]> {
  const missing: string[] = [];
  for (const [command, pkg] of Object.entries(tools)) {
    if ((await which(command)) === null) missing.push(`${command} (Debian package ${pkg})`);
  }
  return missing;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

/**
 * Compiles a C source (and its .rc resources, if any) to a Windows x64 exe, unless the cached exe was
 * built from the same inputs.
 */
async function compileWindowsExe(
  source: string,
  output: string,
  objDir: string,
  options: { libs?: string[]; resources?: string; resourceInputs?: string[] } = {},
): Promise<void> {
  const inputs = [source, ...(options.resources ? [options.resources] : []), ...(options.resourceInputs ?? [])];
  const hash = createHash('sha256');
  for (const input of inputs) hash.update(await readFile(input));
  hash.update((options.libs ?? []).join(' '));
  const digest = hash.digest('hex');
  // Stamps and objects live outside the dist dir so nothing but the exe is packaged.
  await mkdir(objDir, { recursive: true });
  const stamp = path.join(objDir, `${path.basename(output)}.sha256`);
  if ((await exists(output)) && (await readFile(stamp, 'utf8').catch(() => '')) === digest) return;
  await mkdir(path.dirname(output), { recursive: true });
  const objects: string[] = [];
  if (options.resources) {
    const object = path.join(objDir, `${path.basename(output)}.res.o`);
    await execa('x86_64-w64-mingw32-windres', [path.basename(options.resources), '-O', 'coff', '-o', object], {
      cwd: path.dirname(options.resources),
    });
    objects.push(object);
  }
  await execa('x86_64-w64-mingw32-gcc', ['-municode', '-O2', '-s', '-o', output, source, ...objects, ...(options.libs ?? [])]);
  await writeFile(stamp, digest);
}

export interface ToolchainOptions {
  projectDir: string;
  /** Where generated tools go (default <project>/.cache/dist-toolchain). */
  cacheDir?: string;
  /** A real unpacked Electron win32-x64 dist; when given, no stand-in is built. */
  electronDist?: string;
  electronVersion: string;
}

export async function prepareToolchain(options: ToolchainOptions): Promise<Toolchain> {
  const cacheDir = options.cacheDir ?? path.join(options.projectDir, '.cache', 'dist-toolchain');
  const standinDir = path.join(options.projectDir, 'build', 'standin');
  // MinGW builds elevate.exe and the console launcher always, and the stand-in runtime.
  const needed: Record<string, string> = { ...REQUIRED_TOOLS };
  const missing = await missingTools(needed);
  if (missing.length > 0) {
    throw new Error(
      `DIST_TOOLS_MISSING: cannot build the Windows installer offline; missing ${missing.join(', ')}. ` +
        'Run scripts/setup-test-deps.sh (or apt-get install them).',
    );
  }

  const objDir = path.join(cacheDir, 'obj');
  // NSIS: Debian's makensis behind the entrypoint name electron-builder looks for, and elevate.exe.
  const nsisDir = path.join(cacheDir, 'nsis');
  await mkdir(nsisDir, { recursive: true });
  const makensis = path.join(nsisDir, 'makensis');
  const makensisPath = (await which('makensis'))!;
  await writeFile(makensis, `#!/bin/sh\n# Debian's makensis 3.08 (data in /usr/share/nsis).\nexec '${makensisPath}' "$@"\n`);
  await chmod(makensis, 0o755);
  await compileWindowsExe(path.join(standinDir, 'elevate.c'), path.join(nsisDir, 'elevate.exe'), objDir, {
    libs: ['-lshell32'],
  });

  // Plugins: electron-builder always resolves a resources dir; Debian's Plugins tree has the layout.
  const resourcesDir = path.join(cacheDir, 'nsis-resources');
  await mkdir(resourcesDir, { recursive: true });
  const pluginsLink = path.join(resourcesDir, 'plugins');
  await rm(pluginsLink, { force: true, recursive: true });
  await symlink('/usr/share/nsis/Plugins', pluginsLink);

  // The console launcher IT scripts call (waits for the app, returns its exit code).
  const consoleLauncher = path.join(cacheDir, 'console', 'qatrack-installer.exe');
  await compileWindowsExe(path.join(options.projectDir, 'build', 'console', 'qatrack-installer.c'), consoleLauncher, objDir);

  let electronDist = options.electronDist;
  if (!electronDist) {
    electronDist = path.join(cacheDir, 'electron-standin-win32-x64');
    await rm(electronDist, { recursive: true, force: true });
    await mkdir(path.join(electronDist, 'resources'), { recursive: true });
    await compileWindowsExe(
      path.join(standinDir, 'electron-standin.c'),
      path.join(electronDist, 'electron.exe'),
      objDir,
      {
        resources: path.join(standinDir, 'electron-standin.rc'),
        resourceInputs: [
          path.join(standinDir, 'electron-standin.manifest'),
          path.join(options.projectDir, 'build', 'icon.ico'),
        ],
      },
    );
    await writeFile(path.join(electronDist, 'version'), `${options.electronVersion}\n`);
    await writeFile(
      path.join(electronDist, 'LICENSE'),
      'Packaging stand-in for the Electron runtime (build/standin/electron-standin.c). ' +
        'Not for release: a release build passes the real Electron win32-x64 dist.\n',
    );
  }

  return {
    electronDist,
    consoleLauncher,
    electronIsStandIn: !options.electronDist,
    env: {
      ELECTRON_BUILDER_NSIS_DIR: nsisDir,
      ELECTRON_BUILDER_NSIS_RESOURCES_DIR: resourcesDir,
      ELECTRON_BUILDER_7ZIP_PATH: (await which('7za'))!,
    },
  };
}
