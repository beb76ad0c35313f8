import { copyFile, cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dispatcher } from 'undici';
import { InputError } from '../engine/errors.js';
import { loadCatalog } from '../engine/release.js';
import { resources } from '../engine/resources.js';
import { artifactApplies, pinKey, type Artifact } from '../engine/catalog-schema.js';
import { downloadAll, mirrorUrl, type DownloadEvent, type DownloadResult } from './download.js';
import { checkExtraWheels, copyExtraWheels } from './extra-wheels.js';
import { hashFiles } from './hash-pool.js';
import { sha256Text } from './hash.js';
import { addMedia, checkMedia, planMedia } from './media.js';
import { sealManifest, writeManifest, type Manifest, type ManifestFile } from './manifest.js';
import { expectedPin, loadPins, savePins } from './pins.js';
import { splitRequirements } from './requirements.js';
import {
  buildWheelhouse,
  checkWheelhouse,
  platformForArch,
  type WheelhouseOptions,
  type WheelhouseResult,
} from './wheelhouse.js';
import { unpackMember } from './unpack.js';

const packageJson = fileURLToPath(new URL('../../package.json', import.meta.url));

export type WheelhouseSource =
  /** Copy the wheels of a prepared folder, checked by the same offline resolution. */
  | { from: string; python?: string }
  /** Build with pip for the target platform. */
  | {
      build: Pick<WheelhouseOptions, 'python' | 'gitSources' | 'allowGit' | 'skipGit' | 'pipArgs' | 'onLog'>;
    };

export interface CreateOptions {
  release: string;
  arch: 'x64' | 'x86';
  out: string;
  cacheDir: string;
  /** Base URL of an internal mirror, tried before the vendor urls (same paths). */
  mirror?: string;
  /** Use only the mirror (no fallback to vendor urls), e.g. where only the mirror is reachable. */
  mirrorOnly?: boolean;
  /** Optional artifact ids to include, e.g. ["sqlexpress", "chrome"]. */
  include?: string[];
  /**
   * Offline media prepared by hand for artifacts whose download is only a web bootstrapper, by id
   * (sqlexpress → SQLEXPR_x64_ENU.exe); implies including that id.
   */
  media?: Record<string, string>;
  /** Pin artifacts that have no hash yet by this download, and write them to the pins file. */
  acceptNewPins?: boolean;
  wheelhouse: WheelhouseSource;
  signingKeyPem?: string;
  /**
   * Wheels added to the wheelhouse as they are (`--extra-wheel`), e.g. python-ldap for Active
   * Directory, which has no Windows wheel on PyPI. Pinned like every file: by SHA-256 in the manifest.
   */
  extraWheels?: string[];
  catalogDir?: string;
  pinsDir?: string;
  dispatcher?: Dispatcher;
  concurrency?: number;
  onEvent?: (e: DownloadEvent) => void;
  onLog?: (line: string) => void;
}

export interface CreateResult {
  manifest: Manifest;
  downloads: DownloadResult[];
  wheelhouse: { wheels: number; bytes: number; fromCache: boolean; build?: WheelhouseResult };
  /** Pins recorded by this run (pins file path to review and commit). */
  newPins: { key: string; sha256: string; size: number }[];
  pinsFile?: string;
  ms: number;
}

