/**
 * `npm run dist [-- --electron-dist DIR]`: builds the Windows setup (release/QATrack+ Installer Setup
 * <version>.exe) on Linux without a network. Prints where it is, its size, the build time and whether
 * it is signed. Without --electron-dist the app inside runs on a packaging stand-in, not Electron (see
 * build/standin/electron-standin.c): fine for testing the installer, never for shipping.
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { build as esbuild } from 'esbuild';
import { execa } from 'execa';
import { Arch, build, Platform } from 'electron-builder';
import { createBuilderConfig } from '../build/builder-config.js';
import { prepareToolchain } from './dist/toolchain.js';
import { signFile, signingConfigFromEnv, UNSIGNED_WARNING } from './dist/signing.js';

const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

interface PackageJson {
  name: string;
  productName: string;
  version: string;
  main?: string;
  homepage?: string;
  scripts?: Record<string, string>;
  devDependencies: Record<string, string>;
}

export interface DistOptions {
  electronDist?: string;
  outputDir?: string;
  log?: (line: string) => void;
}

export interface DistResult {
  installer: string;
  bytes: number;
  seconds: number;
  signed: boolean;
  electronIsStandIn: boolean;
}

/** The packaged main: package.json's (built by `npm run build` if missing), else a labelled fallback. */
async function resolveMainEntry(pkg: PackageJson, log: (l: string) => void): Promise<string | undefined> {
  if (pkg.main && !existsSync(path.join(projectDir, pkg.main)) && pkg.scripts?.build) {
    log(`Building the app (${pkg.main} is missing): npm run build`);
    await execa('npm', ['run', 'build'], { cwd: projectDir, stdio: 'inherit' });
  }
  if (pkg.main && existsSync(path.join(projectDir, pkg.main))) return undefined;
  const fallback = 'out/package-fallback/main.cjs';
  log(`NOTE: no Electron main to package yet; packaging build/fallback-main.ts as ${fallback}.`);
  await esbuild({
    entryPoints: [path.join(projectDir, 'build/fallback-main.ts')],
    outfile: path.join(projectDir, fallback),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['electron'],
    logLevel: 'warning',
  });
  return fallback;
}

export async function dist(options: DistOptions = {}): Promise<DistResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const started = performance.now();
  const pkg = JSON.parse(await readFile(path.join(projectDir, 'package.json'), 'utf8')) as PackageJson;
  const electronVersion = pkg.devDependencies.electron!.replace(/^[^\d]*/, '');
  const toolchain = await prepareToolchain({
    projectDir,
    electronVersion,
    ...(options.electronDist ? { electronDist: path.resolve(options.electronDist) } : {}),
  });
  if (toolchain.electronIsStandIn) {
    log('NOTE: Electron runtime = packaging stand-in (build/standin/electron-standin.c), not Electron.');
  }
  // makensis (and the uninstaller signing it runs) read these from the environment.
  Object.assign(process.env, toolchain.env);

  const signing = await signingConfigFromEnv(process.env, {
    description: pkg.productName,
    url: pkg.homepage ?? 'https://qatrackplus.com',
  });
  if (signing === null) log(UNSIGNED_WARNING);
  let warned = false;
  const mainEntry = await resolveMainEntry(pkg, log);

  const config = createBuilderConfig({
    electronDist: toolchain.electronDist,
    consoleLauncher: toolchain.consoleLauncher,
    electronVersion,
    ...(mainEntry ? { mainEntry } : {}),
    ...(options.outputDir ? { outputDir: options.outputDir } : {}),
    sign: async (task) => {
      // Called for every exe and the setup; warn once per build rather than per file.
      await signFile(task.path, signing, (m) => {
        if (!warned) log(m);
        warned = true;
      });
    },
  });
  const artifacts = await build({
    projectDir,
    targets: Platform.WINDOWS.createTarget('nsis', Arch.x64),
    config,
    publish: 'never',
  });
  const installer = artifacts.find((a) => a.endsWith('.exe'));
  if (!installer) throw new Error(`DIST_NO_INSTALLER: electron-builder produced ${artifacts.join(', ')}`);
  const bytes = (await stat(installer)).size;
  const seconds = (performance.now() - started) / 1000;
  log(`Installer: ${installer}`);
  log(`Size: ${(bytes / 1024 / 1024).toFixed(2)} MiB (${bytes} bytes); build time ${seconds.toFixed(1)} s`);
  log(signing ? 'Signed: yes (Authenticode, SHA-256)' : 'Signed: NO - see the warning above');
  return {
    installer,
    bytes,
    seconds,
    signed: signing !== null,
    electronIsStandIn: toolchain.electronIsStandIn,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const program = new Command()
    .name('dist')
    .description('Build the Windows setup .exe offline.')
    .option('--electron-dist <dir>', 'real unpacked Electron win32-x64 dist (default: packaging stand-in)')
    .option('--output <dir>', 'output folder (default: release/)');
  program.parse();
  const opts = program.opts<{ electronDist?: string; output?: string }>();
  try {
    await dist({
      ...(opts.electronDist ? { electronDist: opts.electronDist } : {}),
      ...(opts.output ? { outputDir: opts.output } : {}),
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
