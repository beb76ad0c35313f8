import { readFile } from 'node:fs/promises';
import { testSignIn } from '../directory/sign-in-test.js';
import type { RequestOf, ValueOf } from './contract.js';

/**
 * "Test sign-in" on the wizard's sign-in page, like the database page's test (db-test.ts): the same
 * bind and search the CLI's `verify --sign-in` does, from the computer the wizard runs on (the server).
 * The password is used for this one bind and is in no answer.
 */
export async function testSignInFromWizard(req: RequestOf<'testSignIn'>): Promise<ValueOf<'testSignIn'>> {
  let caPem: string | undefined;
  if (req.caFile) {
    try {
      caPem = await readFile(req.caFile, 'utf8');
    } catch (e) {
      return {
        ok: false,
        problem: 'CA_FILE_UNREADABLE',
        detail: `Cannot read the CA certificate file ${req.caFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
        fix: 'Choose the PEM file of the CA that signed the domain controllers’ certificates.',
      };
    }
  }
  const r = await testSignIn(
    {
      ldapUrl: req.ldapUrl,
      searchDn: req.searchDn,
      nt4Domain: req.nt4Domain,
      accountNameAttribute: req.accountNameAttribute ?? 'sAMAccountName',
      membershipRequired: req.membershipRequired ?? [],
      caPem,
    },
    req.username,
    req.password,
  );
  return r.ok
    ? { ok: true, detail: r.detail, groups: r.user.groups }
    : {
        ok: false,
        problem: r.problem,
        detail: r.detail,
        fix: r.fix,
        ...(r.user ? { groups: r.user.groups } : {}),
      };
}
