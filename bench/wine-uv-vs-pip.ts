/**
 * Wine tier figures: fresh prefix boot, then the offline wheelhouse install into Windows CPython
 * 3.9.13 (embeddable) with uv.exe vs pip, under Wine, each into its own fresh venv; then the
 * wheelhouse step's consistency check and an import of every top-level module. Prints seconds.
 *   npx tsx bench/wine-uv-vs-pip.ts [--real]   (--real: the release's win_amd64 set, git pins left out)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from '../electron/engine/release.js';
import { configureResources } from '../electron/engine/resources.js';
import { CONSISTENCY_CHECK } from '../electron/steps/common/wheelhouse.js';
import { pipWheelDir, uvExe, windowsPythonDir, windowsWheelhouse } from '../test/support/wine/artifacts.js';
import { IMPORT_ALL, installEmbeddablePython } from '../test/support/wine/windows-python.js';
import { findWine, winPath, WinePrefix } from '../test/support/wine/wine.js';

// The catalog is read from resources/, as the CLI points the engine at it.
configureResources(fileURLToPath(new URL('../resources/', import.meta.url)));
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} (2 cores)`,
);

const real = process.argv.includes('--real');
const SMALL = ['django', 'django-q', 'django-picklefield', 'cherrypy', 'pytz', 'python-dateutil', 'pywin32'];
const all = loadCatalog('3.1.1.4').requirements;
const requirements = real ? all : all.filter((r) => SMALL.includes(r.split(/[=<>!~; ]/)[0]!.toLowerCase()));

const wine = await findWine();
if (!wine) throw new Error('wine64 is not installed');
const t = () => performance.now() / 1000;
let t0 = t();
const [embed, uv, pipDir, wh] = await Promise.all([
  windowsPythonDir(),
  uvExe(),
  pipWheelDir(),
  windowsWheelhouse(requirements),
]);
console.log(`artifacts and wheelhouse (cached after the first run): ${(t() - t0).toFixed(1)} s`);
console.log(
  `wheelhouse: ${wh.wheels.length} win_amd64/any wheels for ${real ? "the release's set" : 'the small set'}`,
);

const work = await mkdtemp(path.join(tmpdir(), 'bench-wine-'));
try {
  t0 = t();
  const prefix = await WinePrefix.create(wine, path.join(work, 'wine'));
  console.log(`fresh prefix boot (wineboot -i, until its processes end): ${(t() - t0).toFixed(1)} s`);
  await prefix.installProcessPrng();
  await installEmbeddablePython(prefix, embed, 'C:\\Python39');
  const env = {
    UV_CACHE_DIR: 'C:\\uv-cache',
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
  };
  const must = async (file: string, args: string[], extra: Record<string, string> = {}) => {
    const r = await prefix.exec(file, args, { env: { ...env, ...extra }, timeoutMs: 1_800_000 });
    if (r.exitCode !== 0) throw new Error(`${file} ${args.slice(0, 3).join(' ')}: ${r.stderr.slice(-2000)}`);
    return r;
  };
  const uvWin = winPath(uv);
  for (const venv of ['C:\\venv-uv', 'C:\\venv-pip']) {
    await must(uvWin, ['venv', '--python', 'C:\\Python39\\python.exe', venv]);
    await must(uvWin, [
      'pip',
      'install',
      '--python',
      `${venv}\\Scripts\\python.exe`,
      '--offline',
      '--no-index',
      '--find-links',
      winPath(pipDir),
      'pip',
    ]);
  }
  const req = winPath(path.join(wh.dir, 'requirements.txt'));
  const links = winPath(wh.dir);

  t0 = t();
  await must(
    uvWin,
    [
      'pip',
      'install',
      '--python',
      'C:\\venv-uv\\Scripts\\python.exe',
      '--offline',
      '--compile-bytecode',
      '--no-index',
      '--find-links',
      links,
      '-r',
      req,
    ],
    { UV_NO_PROGRESS: '1' },
  );
  const uvSeconds = t() - t0;
  t0 = t();
  await must(
    'C:\\venv-pip\\Scripts\\python.exe',
    [
      '-m',
      'pip',
      'install',
      '--isolated',
      '--disable-pip-version-check',
      '--no-input',
      '--no-index',
      '--find-links',
      links,
      '-r',
      req,
    ],
    { PIP_CONFIG_FILE: 'NUL' },
  );
  const pipSeconds = t() - t0;
  console.log(`install with uv.exe (--compile-bytecode): ${uvSeconds.toFixed(1)} s`);
  console.log(
    `install with pip (compiles bytecode by default): ${pipSeconds.toFixed(1)} s  (${(pipSeconds / uvSeconds).toFixed(1)}x)`,
  );

  for (const venv of ['C:\\venv-uv', 'C:\\venv-pip']) {
    const py = `${venv}\\Scripts\\python.exe`;
    const check = await prefix.exec(py, ['-c', CONSISTENCY_CHECK]);
    const imports = JSON.parse((await must(py, ['-c', IMPORT_ALL])).stdout) as {
      ok: string[];
      failed: Record<string, string>;
    };
    console.log(
      `${venv}: consistency check exit ${check.exitCode} (${check.stdout.trim().split('\n')[0]}); ${imports.ok.length} top-level modules import, failing under Wine: ${Object.keys(imports.failed).join(', ') || 'none'}`,
    );
  }
  await prefix.dispose();
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
} finally {
  await rm(work, { recursive: true, force: true });
}
