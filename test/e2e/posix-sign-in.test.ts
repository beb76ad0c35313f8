import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMOTE_USER_HEADER } from '../../electron/steps/common/render-sign-in.js';
import { testPythonLdapWheels } from '../support/fixture.js';
import {
  cli,
  get,
  loginAndGet,
  missingTools,
  prepareSite,
  teardownSite,
  writeAnswers,
  type Site,
} from '../support/posix-site.js';
import {
  BASE_DN,
  DOMAIN,
  REQUIRED_GROUP,
  SAMBA_LOCK_WAIT_MS,
  sambaUnavailable,
  startSambaDc,
  USERS,
  type SambaDc,
} from '../support/samba-dc.js';

/**
 * Active Directory sign-in on the real posix install: a Samba 4 AD DC on loopback (LDAPS, test CA),
 * python-ldap built from PyPI's sdist and installed from the bundle's wheelhouse, and the fixture's
 * ActiveDirectoryGroupMembershipSSLBackend (QATrack+ 3.1.1.4's logic: bind as user@AD_NT4_DOMAIN,
 * search AD_SEARCH_DN, copy mail/givenName/sn, mirror memberOf groups, refuse users outside the
 * account qualifying groups). Every sign-in goes through nginx and the login form, as a browser's.
 * One DC and one install serve every case.
 */
const missing = (await missingTools()) ?? (await sambaUnavailable());
if (missing) console.warn(`posix sign-in e2e skipped: ${missing}`);

const DEFAULT_GROUP = 'Therapists';
const [alice, bob] = USERS as [(typeof USERS)[0], (typeof USERS)[0]];

