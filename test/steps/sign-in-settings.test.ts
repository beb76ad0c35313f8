import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnswers, type AnswersInput } from '../../electron/engine/answers/index.js';
import { computeLayout, SECRET_KEY_FILE } from '../../electron/engine/layout.js';
import { renderTemplatedText } from '../../electron/engine/secret-text.js';
import { renderLocalSettings } from '../../electron/steps/common/render-local-settings.js';
import { fixtureDir } from '../support/fixture.js';

/**
 * The sign-in settings, rendered and read back through the fixture's settings.py (upstream's order:
 * defaults, then `from .local_settings import *`) by real python3. Names and values are QATrack+
 * 3.1.1.4's (qatrack/settings.py L370-437, qatrack/accounts/backends.py at tag v3.1.1.4).
 */

const BIND_PW = `Bind'"\\pw %^&! x`;
const CLIENT_SECRET = `Adfs'"\\secret 42 y`;

const base: AnswersInput = {
  paths: { installDir: '/opt/qatrack', dataDir: '/srv/qatrack' },
  database: {
    engine: 'postgresql',
    server: '127.0.0.1',
    login: { user: 'qatrack', password: 'Db-password 2026' },
    readonlyLogin: { user: 'qatrack_reports', password: 'Ro-password 2026' },
  },
  admin: { username: 'admin', email: 'physics@hospital.org', password: 'Admin-pw change me 2026!' },
  site: {
    hostNames: ['qatrack.hospital.local'],
    https: { enabled: true, certificate: { mode: 'selfSigned' } },
  },
  workers: { count: 1 },
};

const directory = {
  ldapUrl: 'ldaps://dc1.hospital.local:636',
  searchDn: 'OU=Staff,DC=hospital,DC=local',
  nt4Domain: 'HOSPITAL',
  caFile: '/etc/hospital/ad-ca.pem',
  mirrorGroups: true,
};

async function settingsFor(dir: string, signIn: unknown) {
  const r = loadAnswers({ ...base, signIn }, { env: {} });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  const layout = computeLayout(r.answers, 'posix');
  const root = path.join(dir, String(Math.random()).slice(2));
  const pkg = path.join(root, 'qatrack');
  await mkdir(pkg, { recursive: true });
  await writeFile(path.join(pkg, '__init__.py'), '');
  await writeFile(path.join(pkg, SECRET_KEY_FILE), 'k'.repeat(50));
  await writeFile(
    path.join(pkg, 'settings.py'),
    await readFile(path.join(fixtureDir, 'qatrack', 'settings.py'), 'utf8'),
  );
  const parts = renderLocalSettings({ answers: r.answers, layout, versions: {}, timeZone: 'UTC' });
  const text = renderTemplatedText(parts, r.secrets);
  // The release's settings.py creates its data folders: keep them in the temporary folder.
  await writeFile(
    path.join(pkg, 'local_settings.py'),
    text.replace(
      /^(STATIC_ROOT|MEDIA_ROOT|LOG_ROOT) = .*$/gm,
      (_l, k: string) => `${k} = ${JSON.stringify(path.join(root, k.toLowerCase()))}`,
    ),
  );
  const { stdout } = await execa(
    'python3',
    [
      '-c',
      'import json; from qatrack import settings as s; print(json.dumps({k: getattr(s, k) for k in dir(s) if k.isupper() and (k.startswith(("AD_", "AUTH")) or k == "MIDDLEWARE")}))',
    ],
    { cwd: root },
  );
  return { s: JSON.parse(stdout) as Record<string, any>, parts, text, layout };
}

