import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Answers } from '../engine/answers/index.js';
import { usesDirectory } from '../engine/answers/sign-in.js';
import type { ReleaseCatalog } from '../engine/catalog-schema.js';
import { InputError } from '../engine/errors.js';
import type { HostSpec } from '../hosts/index.js';

/**
 * Active Directory sign-in needs python-ldap in the venv (upstream qatrack/accounts/backends.py
 * imports `ldap`), and python-ldap publishes no Windows wheel on PyPI (only an sdist, which needs a
 * C compiler and OpenLDAP's headers; upstream's 3.1 docs point at a wheel site that is gone, QATrack+
 * #760). So the offline wheelhouse must carry one that fits the release's Python and the chosen arch,
 * added with `bundle create --extra-wheel FILE`. Checked before anything changes (exit 64).
 */

/** PEP 427 file name: name-version(-build)?-python-abi-platform.whl; tags may be dotted sets. */
export function wheelTags(file: string): { name: string; python: string[]; platform: string[] } | undefined {
  const m = /^([^-]+)-[^-]+(?:-\d[^-]*)?-([^-]+)-([^-]+)-([^-]+)\.whl$/i.exec(file);
  if (!m) return undefined;
  return {
    name: m[1]!.toLowerCase().replace(/[-.]+/g, '_'),
    python: m[2]!.split('.'),
    platform: m[4]!.split('.'),
  };
}

/** The platform tags a wheel may carry for this install. */
const platformFits = (tag: string, windows: boolean, arch: 'x64' | 'x86') =>
  windows
    ? tag === (arch === 'x64' ? 'win_amd64' : 'win32')
    : /^(linux|manylinux[0-9_]*)_x86_64$/.test(tag) || /^manylinux\d+_\d+_x86_64$/.test(tag);

export function fitsPythonLdap(
  file: string,
  pythonVersion: string,
  windows: boolean,
  arch: 'x64' | 'x86',
): boolean {
  const t = wheelTags(file);
  if (!t || t.name !== 'python_ldap') return false;
  const [major, minor] = pythonVersion.split('.');
  const cp = `cp${major}${minor}`;
  return t.python.some((p) => p === cp) && t.platform.some((p) => platformFits(p, windows, arch));
}

export const wheelhouseDirOf = (a: Answers, windows: boolean) =>
  a.paths.wheelhouseDir ??
  (a.paths.bundleDir ? (windows ? path.win32 : path.posix).join(a.paths.bundleDir, 'wheelhouse') : undefined);

/**
 * python-ldap 3.x's own dependencies (its wheel's METADATA: Requires-Dist pyasn1>=0.3.7,
 * pyasn1_modules>=0.1.5), pure-Python wheels on PyPI. An offline wheelhouse holding python-ldap
 * alone makes pip/uv refuse the install ("pyasn1 was not found in the provided package locations",
 * seen here with uv 0.9.5), so they are checked with it.
 */
export const PYTHON_LDAP_DEPENDENCIES = ['pyasn1', 'pyasn1_modules'] as const;

function assertLdapDependencies(dir: string, wheels: string[]): void {
  const have = new Set(wheels.map((f) => wheelTags(f)?.name));
  const missing = PYTHON_LDAP_DEPENDENCIES.filter((d) => !have.has(d));
  if (!missing.length) return;
  const want = missing.map((d) => `${d}-<version>-py3-none-any.whl`);
  throw new InputError(
    'PYTHON_LDAP_DEPENDENCIES_MISSING',
    `The wheelhouse ${dir} has python-ldap but not ${missing.join(' and ')}, which python-ldap needs: the offline install would stop there.`,
    [{ path: 'signIn.kind', message: `needs ${want.join(' and ')} in the wheelhouse` }],
    `Build the bundle again adding ${want.map((w) => `"--extra-wheel ${w}"`).join(' ')} (from PyPI, where both are published as wheels).`,
  );
}

export function assertPythonLdapWheel(
  command: string,
  a: Answers,
  hostSpec: HostSpec,
  catalog: ReleaseCatalog,
): void {
  if (!usesDirectory(a.signIn.kind) || !['plan', 'install', 'repair'].includes(command)) return;
  const windows = hostSpec.kind !== 'posix';
  const dir = wheelhouseDirOf(a, windows);
  // Read where the installer runs (the target on Windows); a sim's bundle path may not exist here,
  // and a missing wheelhouse is the wheelhouse step's own error.
  if (!dir || !existsSync(dir)) return;
  const wheels = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.whl'));
  if (wheels.some((f) => fitsPythonLdap(f, catalog.python.version, windows, a.python.arch))) {
    assertLdapDependencies(dir, wheels);
    return;
  }
  const [major, minor] = catalog.python.version.split('.');
  const want = windows
    ? `python_ldap-<version>-cp${major}${minor}-cp${major}${minor}-${a.python.arch === 'x64' ? 'win_amd64' : 'win32'}.whl`
    : `python_ldap-<version>-cp${major}${minor}-cp${major}${minor}-linux_x86_64.whl`;
  const found = wheels.filter((f) => wheelTags(f)?.name === 'python_ldap');
  throw new InputError(
    'PYTHON_LDAP_WHEEL_MISSING',
    `Active Directory sign-in needs python-ldap, and the wheelhouse ${dir} has no python-ldap wheel for Python ${major}.${minor} ${windows ? a.python.arch : 'x86_64'}${found.length ? ` (it has ${found.join(', ')}, which do not fit)` : ''}. python-ldap publishes no Windows wheel on PyPI.`,
    [{ path: 'signIn.kind', message: `needs a ${want} in the wheelhouse` }],
    `Build the bundle again with "qatrack-installer bundle create ... --extra-wheel ${want}" (a wheel your organisation trusts, for example from the cgohlke/python-ldap-build releases QATrack+ 4.0 uses), or choose signIn.kind "local" or "adfs".`,
  );
}
