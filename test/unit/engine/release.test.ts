import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { releaseCatalogSchema } from '../../../electron/bundle/catalog-schema.js';
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

describe('resolveRelease', () => {
  it('gives an x86 Python the machine-wide x64 runtime and driver as well as its own runtime', () => {
    const a = answers((x) => (x.python.arch = 'x86'));
    const r = resolveRelease(a, computeLayout(a, 'win32'));
    expect(r.artifacts.python).toBe('E:\\b\\artifacts\\python-3.9.13.exe');
    expect(r.artifacts['vcredist@x64']).toBe('E:\\b\\artifacts\\VC_redist.x64.exe');
    expect(r.artifacts['vcredist@x86']).toBe('E:\\b\\artifacts\\VC_redist.x86.exe');
    expect(r.artifacts['odbc@x64']).toBe('E:\\b\\artifacts\\msodbcsql17-x64.msi');
    expect(r.artifacts['python@x64']).toBeUndefined();
  });

  it('SQL Express resolves to the offline media the bundle holds, never the web bootstrapper', () => {
    const a = answers();
    const r = resolveRelease(a, computeLayout(a, 'win32'));
    expect(r.artifacts.sqlexpress).toBe('E:\\b\\artifacts\\SQLEXPR_x64_ENU.exe');
  });

  it('an x64 Python gets no x86 runtime', () => {
    const a = answers();
    const r = resolveRelease(a, computeLayout(a, 'win32'));
    expect(r.artifacts['vcredist@x86']).toBeUndefined();
    expect(r.artifacts.vcredist).toBe('E:\\b\\artifacts\\VC_redist.x64.exe');
  });

  it('runs uv from tools/, where bundle create unpacks it, and never the zip', () => {
    const a = answers();
    expect(resolveRelease(a, computeLayout(a, 'win32')).uvExe).toBe('E:\\b\\tools\\uv.exe');
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
    expect(resolveRelease(a, computeLayout(a, 'win32'), plain).uvExe).toBe('E:\\b\\artifacts\\uv.exe');
  });
});
