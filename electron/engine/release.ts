import { readFileSync } from 'node:fs';
import path from 'node:path';
import { artifactApplies, releaseCatalogSchema, type ReleaseCatalog } from '../bundle/catalog-schema.js';
import type { Answers } from './answers/index.js';
import { InputError } from './errors.js';
import type { Layout } from './layout.js';
import { resources } from './resources.js';
import type { ReleaseContext } from './step.js';

/** A release's catalog, from the configured resources folder (see ./resources.ts) or `dir`. */
export function loadCatalog(release: string, dir = resources().releasesDir): ReleaseCatalog {
  let raw: string;
  try {
    raw = readFileSync(path.join(dir, `${release}.json`), 'utf8');
  } catch {
    throw new InputError(
      'RELEASE_UNKNOWN',
      `QATrack+ release ${release} is not in the catalog (${dir}).`,
      [{ path: 'release', message: `unknown release ${release}` }],
      'Use a release listed in the catalog folder named above, or update the installer.',
    );
  }
  return releaseCatalogSchema.parse(JSON.parse(raw));
}

/**
 * Where each artifact of the release sits on the target: inside the offline bundle folder, unless
 * the answers point at a wheelhouse or source archive directly.
 *
 * `artifacts` is keyed by catalog id, and arch-specific artifacts also by `<id>@<arch>`: an x86
 * Python needs both `vcredist@x64` (machine-wide, for ODBC) and `vcredist@x86`; the plain id then
 * names the first of them in catalog order.
 */
export function resolveRelease(
  answers: Answers,
  layout: Layout,
  catalog = loadCatalog(answers.release),
): ReleaseContext {
  const bundle = answers.paths.bundleDir;
  const artifacts: Record<string, string> = {};
  const versions: Record<string, string> = { python: catalog.python.version, qatrack: catalog.release };
  let sourceFile: string | undefined;
  let uvExe: string | undefined;
  for (const a of catalog.artifacts) {
    if (!artifactApplies(a, answers.python.arch)) continue;
    versions[a.id] ??= a.version;
    if (a.id === 'source') sourceFile = a.file;
    if (!bundle) continue;
    // A bootstrapper-only download is replaced in the bundle by its offline media.
    const file = a.offlineMedia?.file ?? a.file;
    const where = layout.join(bundle, a.id === 'source' ? 'source' : 'artifacts', file);
    artifacts[a.id] ??= where;
    if (a.arch !== 'any') artifacts[`${a.id}@${a.arch}`] = where;
    // bundle create unpacks zipped tools into tools/; a plain executable runs from artifacts/.
    // The catalog's uv is the Windows build: a posix target installs with pip.
    if (a.id === 'uv' && layout.platform === 'win32')
      uvExe = a.unpack ? layout.join(bundle, 'tools', a.unpack) : exeOrUndefined(where);
  }
  return {
    id: catalog.release,
    artifacts,
    versions,
    wheelhouseDir: answers.paths.wheelhouseDir ?? (bundle ? layout.join(bundle, 'wheelhouse') : undefined),
    sourceArchive:
      answers.paths.sourceArchive ??
      (bundle && sourceFile ? layout.join(bundle, 'source', sourceFile) : undefined),
    uvExe,
  };
}

const exeOrUndefined = (p: string) => (p.toLowerCase().endsWith('.exe') ? p : undefined);
