/**
 * Wine tier: real Windows CPython 3.9.13 x64 (python.org's embeddable distribution) and real uv.exe
 * (PyPI's win_amd64 wheel) run the golden plan's own venv and wheelhouse actions, at the plan's own
 * paths (C:\QATrack\..., the bundle on E:), offline, against a win_amd64 wheelhouse that the
 * product's bundle builder made. Then every top-level module imports and the wheelhouse step's
 * consistency check passes (and fails once a requirement is removed).
 */
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../electron/engine/release.js';
import { CONSISTENCY_CHECK } from '../../electron/steps/common/wheelhouse.js';
import { pipWheelDir, uvExe, windowsPythonDir, windowsWheelhouse } from '../support/wine/artifacts.js';
import {
  goldenActions,
  stageAsPlanned,
  IMPORT_ALL,
  installEmbeddablePython,
  type PlannedExec,
} from '../support/wine/windows-python.js';
import { findWine, winPath, WinePrefix, wineTierSkipReason } from '../support/wine/wine.js';

const skip = await wineTierSkipReason();

/** A small real set first: the release's own pins of these projects (and what they pull in). */
const SMALL = ['django', 'django-q', 'django-picklefield', 'cherrypy', 'pytz', 'python-dateutil', 'pywin32'];
const smallRequirements = loadCatalog('3.1.1.4').requirements.filter((r) =>
  SMALL.includes(r.split(/[=<>!~; ]/)[0]!.toLowerCase()),
);

/** Imports that fail under Wine 8 only (what is missing is Wine's, not the wheel's). */
const WINE_IMPORT_FAILURES: Record<string, RegExp> = {
  // pywin32's MFC-based modules: Wine has no mfc140u.dll.
  win32ui: /DLL load failed/,
  win32uiole: /DLL load failed/,
  dde: /DLL load failed/,
  // pywin32's odbc module: Wine's odbc32 has no driver manager data to initialise from.
  odbc: /initialization of odbc failed/,
};

