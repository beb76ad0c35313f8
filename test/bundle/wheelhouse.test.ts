import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitRequirements } from '../../electron/bundle/requirements.js';
import {
  buildWheelhouse,
  checkWheelhouse,
  markerGaps,
  unresolvedRequirement,
} from '../../electron/bundle/wheelhouse.js';
import { loadCatalog } from '../../electron/engine/release.js';
import { makeWheel } from '../../scripts/bundle-fixture-lib.js';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'wheelhouse-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('requirements', () => {
  it("finds QATrack+ 3.1.1.4's four git pins with their names and commits", () => {
    const { index, git } = splitRequirements(loadCatalog('3.1.1.4').requirements);
    expect(git.map((g) => g.name).sort()).toEqual([
      'django-mssql-backend',
      'django-recurrence',
      'django-sql-explorer',
      'django_genericdropdown',
    ]);
    expect(git.find((g) => g.name === 'django-recurrence')!.ref).toBe(
      'b3a73e8e03952107e58382922fec37aead31fd6f',
    );
    expect(index).toContain('Django==2.2.18');
    expect(index.some((l) => l.startsWith('git+'))).toBe(false);
  });

  it('drops -e and rejects a git line without #egg=', () => {
    expect(splitRequirements(['-e git+https://h/x.git@abc#egg=x']).git[0]).toMatchObject({
      name: 'x',
      ref: 'abc',
    });
    expect(() => splitRequirements(['git+https://h/x.git@abc'])).toThrow(/#egg=/);
  });

  it("reads the requirement pip could not find from pip's own message", () => {
    expect(unresolvedRequirement('ERROR: No matching distribution found for django-listable==0.5.2\n')).toBe(
      'django-listable==0.5.2',
    );
  });

  it('reads the sdist-only dependency out of a resolution conflict (pip 23.2 output, QATrack+ 4.0 pylinac)', () => {
    // Captured from `pip download --platform win_amd64 --python-version 3.12 --only-binary=:all:`
    // on the 4.0.x requirements (pip 23.2.1): future 0.18.x publishes no wheel.
    const captured = [
      'ERROR: Cannot install pylinac because these package versions have conflicting dependencies.',
      '',
      'The conflict is caused by:',
      '    py-linq 1.4.0 depends on future<0.19.0 and >=0.18.2',
      '    py-linq 1.3.0 depends on future<0.19.0 and >=0.18.2',
      '',
      'To fix this you could try to:',
    ].join('\n');
    expect(unresolvedRequirement(captured)).toBe('future<0.19.0,>=0.18.2');
    expect(
      unresolvedRequirement('ERROR: ResolutionImpossible: for help visit https://pip.pypa.io'),
    ).toBeUndefined();
  });

  it('takes a PEP 508 wheel URL as a pin that needs GitHub, by name (4.0 python-ldap)', () => {
    const line =
      'python-ldap @ https://github.com/cgohlke/python-ldap-build/releases/download/v3.4.5/python_ldap-3.4.5-cp312-cp312-win_amd64.whl';
    expect(splitRequirements(['Django>=4.2.30,<4.3', line])).toEqual({
      index: ['Django>=4.2.30,<4.3'],
      git: [{ name: 'python-ldap', url: line.split(' @ ')[1], line, wheel: true }],
    });
  });
});

