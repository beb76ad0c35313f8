import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fitsPythonLdap } from '../../electron/bundle/python-ldap.js';
import { tempDir } from '../support/engine-context.js';
import { runCli } from '../support/cli.js';

/**
 * Active Directory without a python-ldap wheel that fits the release's Python (3.9 for 3.1.1.4) and
 * arch is refused before anything changes (exit 64), saying what to add; with one, the wheelhouse
 * install asks for python-ldap. Real CLI processes on the sim host; the wheelhouse folder is local.
 */

const AD = {
  kind: 'activeDirectory',
  ldapUrl: 'ldaps://dc1.hospital.local:636',
  searchDn: 'DC=hospital,DC=local',
  nt4Domain: 'HOSPITAL',
};

function setup(wheels: string[]) {
  const dir = tempDir('qti-ldap-');
  const wheelhouse = path.join(dir, 'wheelhouse');
  mkdirSync(wheelhouse);
  for (const w of ['Django-2.2.28-py3-none-any.whl', ...wheels]) writeFileSync(path.join(wheelhouse, w), 'x');
  writeFileSync(path.join(wheelhouse, 'requirements.txt'), 'Django==2.2.28\n');
  const a = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
  a.signIn = AD;
  a.paths.wheelhouseDir = wheelhouse;
  const answers = path.join(dir, 'answers.json');
  writeFileSync(answers, JSON.stringify(a));
  return ['--answers', answers, '--host', `sim:${path.join(dir, 'state.json')}`];
}

describe('python-ldap wheel for Active Directory sign-in', { timeout: 120_000 }, () => {
  it('fits by PEP 427 tags: cp39 and the arch’s Windows platform only', () => {
    expect(fitsPythonLdap('python_ldap-3.4.4-cp39-cp39-win_amd64.whl', '3.9.13', true, 'x64')).toBe(true);
    expect(fitsPythonLdap('python_ldap-3.4.4-cp39-cp39-win32.whl', '3.9.13', true, 'x86')).toBe(true);
    expect(fitsPythonLdap('python_ldap-3.4.4-cp39-cp39-win32.whl', '3.9.13', true, 'x64')).toBe(false);
    expect(fitsPythonLdap('python_ldap-3.4.4-cp312-cp312-win_amd64.whl', '3.9.13', true, 'x64')).toBe(false);
    expect(fitsPythonLdap('python_ldap-3.4.4.tar.gz', '3.9.13', true, 'x64')).toBe(false);
  });

  it('none in the wheelhouse: plan exits 64 with PYTHON_LDAP_WHEEL_MISSING and what to add', async () => {
    const r = await runCli(['plan', '--json', ...setup(['python_ldap-3.4.4-cp312-cp312-win_amd64.whl'])]);
    expect(r.exitCode, r.stderr).toBe(64);
    const text = r.stdout + r.stderr;
    expect(text).toContain('PYTHON_LDAP_WHEEL_MISSING');
    expect(text).toContain('--extra-wheel python_ldap-<version>-cp39-cp39-win_amd64.whl');
    expect(text).toContain('python_ldap-3.4.4-cp312-cp312-win_amd64.whl'); // named as not fitting
  });

  it('a fitting wheel without its dependencies pyasn1, pyasn1_modules: exit 64 naming both', async () => {
    const r = await runCli(['plan', '--json', ...setup(['python_ldap-3.4.4-cp39-cp39-win_amd64.whl'])]);
    expect(r.exitCode, r.stderr).toBe(64);
    const text = r.stdout + r.stderr;
    expect(text).toContain('PYTHON_LDAP_DEPENDENCIES_MISSING');
    expect(text).toContain('--extra-wheel pyasn1-<version>-py3-none-any.whl');
    expect(text).toContain('--extra-wheel pyasn1_modules-<version>-py3-none-any.whl');
  });

  it('a fitting wheel: plan goes ahead and installs python-ldap with the requirements', async () => {
    const r = await runCli([
      'plan',
      '--json',
      ...setup([
        'python_ldap-3.4.4-cp39-cp39-win_amd64.whl',
        'pyasn1-0.6.1-py3-none-any.whl',
        'pyasn1_modules-0.4.2-py3-none-any.whl',
      ]),
    ]);
    expect(r.exitCode, r.stderr).toBe(2);
    const wheelhouse = JSON.parse(r.stdout).steps.find((s: { id: string }) => s.id === 'wheelhouse');
    const install = wheelhouse.actions.find((a: { args?: string[] }) => a.args?.includes('-r'));
    expect(install.args.at(-1)).toBe('python-ldap');
  });
});