describe('sign-in settings in local_settings.py, read back through settings.py', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'qatrack-signin-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('local accounts (the default): QATrack+ own backend only', async () => {
    const { s } = await settingsFor(dir, undefined);
    expect(s.AUTHENTICATION_BACKENDS).toEqual(['qatrack.accounts.backends.QATrackAccountBackend']);
  });

  it('Active Directory over LDAPS: the AD_* settings the backend reads, CA copied under the install', async () => {
    const { s, layout } = await settingsFor(dir, {
      kind: 'activeDirectory',
      ...directory,
      accountNameAttribute: 'userPrincipalName',
    });
    expect(s.AUTHENTICATION_BACKENDS).toEqual([
      'qatrack.accounts.backends.QATrackAccountBackend',
      'qatrack.accounts.backends.ActiveDirectoryGroupMembershipSSLBackend',
    ]);
    expect(s).toMatchObject({
      AD_DNS_NAME: 'dc1.hospital.local',
      AD_LDAP_URL: 'ldaps://dc1.hospital.local:636',
      AD_SEARCH_DN: 'OU=Staff,DC=hospital,DC=local',
      AD_NT4_DOMAIN: 'HOSPITAL',
      AD_LU_ACCOUNT_NAME: 'userPrincipalName',
      AD_MIRROR_GROUPS: true,
      AD_CERT_FILE: path.posix.join(layout.installDir, 'certs', 'directory-ca.pem'),
    });
    // settings.py computes AD_SEARCH_FIELDS before the import: the changed account attribute is in it.
    expect(s.AD_SEARCH_FIELDS).toEqual(['mail', 'sn', 'givenName', 'userPrincipalName', 'memberOf']);
  });

  it('Active Directory over plain LDAP: no CA file', async () => {
    const { s } = await settingsFor(dir, {
      kind: 'activeDirectory',
      ...directory,
      ldapUrl: 'ldap://dc1.hospital.local',
      caFile: undefined,
    });
    expect(s.AD_CERT_FILE).toBe('');
    expect(s.AD_LU_ACCOUNT_NAME).toBe('sAMAccountName');
  });

  it('Windows integrated: service bind account, exact password, the IIS-user middleware after AuthenticationMiddleware', async () => {
    const { s, parts, text } = await settingsFor(dir, {
      kind: 'windowsIntegrated',
      ...directory,
      bindUser: 'svc-qatrack',
      bindPassword: BIND_PW,
    });
    expect(s.AUTHENTICATION_BACKENDS).toEqual([
      'qatrack.accounts.backends.QATrackAccountBackend',
      'qatrack.accounts.backends.WindowsIntegratedAuthenticationBackend',
      'qatrack.accounts.backends.ActiveDirectoryGroupMembershipSSLBackend',
    ]);
    expect(s.AD_LDAP_USER).toBe('svc-qatrack');
    expect(s.AD_LDAP_PW).toBe(BIND_PW);
    const auth = s.MIDDLEWARE.indexOf('django.contrib.auth.middleware.AuthenticationMiddleware');
    expect(s.MIDDLEWARE[auth + 1]).toBe('qatrack.local_settings._windows_user_middleware');
    expect(s.MIDDLEWARE.at(-1)).toBe('qatrack.middleware.login_required.LoginRequiredMiddleware');
    expect(parts.filter((p) => typeof p !== 'string')).toEqual([
      { $secret: 'database.login.password', encode: 'python-str' },
      { $secret: 'database.readonlyLogin.password', encode: 'python-str' },
      { $secret: 'signIn.bindPassword', encode: 'python-str' },
    ]);
    expect(text).not.toContain(BIND_PW); // escaped in the file, never verbatim
  });

  it('ADFS: AUTH_ADFS for django-auth-adfs 1.6.0 with the client secret as a secret', async () => {
    const { s, parts } = await settingsFor(dir, {
      kind: 'adfs',
      server: 'adfs.hospital.local',
      clientId: 'qatrackplus',
      relyingPartyId: 'https://qatrack.hospital.local',
      audience: 'microsoft:identityserver:qatrackplus',
      clientType: 'confidential',
      clientSecret: CLIENT_SECRET,
    });
    expect(s.AUTHENTICATION_BACKENDS).toEqual([
      'qatrack.accounts.backends.QATrackAccountBackend',
      'qatrack.accounts.backends.QATrackAdfsAuthCodeBackend',
    ]);
    expect(s.AUTH_ADFS).toEqual({
      SERVER: 'adfs.hospital.local',
      CLIENT_ID: 'qatrackplus',
      CLIENT_SECRET,
      RELYING_PARTY_ID: 'https://qatrack.hospital.local',
      AUDIENCE: 'microsoft:identityserver:qatrackplus',
      // upstream settings.py L424-437 defaults
      CLAIM_MAPPING: { first_name: 'given_name', last_name: 'family_name', email: 'email' },
      USERNAME_CLAIM: 'winaccountname',
      GROUPS_CLAIM: 'group',
      MIRROR_GROUPS: false,
    });
    expect(parts.some((p) => typeof p !== 'string' && p.$secret === 'signIn.clientSecret')).toBe(true);
  });
});

describe('sign-in answers refused with the field named', () => {
  const issues = (signIn: unknown, site?: unknown) => {
    const r = loadAnswers({ ...base, ...(site ? { site } : {}), signIn }, { env: {} });
    return r.ok ? [] : r.issues;
  };

  it('an http:// URL, a CA file with ldap://, a bad DN, a missing bind password', () => {
    expect(issues({ kind: 'activeDirectory', ...directory, ldapUrl: 'http://dc1' })).toContainEqual({
      path: 'signIn.ldapUrl',
      message: expect.stringContaining('ldap:// or ldaps://'),
    });
    expect(issues({ kind: 'activeDirectory', ...directory, ldapUrl: 'ldap://dc1' })).toContainEqual({
      path: 'signIn.caFile',
      message: expect.stringContaining('only with an ldaps:// URL'),
    });
    expect(issues({ kind: 'activeDirectory', ...directory, searchDn: 'hospital.local' })).toContainEqual({
      path: 'signIn.searchDn',
      message: expect.stringContaining('distinguished name'),
    });
    expect(issues({ kind: 'windowsIntegrated', ...directory, bindUser: 'svc' })).toContainEqual({
      path: 'signIn.bindPassword',
      message: expect.any(String),
    });
    expect(issues({ kind: 'kerberos' })).toContainEqual({ path: 'signIn.kind', message: expect.any(String) });
  });

  it('ADFS without HTTPS, and a confidential client without its secret', () => {
    const adfs = {
      kind: 'adfs',
      server: 'adfs.hospital.local',
      clientId: 'qatrackplus',
      relyingPartyId: 'https://qatrack.hospital.local',
      audience: 'https://qatrack.hospital.local',
    };
    expect(issues(adfs, { hostNames: ['qatrack.hospital.local'] })).toContainEqual({
      path: 'signIn.kind',
      message: expect.stringContaining('needs HTTPS'),
    });
    expect(issues({ ...adfs, clientType: 'confidential' })).toContainEqual({
      path: 'signIn.clientSecret',
      message: expect.stringContaining('required'),
    });
    expect(issues(adfs)).toEqual([]);
  });
});
