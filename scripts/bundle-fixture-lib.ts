import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { releaseCatalogSchema, type ReleaseCatalog } from '../electron/engine/catalog-schema.js';

const realCatalogDir = fileURLToPath(new URL('../resources/catalog/releases/', import.meta.url));

/** Deterministic filler bytes (a SHA-256 chain), so fixture artifacts are stable across runs. */
export function fixtureBytes(label: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(label).digest();
  for (let off = 0; off < size; off += block.length) {
    block.copy(out, off);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

const MAKE_ZIP = `
import io, sys, zipfile, json, base64
entries = json.load(sys.stdin)
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    for name, data in entries.items():
        z.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)), base64.b64decode(data))
sys.stdout.write(base64.b64encode(buf.getvalue()).decode())
`;

/** A deterministic zip of the given entries, written by Python's zipfile (a real consumer's format). */
export async function fixtureZip(entries: Record<string, Buffer>, python = 'python3'): Promise<Buffer> {
  const input = JSON.stringify(
    Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, v.toString('base64')])),
  );
  const { stdout } = await execa(python, ['-c', MAKE_ZIP], { input });
  return Buffer.from(stdout, 'base64');
}

export interface FixtureCatalog {
  release: string;
  catalogDir: string;
  pinsDir: string;
  catalog: ReleaseCatalog;
  /** What the test mirror serves, keyed by url path (the vendor url's path). */
  files: Map<string, Buffer>;
}

/**
 * A catalog shaped like the real one (same ids, files, url paths) whose artifacts are small generated
 * files: pinned entries get the fixture's hash, unpinned ones stay unpinned so the pins flow runs.
 */
export async function makeFixtureCatalog(
  dir: string,
  opts: { release?: string; artifactBytes?: number; requirements: string[]; archs?: ('x64' | 'x86')[] },
): Promise<FixtureCatalog> {
  const release = opts.release ?? '3.1.1.4';
  const real = releaseCatalogSchema.parse(
    JSON.parse(await readFile(path.join(realCatalogDir, `${release}.json`), 'utf8')),
  );
  const files = new Map<string, Buffer>();
  const artifacts = [];
  for (const a of real.artifacts) {
    const filler = fixtureBytes(`${a.id}@${a.arch}`, opts.artifactBytes ?? 256 * 1024);
    // A zipped tool must be a real zip holding it, as bundle create unpacks it into tools/.
    const body = a.unpack
      ? await fixtureZip({ [a.unpack]: filler, 'README.txt': Buffer.from('fixture\n') })
      : filler;
    files.set(new URL(a.url).pathname, body);
    const sha256 = createHash('sha256').update(body).digest('hex');
    artifacts.push(
      a.sha256
        ? { ...a, sha256, size: body.length, source: 'generated fixture' }
        : { ...a, source: 'generated fixture, pinned on first download' },
    );
  }
  const catalog: ReleaseCatalog = {
    ...real,
    python: { ...real.python, archs: opts.archs ?? real.python.archs },
    artifacts,
    requirements: opts.requirements,
  };
  const catalogDir = path.join(dir, 'catalog', 'releases');
  const pinsDir = path.join(dir, 'catalog', 'pins');
  await mkdir(catalogDir, { recursive: true });
  await mkdir(pinsDir, { recursive: true });
  await writeFile(path.join(catalogDir, `${release}.json`), `${JSON.stringify(catalog, null, 2)}\n`);
  return { release, catalogDir, pinsDir, catalog, files };
}

/** Python that writes a minimal valid pure wheel (zip + dist-info + RECORD) with the stdlib only. */
const MAKE_WHEEL = `
import sys, zipfile, hashlib, base64, os
out, name, version = sys.argv[1], sys.argv[2], sys.argv[3]
deps = sys.argv[4:]
pkg = name.replace('-', '_')
di = f"{pkg}-{version}.dist-info"
files = {
  f"{pkg}/__init__.py": f"VERSION = {version!r}\\n",
  f"{di}/METADATA": "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n%s" % (name, version, "".join(f"Requires-Dist: {d}\\n" for d in deps)),
  f"{di}/WHEEL": "Wheel-Version: 1.0\\nGenerator: qatrack-fixture\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
path = os.path.join(out, f"{pkg}-{version}-py3-none-any.whl")
with zipfile.ZipFile(path, "w") as z:
  for n, c in files.items():
    data = c.encode()
    z.writestr(zipfile.ZipInfo(n, (2020, 1, 1, 0, 0, 0)), data)
    h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{n},sha256={h},{len(data)}")
  record.append(f"{di}/RECORD,,")
  z.writestr(zipfile.ZipInfo(f"{di}/RECORD", (2020, 1, 1, 0, 0, 0)), "\\n".join(record) + "\\n")
print(path)
`;

/** Write a tiny pure-Python wheel (importable, installable by pip) into dir. */
export async function makeWheel(
  dir: string,
  name: string,
  version: string,
  deps: string[] = [],
  python = 'python3',
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const { stdout } = await execa(python, ['-c', MAKE_WHEEL, dir, name, version, ...deps]);
  return stdout.trim();
}

/** Two local wheels with a dependency between them: enough to prove offline resolution. */
export async function makeFixtureWheels(dir: string): Promise<string[]> {
  await makeWheel(dir, 'qatrack-fixture-dep', '1.0');
  await makeWheel(dir, 'qatrack-fixture-app', '1.0', ['qatrack-fixture-dep>=1.0']);
  return ['qatrack-fixture-app==1.0'];
}
