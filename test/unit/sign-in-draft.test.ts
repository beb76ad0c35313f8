import { describe, expect, it } from 'vitest';
import { loadAnswers } from '../../electron/engine/answers/index.js';
import {
  answersToDraft,
  defaultDraft,
  draftToAnswers,
  pageIssues,
  pagesFor,
} from '../../renderer/src/draft.js';

/** The wizard's sign-in page: its draft fields become the answers' signIn, and back. */

const filled = () => {
  const d = defaultDraft('qatrack.hospital.local');
  d.database.login.password = 'Db-password 2026';
  d.database.readonlyLogin.password = 'Ro-password 2026';
  d.admin.email = 'physics@hospital.org';
  d.admin.password = 'Admin-pw change me 2026!';
  return d;
};

describe('wizard sign-in page', () => {
  it('comes after Mail for install and reconfigure', () => {
    const pages = pagesFor('install', filled());
    expect(pages.indexOf('signin')).toBe(pages.indexOf('mail') + 1);
  });

  it('Active Directory answers load; the test user and password are not part of them', () => {
    const d = filled();
    d.signIn = {
      kind: 'activeDirectory',
      ldapUrl: 'ldaps://dc1.hospital.local:636',
      searchDn: 'DC=hospital,DC=local',
      nt4Domain: 'HOSPITAL',
      caFile: 'C:\\certs\\ca.pem',
      membershipRequired: 'QATrack Users, Physics',
      testUser: 'jsmith',
      testPassword: 'Test-Pass-123',
    };
    const answers = draftToAnswers(d);
    expect(answers.signIn).toEqual({
      kind: 'activeDirectory',
      ldapUrl: 'ldaps://dc1.hospital.local:636',
      searchDn: 'DC=hospital,DC=local',
      nt4Domain: 'HOSPITAL',
      caFile: 'C:\\certs\\ca.pem',
      membershipRequired: ['QATrack Users', 'Physics'],
    });
    expect(JSON.stringify(answers)).not.toContain('Test-Pass-123');
    expect(loadAnswers(answers).ok).toBe(true);
  });

  it("shows the schema's message next to the URL field", () => {
    const d = filled();
    d.signIn = {
      ...d.signIn,
      kind: 'activeDirectory',
      ldapUrl: 'http://dc1',
      searchDn: 'DC=x',
      nt4Domain: 'X',
    };
    expect(pageIssues(d, {}, 'signin', 'install').get('signIn.ldapUrl')).toMatch(/ldap:\/\/ or ldaps:\/\//);
  });

  it('Windows integrated or ADFS from an answers file is kept as it is', () => {
    const signIn = {
      kind: 'adfs',
      server: 'adfs.hospital.local',
      clientId: 'qatrackplus',
      relyingPartyId: 'https://qatrack.hospital.local',
      audience: 'https://qatrack.hospital.local',
    };
    const { draft, kept } = answersToDraft({ signIn });
    expect(draft.signIn.kind).toBe('kept');
    expect(draftToAnswers(draft, kept).signIn).toEqual(signIn);
  });
});
