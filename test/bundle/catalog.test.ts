import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  artifactApplies,
  pinKey,
  pinsFileSchema,
  releaseCatalogSchema,
} from '../../electron/engine/catalog-schema.js';
import { loadCatalog } from '../../electron/engine/release.js';

const root = path.resolve(import.meta.dirname, '../../resources/catalog');
const releases = readdirSync(path.join(root, 'releases')).filter((f) => f.endsWith('.json'));
const required = ['python', 'vcredist', 'odbc', 'urlrewrite', 'arr', 'winsw', 'uv', 'source'];

describe('release catalog', () => {
  it('has at least the 3.1.1.4 release', () => {
    expect(releases).toContain('3.1.1.4.json');
  });

  for (const file of releases) {
    describe(file, () => {
      const raw = JSON.parse(readFileSync(path.join(root, 'releases', file), 'utf8'));
      const catalog = releaseCatalogSchema.parse(raw);

      it('is named after its release and loads through loadCatalog', () => {
        expect(file).toBe(`${catalog.release}.json`);
        expect(loadCatalog(catalog.release).release).toBe(catalog.release);
      });

      it.each(catalog.python.archs)(
        'lists every non-optional artifact for a %s Python once per arch',
        (arch) => {
          const forArch = catalog.artifacts.filter((a) => artifactApplies(a, arch));
          for (const id of required) {
            const hits = forArch.filter((a) => a.id === id && !a.optional);
            // An x86 Python needs the x86 VC++ runtime besides the machine's x64 one (for ODBC).
            const archs = id === 'vcredist' && arch === 'x86' ? ['x64', 'x86'] : undefined;
            if (archs) expect(hits.map((a) => a.arch).sort(), `${id} for ${arch}`).toEqual(archs);
            else expect(hits, `${id} for ${arch}`).toHaveLength(1);
          }
          // The 64-bit server always gets the x64 ODBC MSI.
          expect(forArch.find((a) => a.id === 'odbc')?.arch).toBe('x64');
        },
      );

      it('keeps ids per arch and file names unique (files share one artifacts/ folder)', () => {
        const keys = catalog.artifacts.map(pinKey);
        expect(new Set(keys).size).toBe(keys.length);
        const files = catalog.artifacts.map((a) => a.file);
        expect(new Set(files).size).toBe(files.length);
      });

      it('says where every hash comes from, and every unpinned artifact is https', () => {
        for (const a of catalog.artifacts) {
          expect(a.source, `${pinKey(a)} source`).toBeTruthy();
          expect(new URL(a.url).protocol, a.url).toBe('https:');
        }
      });

      it('has a pins file whose keys name catalog artifacts and never contradict a published hash', () => {
        const pins = pinsFileSchema.parse(JSON.parse(readFileSync(path.join(root, 'pins', file), 'utf8')));
        expect(pins.release).toBe(catalog.release);
        const byKey = new Map(catalog.artifacts.map((a) => [pinKey(a), a]));
        for (const [key, pin] of Object.entries(pins.pins)) {
          const a = byKey.get(key);
          expect(a, `pin ${key} names no artifact`).toBeDefined();
          if (a?.sha256) expect(pin.sha256).toBe(a.sha256);
        }
      });

      it('carries the Python requirements, none of them editable', () => {
        expect(catalog.requirements.some((r) => /^django[=<>]/i.test(r))).toBe(true);
        for (const r of catalog.requirements) expect(r.startsWith('-e')).toBe(false);
      });

      it('ships an ODBC driver its SQL Server backend supports (settings.odbcDriverMinimum)', () => {
        const odbc = catalog.artifacts.find((a) => a.id === 'odbc');
        expect(Number(odbc?.version.split('.')[0])).toBeGreaterThanOrEqual(
          catalog.settings.odbcDriverMinimum,
        );
      });
    });
  }

  it('3.1.1.4: Django 2.2 with git pins the wheelhouse builder detects, django-mssql-backend (sql_server.pyodbc)', () => {
    const c = loadCatalog('3.1.1.4');
    expect(c.requirements).toContain('Django==2.2.18');
    expect(c.requirements.filter((r) => r.startsWith('git+')).length).toBeGreaterThan(0);
    expect(c.settings.databaseEngine.mssql).toBe('sql_server.pyodbc');
    expect(c.settings.csrfTrustedOrigins).toBe(false);
  });

  it('4.0.x: Python 3.12 x64 pinned by the winget SHA-256, upstream 4.0 requirements + win/mssql extras, ENGINE mssql', () => {
    const c = loadCatalog('4.0.x');
    expect(c.python).toEqual({ version: '3.12.10', archs: ['x64'] });
    const py = c.artifacts.filter((a) => a.id === 'python');
    expect(py).toHaveLength(1);
    // microsoft/winget-pkgs Python.Python.3.12 3.12.10 installer manifest, x64 InstallerSha256.
    expect(py[0]).toMatchObject({
      arch: 'x64',
      file: 'python-3.12.10-amd64.exe',
      url: 'https://www.python.org/ftp/python/3.12.10/python-3.12.10-amd64.exe',
      sha256: '67b5635e80ea51072b87941312d00ec8927c4db9ba18938f7ad2d27b328b95fb',
    });
    // Upstream pyproject.toml (version 4.0.0): dependencies, then extras mssql and win.
    for (const r of [
      'Django>=4.2.30,<4.3',
      'django-q2>=1.8.0',
      'mssql-django>=1.5',
      'pywin32>=300',
      'CherryPy>=18.8.0',
    ])
      expect(c.requirements).toContain(r);
    expect(
      c.requirements.some((r) => /^django-q[=<>]/i.test(r) || r.startsWith('django-mssql-backend')),
    ).toBe(false);
    // Windows-only set: no top-level markers left for pip to evaluate against the build machine.
    expect(c.requirements.filter((r) => r.includes('sys_platform'))).toEqual([]);
    expect(c.settings).toEqual({
      databaseEngine: { mssql: 'mssql', postgres: 'django.db.backends.postgresql' },
      odbcDriverMinimum: 17,
      csrfTrustedOrigins: true,
    });
    expect(c.notes?.join(' ')).toContain('pyproject.toml');
  });

  it('a catalog without a settings block means 3.1 settings; an ODBC driver below the minimum is refused', () => {
    const base = {
      release: '9.9',
      qatrack: { tag: 'v9.9', repository: 'https://example.org/q' },
      python: { version: '3.9.13', archs: ['x64'] },
      artifacts: [{ id: 'odbc', arch: 'x64', file: 'o.msi', url: 'https://e.org/o.msi', version: '13.1' }],
      requirements: [],
    };
    const r = releaseCatalogSchema.safeParse(base);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toEqual(['artifacts.0.version']);
    base.artifacts[0]!.version = '18.4.1.1';
    expect(releaseCatalogSchema.parse(base).settings.databaseEngine.mssql).toBe('sql_server.pyodbc');
  });

  it('rejects an artifact with a malformed hash, naming the field', () => {
    const bad = {
      release: '9.9',
      qatrack: { tag: 'v9.9', repository: 'https://example.org/q' },
      python: { version: '3.9.13', archs: ['x64'] },
      artifacts: [
        { id: 'python', arch: 'x64', file: 'p.exe', url: 'https://e.org/p.exe', version: '1', sha256: 'ABC' },
      ],
      requirements: [],
    };
    const r = releaseCatalogSchema.safeParse(bad);
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues.map((i) => i.path))).toContain('sha256');
  });
});
