import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { releaseCatalogSchema, type ReleaseCatalog } from '../bundle/catalog-schema.js';
import type { Answers } from './answers/index.js';
import { InputError } from './errors.js';
import type { Layout } from './layout.js';
import type { ReleaseContext } from './step.js';

const catalogDir = fileURLToPath(new URL('../../resources/catalog/releases/', import.meta.url));

export function loadCatalog(release: string, dir = catalogDir): ReleaseCatalog {
  let raw: string;
  try {
    raw = readFileSync(path.join(dir, `${release}.json`), 'utf8');
  } catch {
    throw new InputError(
      'RELEASE_UNKNOWN',
      `QATrack+ release ${release} is not in the catalog.`,
      [{ path: 'release', message: `unknown release ${release}` }],
      'Use a release listed in resources/catalog/releases/, or update the installer.',
    );
  }
  return releaseCatalogSchema.parse(JSON.parse(raw));
}

/**
 * Where each artifact of the release sits on the target: inside the offline bundle folder, unless
 * the answers point at a wheelhouse or source archive directly.
 */
export function resolveRelease(
  answers: Answers,
  layout: Layout,
  catalog = loadCatalog(answers.release),
): ReleaseContext {
  const arch = answers.python.arch;
  const bundle = answers.paths.bundleDir;
  const artifacts: Record<string, string> = {};
  const versions: Record<string, string> = { python: catalog.python.version, qatrack: catalog.release };
  let sourceFile: string | undefined;
  for (const a of catalog.artifacts) {
    if (a.arch !== 'any' && a.arch !== arch) continue;
    versions[a.id] = a.version;
    if (a.id === 'source') sourceFile = a.file;
    if (bundle) artifacts[a.id] = layout.join(bundle, a.id === 'source' ? 'source' : 'artifacts', a.file);
  }
  return {
    id: catalog.release,
    artifacts,
    versions,
    wheelhouseDir: answers.paths.wheelhouseDir ?? (bundle ? layout.join(bundle, 'wheelhouse') : undefined),
    sourceArchive:
      answers.paths.sourceArchive ??
      (bundle && sourceFile ? layout.join(bundle, 'source', sourceFile) : undefined),
    // The catalog ships uv as its release zip; only a plain executable can be run directly.
    uvExe: artifacts.uv?.toLowerCase().endsWith('.exe') ? artifacts.uv : undefined,
  };
}