describe('buildWheelhouse', () => {
  it('names every git pin and how to supply it when GitHub is not allowed, before running pip', async () => {
    const err = await buildWheelhouse({
      requirements: loadCatalog('3.1.1.4').requirements,
      platform: 'win_amd64',
      pythonVersion: '3.9',
      dest: path.join(work, 'git', 'wheelhouse'),
    }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('WHEELHOUSE_GIT_PINS');
    expect((err as Error).message).toContain('django-mssql-backend');
    expect((err as { fix: string }).fix).toContain('--git-source');
    expect(await readdir(path.join(work, 'git', 'wheelhouse'))).toEqual([]);
  });

  it('resolves a folder that pip alone can install from, and reports a missing requirement clearly', async () => {
    const wheels = path.join(work, 'local');
    await makeWheel(wheels, 'fx-dep', '2.0');
    await makeWheel(wheels, 'fx-app', '1.0', ['fx-dep>=2']);
    const dest = path.join(work, 'ok', 'wheelhouse');
    const r = await buildWheelhouse({
      requirements: ['fx-app==1.0'],
      platform: 'win32',
      pythonVersion: '3.9',
      dest,
      pipArgs: ['--no-index', '--find-links', wheels],
    });
    // The dependency came along through resolution, not because it was listed.
    expect(r.wheels).toEqual(['fx_app-1.0-py3-none-any.whl', 'fx_dep-2.0-py3-none-any.whl']);
    // The real consumer: pip installs from the folder alone, dependency included.
    const target = path.join(work, 'installed');
    await execa('python3', [
      '-m',
      'pip',
      'install',
      '--isolated',
      '--no-index',
      '--find-links',
      dest,
      '--target',
      target,
      'fx-app==1.0',
    ]);
    const { stdout } = await execa(
      'python3',
      ['-c', 'import fx_app, fx_dep; print(fx_app.VERSION, fx_dep.VERSION)'],
      {
        env: { PYTHONPATH: target },
      },
    );
    expect(stdout.trim()).toBe('1.0 2.0');

    const err = await buildWheelhouse({
      requirements: ['fx-app==1.0', 'not-there==9'],
      platform: 'win32',
      pythonVersion: '3.9',
      dest: path.join(work, 'bad', 'wheelhouse'),
      pipArgs: ['--no-index', '--find-links', wheels],
      maxRounds: 0,
    }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('WHEELHOUSE_UNRESOLVED');
    expect((err as Error).message).toContain('not-there==9');
  });
});

describe('Windows-only requirements (environment markers)', () => {
  // Real pip on this Linux machine: `pip download --platform win32` skips `; sys_platform ==
  // "win32"` requirements (pypa/pip#11664), as it skipped jinxed's ansicon for the Wine tier.
  it('brings what only Windows needs and follows extras', async () => {
    const wheels = path.join(work, 'markers');
    await makeWheel(wheels, 'mk-win', '1.0');
    await makeWheel(wheels, 'mk-posix', '1.0');
    await makeWheel(wheels, 'mk-speed', '1.0');
    await makeWheel(wheels, 'mk-lib', '1.0', ['mk-speed>=1; extra == "fast"']);
    await makeWheel(wheels, 'mk-app', '1.0', [
      'mk-win>=1; sys_platform == "win32"',
      'mk-posix; sys_platform != "win32"',
      'mk-lib[fast]; platform_system == "Windows"',
    ]);
    const r = await buildWheelhouse({
      requirements: ['mk-app==1.0'],
      platform: 'win_amd64',
      pythonVersion: '3.9',
      dest: path.join(work, 'markers-out', 'wheelhouse'),
      pipArgs: ['--no-index', '--find-links', wheels],
    });
    expect(r.wheels).toEqual([
      'mk_app-1.0-py3-none-any.whl',
      'mk_lib-1.0-py3-none-any.whl',
      // pip resolved for this machine too: a Linux-only wheel rides along, unused on Windows
      // (the installer evaluates markers there).
      'mk_posix-1.0-py3-none-any.whl',
      'mk_speed-1.0-py3-none-any.whl',
      'mk_win-1.0-py3-none-any.whl',
    ]);
  });

  it('rejects a given wheelhouse that lacks a Windows-only requirement, naming it', async () => {
    const dest = path.join(work, 'markers-given');
    await makeWheel(dest, 'mk-app', '1.0', ['mk-win>=1; sys_platform == "win32"']);
    const err = await checkWheelhouse({
      requirements: ['mk-app==1.0'],
      platform: 'win_amd64',
      pythonVersion: '3.9',
      dest,
    }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('WHEELHOUSE_INCOMPLETE');
    expect((err as Error).message).toContain('mk-win>=1');
    expect(await markerGaps('python3', { platform: 'win_amd64', pythonVersion: '3.9', dest })).toEqual([
      'mk-win>=1',
    ]);
  });
});

/** A source tree with an in-tree PEP 517 backend (no build dependencies), like a git checkout. */
async function fakeCheckout(dir: string, name: string, version: string): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'pyproject.toml'),
    `[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n`,
  );
  await writeFile(
    path.join(dir, 'backend.py'),
    `import zipfile, os
NAME, VERSION = ${JSON.stringify(name)}, ${JSON.stringify(version)}
PKG = NAME.replace('-', '_')
def _files():
    di = f"{PKG}-{VERSION}.dist-info"
    return di, {f"{PKG}/__init__.py": "X = 1\\n", f"{di}/METADATA": f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n",
                f"{di}/WHEEL": "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    di, files = _files()
    name = f"{PKG}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, name), "w") as z:
        for n, c in files.items(): z.writestr(n, c)
        z.writestr(f"{di}/RECORD", "")
    return name
def build_sdist(sdist_directory, config_settings=None):
    raise NotImplementedError
`,
  );
}

describe('git pins from a local source', () => {
  it('builds a git-pinned requirement from --git-source and resolves it with the rest', async () => {
    const checkout = path.join(work, 'checkout');
    await fakeCheckout(checkout, 'fx-git', '0.1');
    const wheels = path.join(work, 'local2');
    await makeWheel(wheels, 'fx-plain', '1.0');
    const r = await buildWheelhouse({
      requirements: ['fx-plain==1.0', '-e git+https://github.com/example/fx-git.git@abc123#egg=fx-git'],
      platform: 'win_amd64',
      pythonVersion: '3.9',
      dest: path.join(work, 'git-ok', 'wheelhouse'),
      gitSources: { 'fx-git': checkout },
      pipArgs: ['--no-index', '--find-links', wheels],
    });
    expect(r.builtFromGit).toEqual(['fx-git']);
    expect(r.wheels).toEqual(['fx_git-0.1-py3-none-any.whl', 'fx_plain-1.0-py3-none-any.whl']);
  });
});
