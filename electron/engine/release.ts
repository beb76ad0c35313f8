import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { artifactApplies, RELEASE_ID, releaseCatalogSchema, type ReleaseCatalog } from './catalog-schema.js';
import type { Answers } from './answers/index.js';
import { InputError } from './errors.js';
import type { Layout } from './layout.js';
import { resources } from './resources.js';
import { compareReleases } from './upgrade/release-order.js';
import type { ReleaseContext, StagedArtifact } from './step.js';

/** Release ids the catalog folder holds (`<release>.json`), oldest first. */
export function listReleases(dir = resources().releasesDir): string[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .filter((r) => RELEASE_ID.test(r))
    .sort(compareReleases);
}

/**
 * Refuses a release the catalog does not hold, naming the field it came from (`release` in the
 * answers, `--release` on the command line) and the allowed values. Exit 64, nothing changed.
 */
export function assertKnownRelease(release: string, field: string, dir = resources().releasesDir): void {
  const known = listReleases(dir);
  if (known.includes(release)) return;
  throw new InputError(
    'RELEASE_UNKNOWN',
    `QATrack+ release ${JSON.stringify(release)} is not in the catalog (${dir}).`,
    [{ path: field, message: `must be one of ${known.join(', ') || '(the catalog folder is empty)'}` }],
    `Use one of ${known.join(', ')}, or update the installer for a newer release.`,
  );
}

/** A release's catalog, from the configured resources folder (see ./resources.ts) or `dir`. */
export function loadCatalog(
  release: string,
  dir = resources().releasesDir,
  field = 'release',
): ReleaseCatalog {
  assertKnownRelease(release, field, dir);
  const raw = readFileSync(path.join(dir, `${release}.json`), 'utf8');
  return releaseCatalogSchema.parse(JSON.parse(raw));
}

/**
 * Where each artifact of the release sits on the target. Bundle files that the installer executes
 * (installers, MSIs, WinSW, uv) and the source archive are staged: copied into the installer's
 * protected staging folder and hashed there by the staging step, and every step runs them from
 * there. A bundle on a USB drive or share can be swapped after it was checked; the staged copy cannot.
 *
 * `artifacts` is keyed by catalog id, and arch-specific artifacts also by `<id>@<arch>`: an x86
 * Python needs both `vcredist@x64` (machine-wide, for ODBC) and `vcredist@x86`; the plain id then
 * names the first of them in catalog order.
 *
 * `bundleHashes` (bundle-relative path -> SHA-256) comes from the manifest verified before the run;
 * without it the catalog's published hash is used, and the copy is only checked when one is known.
 */
export function resolveRelease(
  answers: Answers,
  layout: Layout,
  catalog = loadCatalog(answers.release),
  bundleHashes?: ReadonlyMap<string, string>,
): ReleaseContext {
  const bundle = answers.paths.bundleDir;
  const artifacts: Record<string, string> = {};
  const staged: StagedArtifact[] = [];
  const versions: Record<string, string> = { python: catalog.python.version, qatrack: catalog.release };
  let sourceFile: string | undefined;
  let stagedSource: string | undefined;
  let uvExe: string | undefined;
  const stage = (id: string, rel: string, published?: string): string | undefined => {
    // A verified manifest lists what the bundle holds (e.g. Chrome only with --include chrome).
    if (bundleHashes && !bundleHashes.has(rel)) return undefined;
    const to = layout.join(layout.stagingDir, ...rel.split('/'));
    if (!staged.some((x) => x.to === to)) {
      const sha256 = bundleHashes?.get(rel) ?? published;
      staged.push({ id, from: layout.join(bundle!, ...rel.split('/')), to, ...(sha256 ? { sha256 } : {}) });
    }
    return to;
  };
  for (const a of catalog.artifacts) {
    if (!artifactApplies(a, answers.python.arch)) continue;
    versions[a.id] ??= a.version;
    if (a.id === 'source') sourceFile = a.file;
    if (!bundle || !usedBy(a.id, answers)) continue;
    // A bootstrapper-only download is replaced in the bundle by its offline media (pinned by the manifest).
    const file = a.offlineMedia?.file ?? a.file;
    const published = a.offlineMedia ? undefined : a.sha256;
    // A zipped tool runs from what bundle create unpacked into tools/; the zip itself never runs.
    const rel = a.unpack ? `tools/${a.unpack}` : `${a.id === 'source' ? 'source' : 'artifacts'}/${file}`;
    const where = stage(a.id, rel, a.unpack ? undefined : published);
    if (!where) continue;
    if (a.id === 'source') {
      stagedSource = where;
      continue;
    }
    artifacts[a.id] ??= where;
    if (a.arch !== 'any') artifacts[`${a.id}@${a.arch}`] = where;
    // bundle create unpacks zipped tools into tools/; a plain executable runs from artifacts/.
    // The catalog's uv is the Windows build: a posix target installs with pip.
    if (a.id === 'uv' && layout.platform === 'win32') uvExe = a.unpack ? where : exeOrUndefined(where);
  }
  return {
    id: catalog.release,
    settings: catalog.settings,
    artifacts,
    staged,
    versions,
    wheelhouseDir: answers.paths.wheelhouseDir ?? (bundle ? layout.join(bundle, 'wheelhouse') : undefined),
    sourceArchive:
      answers.paths.sourceArchive ??
      stagedSource ??
      (bundle && sourceFile ? layout.join(bundle, 'source', sourceFile) : undefined),
    uvExe,
  };
}

/**
 * Optional artifacts run only for some answers (the SQL Express and Chrome steps' appliesTo): the
 * staging step copies only what this install will run (SQL Express media is hundreds of MB).
 */
function usedBy(id: string, answers: Answers): boolean {
  if (id === 'sqlexpress') return answers.database.mode === 'express';
  if (id === 'chrome') return answers.chrome.mode === 'bundle';
  return true;
}

const exeOrUndefined = (p: string) => (p.toLowerCase().endsWith('.exe') ? p : undefined);