describe.skipIf(missing !== undefined)(
  'Active Directory sign-in on the posix install (Samba AD, LDAPS)',
  () => {
    let site: Site;
    let dc: SambaDc;
    let caFile: string;
    const timings: Record<string, number> = {};

    /** Runs `program` with the installed venv and settings (QATrack+'s own Django); its stdout. */
    const djangoShell = async (program: string) => {
      const r = await execa(
        path.join(site.installDir, 'venv', 'bin', 'python'),
        ['manage.py', 'shell', '-c', program],
        {
          cwd: path.join(site.installDir, 'qatrackplus'),
        },
      );
      return r.stdout.trim().split('\n').pop()!;
    };
    const userRow = async (name: string) =>
      JSON.parse(
        await djangoShell(
          [
            'import json',
            'from django.contrib.auth.models import User',
            `u = User.objects.filter(username=${JSON.stringify(name)}).first()`,
            'print(json.dumps(None if u is None else {"first": u.first_name, "last": u.last_name, "email": u.email, ' +
              '"groups": sorted(u.groups.values_list("name", flat=True)), "usable": u.has_usable_password(), ' +
              '"staff": u.is_staff, "signedIn": u.last_login is not None}))',
          ].join('\n'),
        ),
      ) as null | Record<string, unknown>;

    beforeAll(async () => {
      let t = Date.now();
      site = await prepareSite({ extraWheels: await testPythonLdapWheels() });
      timings.prepareSiteMs = Date.now() - t;
      // After the site: the DC's machine-wide lock (fixed LDAP ports) is held for less time.
      t = Date.now();
      dc = await startSambaDc();
      timings.sambaProvisionAndStartMs = Date.now() - t;
      caFile = path.join(site.root, 'ad-ca.pem');
      await writeFile(caFile, dc.caPem);
    }, SAMBA_LOCK_WAIT_MS + 400_000);
    afterAll(async () => {
      console.log(`posix sign-in timings: ${JSON.stringify(timings)}`);
      await teardownSite(site);
      await dc?.stop();
    }, 120_000);

    const signIn = (over: Record<string, unknown> = {}) => ({
      kind: 'activeDirectory',
      ldapUrl: 'ldaps://127.0.0.1:636',
      searchDn: BASE_DN,
      nt4Domain: DOMAIN,
      caFile,
      mirrorGroups: true,
      membershipRequired: [REQUIRED_GROUP],
      defaultGroups: [DEFAULT_GROUP],
      ...over,
    });

    it('installs with signIn activeDirectory: python-ldap from the wheelhouse, CA copied, groups as rows', async () => {
      const answers = await writeAnswers(site, 'ad', (a) => {
        a.signIn = signIn();
      });
      const t = Date.now();
      const r = await cli(site, ['install', '--yes'], answers);
      timings.installMs = Date.now() - t;
      expect(r.exitCode, r.all).toBe(0);
      const py = path.join(site.installDir, 'venv', 'bin', 'python');
      const ldap = await execa(py, ['-c', 'import ldap; print(ldap.__version__, ldap.OPT_X_TLS_CACERTFILE)']);
      expect(ldap.stdout).toMatch(/^3\.4\.4 \d+$/);
      const settings = await readFile(
        path.join(site.installDir, 'qatrackplus', 'qatrack', 'local_settings.py'),
        'utf8',
      );
      const installedCa = path.join(site.installDir, 'certs', 'directory-ca.pem');
      expect(settings).toContain(`AD_CERT_FILE = ${JSON.stringify(installedCa)}`);
      expect(await readFile(installedCa, 'utf8')).toBe(dc.caPem);
      // Where QATrack+ 3.1.1.4 reads them: an account qualifying ActiveDirectoryGroupMap row, a DefaultGroup row.
      expect(
        JSON.parse(
          await djangoShell(
            'import json\nfrom qatrack.accounts.models import ActiveDirectoryGroupMap as M, DefaultGroup as D\n' +
              'print(json.dumps([M.qualified_ad_group_names(), [d.group.name for d in D.objects.all()]]))',
          ),
        ),
      ).toEqual([[REQUIRED_GROUP], [DEFAULT_GROUP]]);
      const again = await cli(site, ['plan', '--json'], answers);
      expect(again.exitCode, again.all).toBe(0); // nothing left to do, the groups step included
    }, 600_000);

    it('a directory user signs in through nginx: session works, row from the directory, groups mirrored', async () => {
      expect((await get(site.httpPort, '/')).status).toBe(302); // anonymous: to the login page
      const r = await loginAndGet(site.httpPort, alice.name, alice.password, '/');
      expect(r.loginStatus).toBe(302);
      expect(r.loginLocation).toBe('/qc/unit/'); // LOGIN_REDIRECT_URL: signed in
      expect(r.status).toBe(200);
      expect(r.body).toContain('QATrack+ fixture');
      expect(await userRow(alice.name)).toEqual({
        first: alice.givenName,
        last: alice.surname,
        email: alice.mail,
        // memberOf CN=QATrack Users,CN=Users,DC=...: upstream mirrors every CN value, so the
        // container "Users" becomes a group too; Therapists is the default group.
        groups: [REQUIRED_GROUP, DEFAULT_GROUP, 'Users'].sort(),
        usable: false, // upstream sets an unusable password: only the directory can sign them in
        staff: false,
        signedIn: true,
      });
    }, 120_000);

    it('a user in no account qualifying group is refused, and no user row is created', async () => {
      const r = await loginAndGet(site.httpPort, bob.name, bob.password, '/');
      expect(r.loginStatus).toBe(200); // the form again, with its error
      expect(r.status).toBe(302);
      expect(await userRow(bob.name)).toBeNull();
      const log = await readFile(path.join(site.dataDir, 'logs', 'auth.log'), 'utf8');
      expect(log).toContain(
        `successfully authenticated: ${bob.name} but they don't belong to a qualified group`,
      );
    }, 120_000);

    it('a wrong password is refused', async () => {
      const r = await loginAndGet(site.httpPort, alice.name, 'Not-Alices-Password-7', '/');
      expect(r.loginStatus).toBe(200);
      expect(r.status).toBe(302);
      const log = await readFile(path.join(site.dataDir, 'logs', 'auth.log'), 'utf8');
      expect(log).toContain(`Invalid username or password for user: ${alice.name}`);
    }, 120_000);

    it('answers without the CA file: the backend cannot trust the DC certificate and refuses', async () => {
      const answers = await writeAnswers(site, 'ad-no-ca', (a) => {
        a.signIn = signIn({ caFile: undefined });
      });
      const t = Date.now();
      const r = await cli(site, ['install', '--yes'], answers);
      timings.reconfigureMs = Date.now() - t;
      expect(r.exitCode, r.all).toBe(0);
      const settings = await readFile(
        path.join(site.installDir, 'qatrackplus', 'qatrack', 'local_settings.py'),
        'utf8',
      );
      expect(settings).toContain('AD_CERT_FILE = ""');
      const before = (await readFile(path.join(site.dataDir, 'logs', 'auth.log'), 'utf8')).length;
      const login = await loginAndGet(site.httpPort, alice.name, alice.password, '/');
      expect(login.loginStatus).toBe(200);
      expect(login.status).toBe(302);
      const log = (await readFile(path.join(site.dataDir, 'logs', 'auth.log'), 'utf8')).slice(before);
      // python-ldap reports a TLS handshake it refused as SERVER_DOWN (upstream's branch for it).
      expect(log).toContain('Unable to contact LDAP server');
    }, 600_000);
    it('windowsIntegrated: the IIS-forwarded name signs a user in at a worker; forged through nginx, nobody', async () => {
      // The service bind QATrack+'s WindowsIntegratedAuthenticationBackend reads new users with.
      site.secrets['signIn.bindPassword'] = alice.password;
      const answers = await writeAnswers(site, 'wia', (a) => {
        a.signIn = {
          ...signIn(),
          kind: 'windowsIntegrated',
          bindUser: alice.name,
          bindPassword: { env: 'UNUSED_SECRET_GIVEN_ON_STDIN' },
        };
      });
      const r = await cli(site, ['install', '--yes'], answers);
      expect(r.exitCode, r.all).toBe(0);
      const header = REMOTE_USER_HEADER.toLowerCase();
      // What IIS does on Windows (webConfig.ts): the authenticated DOMAIN\user in the header, to a
      // worker on loopback. The backend creates the user and reads mail and names with the service bind.
      const worker = await request(`http://127.0.0.1:${site.workerPorts[0]}/`, {
        headers: { host: 'qatrack.test', [header]: `${DOMAIN}\\${bob.name}` },
      });
      await worker.body.text();
      expect(worker.statusCode).toBe(200);
      const row = await userRow(bob.name);
      expect(row).toMatchObject({
        first: expect.stringContaining(bob.givenName),
        usable: false,
        signedIn: true,
      });
      // Upstream's configure_user stores python-ldap's bytes as they come (backends.py L311-313).
      expect(String(row!.email)).toContain(bob.mail);
      // nginx is no IIS: a client's own header must not sign anyone in (here: the superuser).
      const forged = await get(site.httpPort, '/', 'qatrack.test', { [header]: 'admin' });
      expect(forged.status).toBe(302);
    }, 600_000);
  },
);
