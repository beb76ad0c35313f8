import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSignIn, type DirectorySettings } from '../../electron/directory/sign-in-test.js';
import {
  BASE_DN,
  DOMAIN,
  REALM,
  REQUIRED_GROUP,
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
  }, 180_000);
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
});