async function toolVersion(): Promise<string> {
  try {
    return (JSON.parse(await readFile(packageJson, 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

async function assertEmptyDir(dir: string): Promise<void> {
  try {
    const entries = await readdir(dir);
    if (entries.length > 0) {
      throw new InputError(
        'BUNDLE_OUT_NOT_EMPTY',
        `The output folder ${dir} is not empty.`,
        [{ path: 'out', message: 'must be a new or empty folder' }],
        'Choose a new folder for the bundle (or delete this one).',
      );
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
  }
}

/**
 * Artifacts of a release for one Python arch (the same rule as resolveRelease: machine-wide runtimes
 * are x64 whatever the Python): the required ones plus the optional ids asked for.
 */
export function selectArtifacts(
  artifacts: Artifact[],
  arch: 'x64' | 'x86',
  include: string[] = [],
): Artifact[] {
  const known = new Set(artifacts.map((a) => a.id));
  const unknown = include.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new InputError('BUNDLE_UNKNOWN_ARTIFACT', `Unknown artifact id(s): ${unknown.join(', ')}.`, [
      { path: 'include', message: `allowed: ${[...known].sort().join(', ')}` },
    ]);
  }
  return artifacts.filter((a) => artifactApplies(a, arch) && (!a.optional || include.includes(a.id)));
}

const folderFor = (a: Artifact) => (a.id === 'source' ? 'source' : 'artifacts');

/** Zipped tools (uv) unpacked into tools/ so the air-gapped target runs them without extracting. */
async function unpackTools(artifacts: Artifact[], out: string): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const a of artifacts) {
    if (!a.unpack) continue;
    const rel = `tools/${a.unpack}`;
    const dest = path.join(out, 'tools', a.unpack);
    await unpackMember(path.join(out, folderFor(a), a.file), a.unpack, dest);
    const h = (await hashFiles([{ file: dest }])).get(dest);
    if (!h || 'error' in h)
      throw new Error(`could not hash ${rel}: ${h && 'error' in h ? h.error : 'no result'}`);
    files.push({ path: rel, size: h.size, sha256: h.sha256, kind: 'tool', id: a.id, version: a.version });
  }
  return files;
}

/** Copy a cached wheelhouse or build one, keyed by requirements + platform so a rerun reuses it. */
async function provideWheelhouse(
  o: CreateOptions,
  requirements: string[],
  pythonVersion: string,
  dest: string,
): Promise<CreateResult['wheelhouse']> {
  if ('from' in o.wheelhouse) {
    // Only the wheels, and only if they resolve every requirement without an index.
    await mkdir(dest, { recursive: true });
    for (const f of await readdir(o.wheelhouse.from)) {
      if (f.endsWith('.whl')) await copyFile(path.join(o.wheelhouse.from, f), path.join(dest, f));
    }
    const { index, git } = splitRequirements(requirements);
    await checkWheelhouse({
      requirements: [...index, ...git.map((g) => g.name)],
      platform: platformForArch(o.arch),
      pythonVersion,
      dest,
      python: o.wheelhouse.python,
    });
    return { wheels: 0, bytes: 0, fromCache: false };
  }
  const platform = platformForArch(o.arch);
  const key = sha256Text(
    JSON.stringify({ requirements, platform, pythonVersion, git: o.wheelhouse.build.gitSources }),
  );
  const cached = path.join(o.cacheDir, 'wheelhouse', key);
  const complete = path.join(cached, '.complete');
  try {
    await stat(complete);
    await cp(cached, dest, { recursive: true, filter: (src) => !path.basename(src).startsWith('.') });
    o.onLog?.(`wheelhouse for ${platform} taken from the cache`);
    return { wheels: 0, bytes: 0, fromCache: true };
  } catch {
    // not cached yet
  }
  await rm(cached, { recursive: true, force: true });
  const build = await buildWheelhouse({
    ...o.wheelhouse.build,
    onLog: o.wheelhouse.build.onLog ?? o.onLog,
    requirements,
    platform,
    pythonVersion,
    dest: cached,
  });
  await writeFile(complete, new Date().toISOString());
  await cp(cached, dest, { recursive: true, filter: (src) => !path.basename(src).startsWith('.') });
  return { wheels: build.wheels.length, bytes: build.bytes, fromCache: false, build };
}

/**
 * wheelhouse/requirements.txt: the catalog's requirements as the server installs them offline
 * (`--no-index --find-links wheelhouse`): git and wheel-URL pins by name, since their wheels are in
 * the folder. The wheelhouse step reads it before the source tree's own requirements file, which
 * QATrack+ 4.0 no longer has (it moved to pyproject.toml).
 */
async function writeRequirements(wheelDir: string, requirements: string[]): Promise<ManifestFile> {
  const { index, git } = splitRequirements(requirements);
  const text = [...index, ...git.map((g) => g.name)].join('\n') + '\n';
  const file = path.join(wheelDir, 'requirements.txt');
  await writeFile(file, text);
  return {
    path: 'wheelhouse/requirements.txt',
    size: Buffer.byteLength(text),
    sha256: sha256Text(text),
    kind: 'requirements',
  };
}

/**
 * Build an offline bundle: every artifact of the release for `arch`, verified against its pin and
 * taken from the cache when possible, a target wheelhouse, and a sealed (optionally signed) manifest.
 */
export async function createBundle(o: CreateOptions): Promise<CreateResult> {
  const started = Date.now();
  const catalogDir = o.catalogDir ?? resources().releasesDir;
  const catalog = loadCatalog(o.release, catalogDir);
  const catalogSha256 = sha256Text(await readFile(path.join(catalogDir, `${o.release}.json`)));
  if (!catalog.python.archs.includes(o.arch)) {
    throw new InputError(
      'BUNDLE_ARCH_UNSUPPORTED',
      `Release ${o.release} has no complete ${o.arch} wheelhouse (catalog python.archs: ${catalog.python.archs.join(', ')}).`,
      [{ path: 'arch', message: `allowed: ${catalog.python.archs.join(', ')}` }],
    );
  }
  const selected = selectArtifacts(catalog.artifacts, o.arch, [
    ...(o.include ?? []),
    ...Object.keys(o.media ?? {}),
  ]);
  const { download: artifacts, media } = planMedia(selected, o.media);
  await checkMedia(media);
  await checkExtraWheels(o.extraWheels ?? [], o.arch);
  const pins = await loadPins(o.release, o.pinsDir);
  const unpinned = artifacts.filter((a) => !expectedPin(a, pins));
  if (unpinned.length > 0 && !o.acceptNewPins) {
    throw new InputError(
      'BUNDLE_UNPINNED',
      `These artifacts have no published SHA-256 and no reviewed pin yet: ${unpinned.map(pinKey).join(', ')}.`,
      unpinned.map((a) => ({
        path: `artifacts.${pinKey(a)}`,
        message: 'no sha256 in the catalog or pins file',
      })),
      'Run once with --accept-new-pins on a trusted network, review the hashes it writes to the pins file, and commit them.',
    );
  }
  if (o.mirrorOnly && !o.mirror) {
    throw new InputError('BUNDLE_MIRROR_MISSING', 'mirrorOnly needs a mirror base URL.', [
      { path: 'mirror', message: 'required with --mirror-only' },
    ]);
  }
  await assertEmptyDir(o.out);
  await mkdir(o.out, { recursive: true });

  const downloads = await downloadAll(
    artifacts.map((a) => {
      const pin = expectedPin(a, pins);
      const urls = [a.url, ...(a.mirrors ?? [])];
      return {
        name: pinKey(a),
        urls: o.mirror ? [...urls.map((u) => mirrorUrl(o.mirror!, u)), ...(o.mirrorOnly ? [] : urls)] : urls,
        dest: path.join(o.out, folderFor(a), a.file),
        sha256: pin?.sha256,
        size: pin?.size,
      };
    }),
    { cacheDir: o.cacheDir, dispatcher: o.dispatcher, concurrency: o.concurrency, onEvent: o.onEvent },
  );

  const newPins: CreateResult['newPins'] = [];
  const version = await toolVersion();
  for (const [i, a] of artifacts.entries()) {
    if (expectedPin(a, pins)) continue;
    const d = downloads[i]!;
    pins.pins[pinKey(a)] = {
      sha256: d.sha256,
      size: d.size,
      url: d.url ?? a.url,
      pinnedAt: new Date().toISOString(),
      by: `bundle create --accept-new-pins (qatrack-installer ${version})`,
    };
    newPins.push({ key: pinKey(a), sha256: d.sha256, size: d.size });
  }
  const pinsFile = newPins.length > 0 ? await savePins(pins, o.pinsDir) : undefined;

  const wheelDir = path.join(o.out, 'wheelhouse');
  const wheelhouse = await provideWheelhouse(
    o,
    catalog.requirements,
    catalog.python.version.split('.').slice(0, 2).join('.'),
    wheelDir,
  );
  const extras = await copyExtraWheels(o.extraWheels ?? [], wheelDir);
  const wheelFiles = (await readdir(wheelDir)).filter((f) => f.endsWith('.whl')).sort();
  const hashes = await hashFiles(wheelFiles.map((f) => ({ file: path.join(wheelDir, f) })));
  const files: ManifestFile[] = artifacts.map((a, i) => ({
    path: `${folderFor(a)}/${a.file}`,
    size: downloads[i]!.size,
    sha256: downloads[i]!.sha256,
    kind: a.id === 'source' ? 'source' : 'artifact',
    id: a.id,
    version: a.version,
  }));
  files.push(...(await unpackTools(artifacts, o.out)), ...(await addMedia(media, o.out)));
  for (const f of wheelFiles) {
    const h = hashes.get(path.join(wheelDir, f));
    if (!h || 'error' in h)
      throw new Error(`could not hash wheel ${f}: ${h && 'error' in h ? h.error : 'no result'}`);
    files.push({
      path: `wheelhouse/${f}`,
      size: h.size,
      sha256: h.sha256,
      kind: 'wheel',
      ...(extras.has(f) ? { id: 'extra-wheel' } : {}),
    });
  }
  files.push(await writeRequirements(wheelDir, catalog.requirements));
  const wheelBytes = files.filter((f) => f.kind === 'wheel').reduce((n, f) => n + f.size, 0);

  const manifest = sealManifest({
    format: 1,
    tool: { name: 'qatrack-installer', version },
    release: catalog.release,
    arch: o.arch,
    catalogSha256,
    pythonPlatform: platformForArch(o.arch),
    createdAt: new Date().toISOString(),
    files,
    ...(wheelhouse.build?.skippedGit.length
      ? { missingRequirements: wheelhouse.build.skippedGit.map((g) => g.line) }
      : {}),
  });
  await writeManifest(o.out, manifest, o.signingKeyPem);
  return {
    manifest,
    downloads,
    wheelhouse: { ...wheelhouse, wheels: wheelFiles.length, bytes: wheelBytes },
    newPins,
    pinsFile,
    ms: Date.now() - started,
  };
}
