import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBundle } from '../../electron/bundle/create.js';
import { splitRequirements } from '../../electron/bundle/requirements.js';
import { checkWheelhouse } from '../../electron/bundle/wheelhouse.js';
import { verifyBundle } from '../../electron/bundle/verify.js';
import { loadCatalog } from '../../electron/engine/release.js';
import { makeFixtureCatalog, type FixtureCatalog } from '../../scripts/bundle-fixture-lib.js';
import { startMirror, type TestMirror } from '../support/bundle-mirror.js';

/**
 * `bundle create --release 4.0.x` with the REAL 4.0.x requirement set: pip resolves a win_amd64
 * cp312 wheelhouse from the package registry, and the folder alone must then resolve every
 * requirement offline (what the server's `--no-index --find-links` install does). The installers
 * come from a local mirror of generated files (only the wheelhouse is under test here).
 *
 * The wheelhouse is cached by bundle create itself (`<cache>/wheelhouse/<sha256 of requirements,
 * platform, Python>`) under .cache/bundle-40/, so only the first run pays for the download.
 * GATED: a cold cache under CI=true skips this test (a cold build downloads ~100 wheels, several
 * minutes on this shared machine; see the note's figures). QATRACK_WHEELHOUSE_40=1 forces it.
 *
 * python-ldap: 4.0 takes it from a cgohlke/python-ldap-build GitHub release (no Windows wheel on
 * PyPI), and GitHub is not reachable here. A stand-in wheel with the pinned file name, name and
 * version (python_ldap-3.4.5-cp312-cp312-win_amd64.whl, holding only metadata) is passed the way a
 * person without GitHub would pass the real one (--git-source python-ldap=FILE): the real wheel's
 * content is UNCONFIRMED here.
 */

const repo = path.resolve(import.meta.dirname, '../..');
const cacheDir = path.join(repo, '.cache', 'bundle-40');
const STAND_IN = 'python_ldap-3.4.5-cp312-cp312-win_amd64.whl';

const MAKE_STAND_IN = `
import base64, hashlib, sys, zipfile
out = sys.argv[1]
di = "python_ldap-3.4.5.dist-info"
files = {
  f"{di}/METADATA": "Metadata-Version: 2.1\\nName: python-ldap\\nVersion: 3.4.5\\nRequires-Dist: pyasn1>=0.3.7\\nRequires-Dist: pyasn1-modules>=0.1.5\\n",
  f"{di}/WHEEL": "Wheel-Version: 1.0\\nGenerator: qatrack-test-stand-in\\nRoot-Is-Purelib: false\\nTag: cp312-cp312-win_amd64\\n",
}
record = []
with zipfile.ZipFile(out, "w") as z:
  for n, c in files.items():
    data = c.encode()
    z.writestr(zipfile.ZipInfo(n, (2020, 1, 1, 0, 0, 0)), data)
    h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record.append(f"{n},sha256={h},{len(data)}")
  record.append(f"{di}/RECORD,,")
  z.writestr(zipfile.ZipInfo(f"{di}/RECORD", (2020, 1, 1, 0, 0, 0)), "\\n".join(record) + "\\n")
`;

const catalog = loadCatalog('4.0.x');
const pythonVersion = catalog.python.version.split('.').slice(0, 2).join('.');
// The same key bundle create computes (electron/bundle/create.ts provideWheelhouse).
const standIn = path.join(cacheDir, 'stand-in', STAND_IN);
const key = createHash('sha256')
  .update(
    JSON.stringify({
      requirements: catalog.requirements,
      platform: 'win_amd64',
      pythonVersion,
      git: { 'python-ldap': standIn },
    }),
  )
  .digest('hex');
const warm = existsSync(path.join(cacheDir, 'wheelhouse', key, '.complete'));
const run = warm || process.env.CI !== 'true' || process.env.QATRACK_WHEELHOUSE_40 === '1';

let work: string;
let fixture: FixtureCatalog;
let mirror: TestMirror;

describe.skipIf(!run)('bundle create --release 4.0.x: a real win_amd64 cp312 wheelhouse', () => {
  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'bundle-40-'));
    fixture = await makeFixtureCatalog(path.join(work, 'fixture'), {
      release: '4.0.x',
      requirements: catalog.requirements,
      artifactBytes: 50_000,
    });
    mirror = await startMirror(fixture.files);
    await mkdir(path.dirname(standIn), { recursive: true });
    if (!existsSync(standIn)) await execa('python3', ['-c', MAKE_STAND_IN, standIn]);
  });
  afterAll(async () => {
    await mirror?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it(
    'resolves every 4.0.x requirement for Windows, writes wheelhouse/requirements.txt, and the folder alone resolves offline',
    async () => {
      const out = path.join(work, 'bundle');
      const started = Date.now();
      const r = await createBundle({
        release: '4.0.x',
        arch: 'x64',
        out,
        cacheDir,
        mirror: mirror.url,
        mirrorOnly: true,
        catalogDir: fixture.catalogDir,
        pinsDir: fixture.pinsDir,
        acceptNewPins: true,
        wheelhouse: { build: { gitSources: { 'python-ldap': standIn } } },
      });
      const wheels = (await readdir(path.join(out, 'wheelhouse'))).filter((f) => f.endsWith('.whl'));
      console.log(
        `4.0.x wheelhouse: ${wheels.length} wheels, ${(r.wheelhouse.bytes / 1048576).toFixed(1)} MiB, ` +
          `${r.wheelhouse.fromCache ? 'from the cache' : 'built'} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
      expect(r.manifest.pythonPlatform).toBe('win_amd64');
      const names = wheels.map((w) => w.split('-')[0]!.toLowerCase());
      for (const n of ['django', 'django_q2', 'mssql_django', 'pyodbc', 'pywin32', 'cherrypy', 'python_ldap'])
        expect(names, n).toContain(n);
      expect(wheels.find((w) => w.toLowerCase().startsWith('django-'))).toMatch(/^[Dd]jango-4\.2\.\d+-/);
      // Compiled wheels are the Windows cp312 builds, never this machine's.
      for (const w of wheels.filter((x) => !/-none-any\.whl$/.test(x)))
        expect(w).toMatch(/-(cp312|abi3)-win_amd64\.whl$|-py3-none-win_amd64\.whl$/);
      const req = await readFile(path.join(out, 'wheelhouse', 'requirements.txt'), 'utf8');
      const { index } = splitRequirements(catalog.requirements);
      expect(req.trim().split('\n')).toEqual([...index, 'python-ldap']);
      // Offline: the same resolution with the index off, markers evaluated for Windows.
      await checkWheelhouse({
        requirements: req.trim().split('\n'),
        platform: 'win_amd64',
        pythonVersion,
        dest: path.join(out, 'wheelhouse'),
      });
      expect((await verifyBundle(out)).ok).toBe(true);
    },
    45 * 60_000,
  );
});

describe.skipIf(run)('bundle create --release 4.0.x (gated)', () => {
  it.skip('skipped: cold wheelhouse cache under CI=true (set QATRACK_WHEELHOUSE_40=1 to build it)', () => {});
});
