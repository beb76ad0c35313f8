import { readFile } from 'node:fs/promises';
import type { Answers } from '../engine/answers/index.js';
import type { DirectorySettings } from './sign-in-test.js';

type DirectorySignIn = Extract<Answers['signIn'], { kind: 'activeDirectory' | 'windowsIntegrated' }>;

export const isDirectorySignIn = (s: Answers['signIn']): s is DirectorySignIn =>
  s.kind === 'activeDirectory' || s.kind === 'windowsIntegrated';

/** What "Test sign-in" needs from the answers; the CA file is read from this machine (signIn.caFile). */
export async function directorySettingsFrom(s: DirectorySignIn): Promise<DirectorySettings> {
  let caPem: string | undefined;
  if (s.caFile) {
    try {
      caPem = await readFile(s.caFile, 'utf8');
    } catch (e) {
      throw new Error(
        `Cannot read the CA certificate file ${s.caFile} (signIn.caFile): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
        { cause: e },
      );
    }
  }
  return {
    ldapUrl: s.ldapUrl,
    searchDn: s.searchDn,
    nt4Domain: s.nt4Domain,
    accountNameAttribute: s.accountNameAttribute,
    membershipRequired: s.membershipRequired,
    caPem,
  };
}
