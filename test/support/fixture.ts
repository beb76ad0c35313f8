import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import * as tar from 'tar';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const fixtureDir = path.join(repoRoot, 'test', 'fixtures', 'qatrack-fixture');
/** The fixture's second release, copied over the first (test/fixtures/qatrack-fixture-v2/README.md). */
export const fixtureV2Overlay = path.join(repoRoot, 'test', 'fixtures', 'qatrack-fixture-v2');
/** The fixture's 4.0-line release: v2's migrations, then Django 4.2 / django-q2 / 64-bit keys on top. */
export const fixtureV240Overlays = [
  fixtureV2Overlay,
  path.join(repoRoot, 'test', 'fixtures', 'qatrack-fixture-v2-40'),
];

/**
 * The Python 3.9 the fixture runs on (the release's own line), found by scripts/test-python.sh
 * (pyenv's 3.9 on these machines); undefined when this machine has none.
 */
export async function testPython(
  line: '3.9' | '3.12' = '3.9',
  env: NodeJS.ProcessEnv = process.env,
): Promise<string | undefined> {
  const r = await execa('bash', [path.join(repoRoot, 'scripts', 'test-python.sh'), line], {
    reject: false,
    env,
    extendEnv: false,
  });
  return r.exitCode === 0 ? r.stdout.trim() : undefined;
}

/** The fixture's wheelhouse (downloaded once from PyPI into .cache, offline afterwards); 4.0: cp312. */
export async function testWheelhouse(line: '3.1' | '4.0' = '3.1'): Promise<{ wheels: string; uv: string }> {
  const { stdout } = await execa('bash', [path.join(repoRoot, 'scripts', 'build-test-wheelhouse.sh'), line]);
  const dir = stdout.trim().split('\n').pop()!;
  return { wheels: path.join(dir, 'wheels'), uv: path.join(dir, 'uv', 'uv') };
}

/**
 * python-ldap for Python 3.9 on Linux, built once from PyPI's sdist against Debian's OpenLDAP
 * headers, with its dependencies' wheels (scripts/build-test-wheelhouse.sh python-ldap); the files.
 */
export async function testPythonLdapWheels(): Promise<string[]> {
  const { stdout } = await execa('bash', [
    path.join(repoRoot, 'scripts', 'build-test-wheelhouse.sh'),
    'python-ldap',
  ]);
  const dir = stdout.trim().split('\n').pop()!;
  return (await readdir(dir)).filter((f) => f.endsWith('.whl')).map((f) => path.join(dir, f));
}

/** A release archive shaped like upstream's: qatrackplus-<version>/ at the top, as a .tar.gz. */
export async function buildReleaseArchive(
  outDir: string,
  version = '3.1.1.4',
  marker?: string,
  overlay?: string | string[],
): Promise<string> {
  const staging = await mkdtemp(path.join(os.tmpdir(), 'qatrack-src-'));
  const top = `qatrackplus-${version}`;
  try {
    await cp(fixtureDir, path.join(staging, top), {
      recursive: true,
      filter: (src) => !/(__pycache__|\.pyc$|local_settings\.py$|secret_key\.txt$)/.test(src),
    });
    // Overlays in order, each over the last (the 4.0-line release carries v2's migrations).
    for (const o of overlay === undefined ? [] : [overlay].flat())
      await cp(o, path.join(staging, top), {
        recursive: true,
        filter: (src) => !/(__pycache__|\.pyc$|README\.md$)/.test(src),
      });
    if (marker) await cp(path.join(staging, top, 'manage.py'), path.join(staging, top, `${marker}.txt`));
    const file = path.join(outDir, `${top}.tar.gz`);
    await tar.c({ gzip: true, file, cwd: staging, portable: true }, [top]);
    return file;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