describe.skipIf(skip !== '')(`Windows CPython and uv.exe under Wine ${skip}`, { timeout: 180_000 }, () => {
  let work: string;
  let prefix: WinePrefix;
  let venvAction: PlannedExec;
  let installAction: PlannedExec;
  let venvPython: string;
  let wheels: string[];
  const offlineEnv = {
    // Nothing may reach a network: any attempt goes to a closed port.
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    ALL_PROXY: 'http://127.0.0.1:9',
    UV_CACHE_DIR: 'C:\\uv-cache',
  };

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'qatrack-wine-python-'));
    const plan = await goldenActions();
    [venvAction] = plan.execs('venv') as [PlannedExec];
    [installAction] = plan.execs('wheelhouse') as [PlannedExec];
    venvPython = installAction.args[installAction.args.indexOf('--python') + 1]!;
    const [embed, uv, wh, wine] = await Promise.all([
      windowsPythonDir(),
      uvExe(),
      windowsWheelhouse(smallRequirements),
      findWine(),
    ]);
    prefix = await WinePrefix.create(wine!, path.join(work, 'wine'));
    await prefix.installProcessPrng();
    wheels = wh.wheels;
    // The bundle drive, laid out as the plan expects: E:\qatrack-bundle-3.1.1.4-x64\{tools,wheelhouse}.
    const bundle = path.join(work, 'e', 'qatrack-bundle-3.1.1.4-x64');
    await mkdir(path.join(bundle, 'tools'), { recursive: true });
    await cp(uv, path.join(bundle, 'tools', 'uv.exe'));
    await cp(wh.dir, path.join(bundle, 'wheelhouse'), { recursive: true });
    await prefix.mapDrive('E', path.join(work, 'e'));
    await prefix.mapDrive('D', path.join(work, 'd'));
    // The plan runs uv.exe from the staging folder its staging step copies it to from the bundle.
    expect(await stageAsPlanned(plan, installAction.file, uv, { D: path.join(work, 'd') })).toBe(
      'E:\\qatrack-bundle-3.1.1.4-x64\\tools\\uv.exe',
    );
    // What the Python step installs: python.exe where the plan's venv action calls it.
    await installEmbeddablePython(prefix, embed, venvAction.file.replace(/\\python\.exe$/, ''));
  }, 600_000);

  afterAll(async () => {
    await prefix?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('runs python.exe 3.9.13 x64: win32, AMD64, sqlite3/ssl/ctypes, and its exit codes', async () => {
    const r = await prefix.exec(venvAction.file, [
      '-c',
      'import sys, platform, struct, sqlite3, ssl, ctypes, os; print(sys.version.split()[0], sys.platform, platform.machine(), struct.calcsize("P") * 8, os.sep, sqlite3.sqlite_version != "", ssl.OPENSSL_VERSION.split()[0]); sys.exit(7)',
    ]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('3.9.13 win32 AMD64 64 \\ True OpenSSL');
    expect(r.exitCode).toBe(7);
  });

  it("the plan's venv action needs the full installer: the embeddable distribution has no venv module", async () => {
    // What the Wine tier cannot run as planned: `python -m venv` (python.org's full installer is not
    // on a registry; the embeddable package leaves out venv and ensurepip).
    expect(venvAction.args.slice(0, 2)).toEqual(['-m', 'venv']);
    const r = await prefix.exec(venvAction.file, venvAction.args);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('No module named venv');
    // The same venv from the same interpreter, by uv.exe, then pip in it as ensurepip would put it.
    const uv = installAction.file;
    const made = await prefix.exec(uv, ['venv', '--python', venvAction.file, venvAction.args.at(-1)!], {
      env: offlineEnv,
    });
    expect(made.exitCode, made.stderr).toBe(0);
    const seeded = await prefix.exec(
      uv,
      [
        'pip',
        'install',
        '--python',
        venvPython,
        '--offline',
        '--no-index',
        '--find-links',
        winPath(await pipWheelDir()),
        'pip',
      ],
      { env: offlineEnv },
    );
    expect(seeded.exitCode, seeded.stderr).toBe(0);
  });

  it("installs the bundle's win_amd64 wheelhouse offline with the plan's own uv.exe command", async () => {
    // The product's builder brought what only Windows needs (pip alone skips it on Linux).
    expect(wheels.some((w) => w.startsWith('ansicon-'))).toBe(true);
    expect(wheels.some((w) => /^pywin32-.*-cp39-cp39-win_amd64\.whl$/.test(w))).toBe(true);
    const r = await prefix.exec(installAction.file, installAction.args, {
      env: { ...installAction.env, ...offlineEnv },
      timeoutMs: 300_000,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`Installed ${wheels.length} packages`));
    expect(r.stderr).toMatch(/Bytecode compiled \d+ files/);
    // It landed in the venv the plan names, as Windows lays it out.
    const site = prefix.unixPath(venvPython.replace(/Scripts\\python\.exe$/, 'Lib\\site-packages'));
    const { readdir } = await import('node:fs/promises');
    expect(await readdir(site)).toEqual(expect.arrayContaining(['django', 'cheroot', 'win32', 'ansicon']));
  });

  it('imports every top-level module of every installed distribution', async () => {
    const r = await prefix.exec(venvPython, ['-c', IMPORT_ALL]);
    expect(r.exitCode, r.stderr).toBe(0);
    const { ok, failed } = JSON.parse(r.stdout) as { ok: string[]; failed: Record<string, string> };
    expect(ok).toEqual(
      expect.arrayContaining(['django', 'django_q', 'cheroot', 'cherrypy', 'pytz', 'win32api', 'pywintypes']),
    );
    expect(ok.length).toBeGreaterThan(40);
    // Only the modules Wine itself cannot load, each for its known reason.
    expect(Object.keys(failed).sort()).toEqual(Object.keys(WINE_IMPORT_FAILURES).sort());
    for (const [name, why] of Object.entries(WINE_IMPORT_FAILURES)) expect(failed[name]).toMatch(why);
  });

  it("passes the wheelhouse step's consistency check, which fails once a requirement is gone", async () => {
    const ok = await prefix.exec(venvPython, ['-c', CONSISTENCY_CHECK]);
    expect(ok.stdout.trim()).toBe('No broken requirements found.');
    expect(ok.exitCode).toBe(0);
    // pip itself agrees (it is in the venv, as ensurepip puts it there on Windows).
    expect((await prefix.exec(venvPython, ['-m', 'pip', 'check'])).exitCode).toBe(0);

    const removed = await prefix.exec(
      installAction.file,
      ['pip', 'uninstall', '--python', venvPython, 'ansicon'],
      { env: offlineEnv },
    );
    expect(removed.exitCode, removed.stderr).toBe(0);
    const broken = await prefix.exec(venvPython, ['-c', CONSISTENCY_CHECK]);
    expect(broken.exitCode).toBe(1);
    // A Windows-only requirement: only an interpreter on Windows evaluates its marker as true.
    expect(broken.stdout).toMatch(/^jinxed requires ansicon/im);
  });
});
