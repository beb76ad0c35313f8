import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { contract } from '../../electron/ipc/contract.js';
import { testSignInFromWizard } from '../../electron/ipc/sign-in-test.js';
import { testSignIn, type DirectorySettings } from '../../electron/directory/sign-in-test.js';
import {
  BASE_DN,
  DOMAIN,
  REALM,
  REQUIRED_GROUP,
  SAMBA_LOCK_WAIT_MS,
  sambaUnavailable,
  startSambaDc,
  USERS,
  type SambaDc,
} from '../support/samba-dc.js';

/**
 * "Test sign-in" against a real Active Directory DC (Samba 4 from Debian, on 127.0.0.1): the bind and
 * search QATrack+ 3.1.1.4's backend does, and the plain-words result for each way it fails.
 */

const why = await sambaUnavailable();
if (why) console.warn(`sign-in against Samba AD skipped: ${why}`);

describe.skipIf(Boolean(why))('Test sign-in against a Samba AD domain controller', () => {
  let dc: SambaDc;
  let settings: DirectorySettings;
  const [alice, bob] = USERS as [(typeof USERS)[0], (typeof USERS)[0]];

  beforeAll(async () => {
    dc = await startSambaDc();
    settings = {
      ldapUrl: 'ldaps://127.0.0.1:636',
      searchDn: BASE_DN,
      nt4Domain: DOMAIN,
      accountNameAttribute: 'sAMAccountName',
      membershipRequired: [],
      caPem: dc.caPem,
    };
  }, SAMBA_LOCK_WAIT_MS + 180_000);
  afterAll(async () => {
    await dc?.stop();
  });

  it('a good user over LDAPS with the CA file: signed in, with name, mail and groups', async () => {
    const r = await testSignIn(
      { ...settings, membershipRequired: [REQUIRED_GROUP] },
      alice.name,
      alice.password,
    );
    expect(r).toMatchObject({ ok: true });
    if (!r.ok) return;
    expect(r.user).toMatchObject({
      dn: `CN=${alice.givenName} ${alice.surname},CN=Users,${BASE_DN}`,
      email: alice.mail,
      firstName: alice.givenName,
      lastName: alice.surname,
    });
    // As QATrack+ parses memberOf: every CN value, so the container "Users" is among them too.
    expect(r.user.groups).toContain(REQUIRED_GROUP);
    expect(r.detail).toContain(REQUIRED_GROUP);
  });

  it('binds as user@REALM as well (what users put in AD_NT4_DOMAIN differs by site)', async () => {
    const r = await testSignIn({ ...settings, nt4Domain: REALM.toLowerCase() }, alice.name, alice.password);
    expect(r.ok).toBe(true);
  });

  it('plain ldap:// on a DC that requires signing or TLS (Samba default): says to use LDAPS', async () => {
    const r = await testSignIn(
      { ...settings, ldapUrl: 'ldap://127.0.0.1:389', caPem: undefined },
      alice.name,
      alice.password,
    );
    expect(r).toMatchObject({ ok: false, problem: 'LDAPS_REQUIRED' });
    if (!r.ok) expect(r.fix).toContain('ldaps://');
  });

  it('a wrong password: bad credentials, and the password is nowhere in the result', async () => {
    const wrong = 'Not-Her-Password-1';
    const r = await testSignIn(settings, alice.name, wrong);
    expect(r).toMatchObject({ ok: false, problem: 'BAD_CREDENTIALS' });
    expect(r.detail).toContain(`${alice.name}@${DOMAIN}`);
    expect(JSON.stringify(r)).not.toContain(wrong);
  });

  it('an unknown user: bad credentials (the directory cannot tell them apart at bind)', async () => {
    const r = await testSignIn(settings, 'nobody', 'Whatever-Pass-1');
    expect(r).toMatchObject({ ok: false, problem: 'BAD_CREDENTIALS' });
  });

  it('a user outside the search DN: password right, user not found under it', async () => {
    const r = await testSignIn(
      { ...settings, searchDn: `OU=Domain Controllers,${BASE_DN}` },
      alice.name,
      alice.password,
    );
    expect(r).toMatchObject({ ok: false, problem: 'USER_NOT_FOUND' });
    expect(r.detail).toContain(`OU=Domain Controllers,${BASE_DN}`);
  });

  it('a CA file that did not sign the certificate: not trusted, naming the CA that did', async () => {
    const r = await testSignIn({ ...settings, caPem: dc.otherCaPem }, alice.name, alice.password);
    expect(r).toMatchObject({ ok: false, problem: 'CERTIFICATE_NOT_TRUSTED' });
    if (r.ok) return;
    expect(r.detail).toContain('QATest Root CA');
    expect(r.fix).toContain('signIn.caFile');
  });

  it('no CA file at all: not trusted either (a private AD CA is never in the built-in list)', async () => {
    const r = await testSignIn({ ...settings, caPem: undefined }, alice.name, alice.password);
    expect(r).toMatchObject({ ok: false, problem: 'CERTIFICATE_NOT_TRUSTED' });
  });

  it('a host name the certificate does not name: says which names it has', async () => {
    const r = await testSignIn({ ...settings, ldapUrl: 'ldaps://localhost:636' }, alice.name, alice.password);
    expect(r).toMatchObject({ ok: false, problem: 'CERTIFICATE_NAME_MISMATCH' });
    expect(r.detail).toContain('dc1.qatest.local');
  });

  it('a user in none of the required groups: signed in, but refused, with the groups named', async () => {
    const r = await testSignIn({ ...settings, membershipRequired: [REQUIRED_GROUP] }, bob.name, bob.password);
    expect(r).toMatchObject({ ok: false, problem: 'NOT_IN_REQUIRED_GROUP' });
    expect(r.detail).toContain(REQUIRED_GROUP);
  });

  it('nothing listening: server unreachable', async () => {
    const r = await testSignIn({ ...settings, ldapUrl: 'ldaps://127.0.0.1:1' }, alice.name, alice.password);
    expect(r).toMatchObject({ ok: false, problem: 'SERVER_UNREACHABLE' });
  });

  describe('qatrack-installer verify --sign-in USER (a real CLI process; password on stdin)', () => {
    const answersWith = (signIn: unknown) => {
      const a = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
      a.signIn = signIn;
      const file = path.join(dc.dir, `answers-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify(a));
      return ['--answers', file, '--host', `sim:${path.join(dc.dir, 'state.json')}`];
    };
    const directory = () => {
      const caFile = path.join(dc.dir, 'ad-ca.pem');
      writeFileSync(caFile, dc.caPem);
      return {
        kind: 'activeDirectory',
        ldapUrl: 'ldaps://127.0.0.1:636',
        searchDn: BASE_DN,
        nt4Domain: DOMAIN,
        caFile,
      };
    };

    it('exit 0 and the groups for a good user; exit 1 and no password in any output for a wrong one', async () => {
      const args = answersWith({ ...directory(), membershipRequired: [REQUIRED_GROUP] });
      const good = await runCli(['verify', '--sign-in', alice.name, ...args], {
        input: `${alice.password}\n`,
      });
      expect(good.exitCode, good.stderr).toBe(0);
      expect(good.stdout).toContain(`OK: ${alice.name} signed in`);
      expect(good.stdout).toContain(REQUIRED_GROUP);
      const wrong = 'Wrong-Pass-For-Alice-9';
      const bad = await runCli(['verify', '--sign-in', alice.name, '--json', ...args], { input: wrong });
      expect(bad.exitCode).toBe(1);
      expect(JSON.parse(bad.stdout).signIn).toMatchObject({ ok: false, problem: 'BAD_CREDENTIALS' });
      expect(bad.stdout + bad.stderr).not.toContain(wrong);
    });

    it('exit 64 when the answers sign in with local accounts', async () => {
      const r = await runCli(['verify', '--sign-in', alice.name, ...answersWith({ kind: 'local' })], {
        input: 'x',
      });
      expect(r.exitCode).toBe(64);
      expect(r.stdout + r.stderr).toContain('signIn.kind');
    });
  });

  it("the wizard channel (testSignIn): same result, in the contract's response shape, no password in it", async () => {
    const caFile = path.join(dc.dir, 'wizard-ca.pem');
    writeFileSync(caFile, dc.caPem);
    const req = contract.testSignIn.request.parse({
      ldapUrl: 'ldaps://127.0.0.1:636',
      searchDn: BASE_DN,
      nt4Domain: DOMAIN,
      membershipRequired: [REQUIRED_GROUP],
      caFile,
      username: alice.name,
      password: alice.password,
    });
    const good = await testSignInFromWizard(req);
    expect(contract.testSignIn.response.parse({ ok: true, value: good })).toBeTruthy();
    expect(good).toMatchObject({ ok: true, groups: expect.arrayContaining([REQUIRED_GROUP]) });
    const bad = await testSignInFromWizard({ ...req, username: bob.name, password: bob.password });
    expect(bad).toMatchObject({ ok: false, problem: 'NOT_IN_REQUIRED_GROUP' });
    expect(JSON.stringify([good, bad])).not.toContain(alice.password);
  });
});
