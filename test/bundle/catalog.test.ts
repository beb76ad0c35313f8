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

      it.each(['x64', 'x86'] as const)(
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

      it('carries the Python requirements, with git pins in a form the wheelhouse builder detects', () => {
        expect(catalog.requirements.some((r) => /^django==2\.2/i.test(r))).toBe(true);
        for (const r of catalog.requirements) expect(r.startsWith('-e')).toBe(false);
        expect(catalog.requirements.filter((r) => r.startsWith('git+')).length).toBeGreaterThan(0);
      });
    });
  }

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
