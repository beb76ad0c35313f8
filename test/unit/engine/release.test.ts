import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { releaseCatalogSchema } from '../../../electron/engine/catalog-schema.js';
import { loadAnswers } from '../../../electron/engine/answers/index.js';
import { computeLayout } from '../../../electron/engine/layout.js';
import { loadCatalog, resolveRelease } from '../../../electron/engine/release.js';

function answers(edit: (a: any) => void = () => undefined) {
  const raw = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
  raw.paths.bundleDir = 'E:\\b';
  edit(raw);
  const r = loadAnswers(raw);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.answers;
}

/** Where the staging step puts a bundle file (the example's dataDir is D:\\QATrackData). */
const STAGED = 'D:\\QATrackData\\installer\\staging';

describe('resolveRelease', () => {
  it('gives an x86 Python the machine-wide x64 runtime and driver as well as its own runtime', () => {
    const a = answers((x) => (x.python.arch = 'x86'));
    const r = resolveRelease(a, computeLayout(a, 'win32'));
    expect(r.artifacts.python).toBe(`${STAGED}\\artifacts\\python-3.9.13.exe`);
    expect(r.artifacts['vcredist@x64']).toBe(`${STAGED}\\artifacts\\VC_redist.x64.exe`);
    expect(r.artifacts['vcredist@x86']).toBe(`${STAGED}\\artifacts\\VC_redist.x86.exe`);
    expect(r.artifacts['odbc@x64']).toBe(`${STAGED}\\artifacts\\msodbcsql17-x64.msi`);
    expect(r.artifacts['python@x64']).toBeUndefined();
  });

  it('SQL Express resolves to the offline media the bundle holds, never the web bootstrapper', () => {
    const a = answers((x) => (x.database.mode = 'express'));
    const r = resolveRelease(a, computeLayout(a, 'win32'));
    expect(r.artifacts.sqlexpress).toBe(`${STAGED}\\artifacts\\SQLEXPR_x64_ENU.exe`);
    expect(r.staged.find((s) => s.id === 'sqlexpress')?.from).toBe('E:\\b\\artifacts\\SQLEXPR_x64_ENU.exe');
    // With an existing server the SQL Express media (hundreds of MB) is neither staged nor run.
    const existing = answers();
    expect(resolveRelease(existing, computeLayout(existing, 'win32')).artifacts.sqlexpress).toBeUndefined();
  });

  it('an x64 Python gets no x86 runtime', () => {
    const a = answers();
    const r = resolveRelease(a, computeLayout(a, 'win32'));
    expect(r.artifacts['vcredist@x86']).toBeUndefined();
    expect(r.artifacts.vcredist).toBe(`${STAGED}\\artifacts\\VC_redist.x64.exe`);
  });

  it('runs uv from tools/, where bundle create unpacks it, and never the zip', () => {
    const a = answers();
    const r = resolveRelease(a, computeLayout(a, 'win32'));
    expect(r.uvExe).toBe(`${STAGED}\\tools\\uv.exe`);
    expect(r.staged.find((s) => s.id === 'uv')?.from).toBe('E:\\b\\tools\\uv.exe');
    expect(r.staged.some((s) => s.from.endsWith('.zip'))).toBe(false);
    // The catalog's uv is the Windows build: a posix target installs with pip.
    expect(resolveRelease(a, computeLayout(a, 'posix')).uvExe).toBeUndefined();
    // A catalog that ships a plain uv.exe runs it from artifacts/.
    const catalog = loadCatalog('3.1.1.4');
    const plain = releaseCatalogSchema.parse({
      ...catalog,
      artifacts: catalog.artifacts.map((x) =>
        x.id === 'uv' ? { ...x, file: 'uv.exe', unpack: undefined } : x,
      ),
    });
    expect(resolveRelease(a, computeLayout(a, 'win32'), plain).uvExe).toBe(`${STAGED}\\artifacts\\uv.exe`);
  });

  it('stages every bundle file it runs, checked against the verified manifest, and only what the bundle holds', () => {
    const a = answers();
    const layout = computeLayout(a, 'win32');
    const all = resolveRelease(a, layout);
    // Nothing runs from the bundle itself.
    for (const p of [...Object.values(all.artifacts), all.uvExe!, all.sourceArchive!])
      expect(p.startsWith(STAGED), p).toBe(true);
    // Without a manifest the catalog's published hash is what the copy must match.
    const catalog = loadCatalog('3.1.1.4');
    const py = catalog.artifacts.find((x) => x.id === 'python' && x.arch === 'x64')!;
    expect(all.staged.find((s) => s.id === 'python')?.sha256).toBe(py.sha256);
    // With the verified manifest: its hashes, and files it does not list are not staged at all.
    const hashes = new Map([
      ['artifacts/python-3.9.13-amd64.exe', 'a'.repeat(64)],
      ['tools/uv.exe', 'b'.repeat(64)],
    ]);
    const r = resolveRelease(a, layout, catalog, hashes);
    expect(r.staged.map((s) => [s.id, s.sha256])).toEqual([
      ['python', 'a'.repeat(64)],
      ['uv', 'b'.repeat(64)],
    ]);
    expect(r.artifacts.winsw).toBeUndefined();
  });
});
