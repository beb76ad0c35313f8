import { Client, EqualityFilter, InvalidCredentialsError, StrongAuthRequiredError, type Entry } from 'ldapts';
import { readPeerCertificate } from './peer-certificate.js';

/**
 * "Test sign-in": binds and searches exactly as QATrack+ 3.1.1.4's ActiveDirectoryGroupMembershipSSLBackend
 * does (upstream qatrack/accounts/backends.py at tag v3.1.1.4): simple bind as `user@AD_NT4_DOMAIN`
 * with the user's own password, subtree search of AD_SEARCH_DN for `AD_LU_ACCOUNT_NAME=user` reading
 * mail, sn, givenName, the account name and memberOf, group names taken as every `CN=` value of each
 * memberOf DN, then at least one of the qualifying groups. Each failure is said in plain words with
 * what to do. The password is used for this one bind and appears in no result.
 */

export interface DirectorySettings {
  ldapUrl: string;
  searchDn: string;
  nt4Domain: string;
  accountNameAttribute: string;
  membershipRequired: readonly string[];
  /** PEM text of signIn.caFile (ldaps://); without it Node's built-in CA list decides. */
  caPem?: string;
}

export type SignInProblem =
  | 'SERVER_UNREACHABLE'
  | 'CERTIFICATE_NOT_TRUSTED'
  | 'CERTIFICATE_NAME_MISMATCH'
  | 'LDAPS_REQUIRED'
  | 'BAD_CREDENTIALS'
  | 'USER_NOT_FOUND'
  | 'NOT_IN_REQUIRED_GROUP'
  | 'DIRECTORY_ERROR';

export interface SignInUser {
  dn: string;
  email: string;
  firstName: string;
  lastName: string;
  /** As QATrack+ reads them out of memberOf (CN values). */
  groups: string[];
}

export type SignInResult =
  | { ok: true; detail: string; user: SignInUser }
  | { ok: false; problem: SignInProblem; detail: string; fix: string; user?: SignInUser };

const one = (e: Entry, attr: string): string => {
  const v = e[attr] ?? e[Object.keys(e).find((k) => k.toLowerCase() === attr.toLowerCase()) ?? ''];
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? '' : Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
};
const many = (e: Entry, attr: string): string[] => {
  const v = e[attr] ?? e[Object.keys(e).find((k) => k.toLowerCase() === attr.toLowerCase()) ?? ''];
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
};

/** upstream get_user_attrs: every "cn=" part of every memberOf value, its text after "=". */
export function groupsFromMemberOf(memberOf: readonly string[]): string[] {
  const out = new Set<string>();
  for (const dn of memberOf)
    for (const part of dn.split(',')) if (part.toLowerCase().includes('cn=')) out.add(part.split('=')[1]!);
  return [...out].sort();
}

const endpoint = (url: string) => {
  const u = new URL(url);
  const secure = u.protocol === 'ldaps:';
  return { secure, host: u.hostname, port: Number(u.port || (secure ? 636 : 389)) };
};

const TLS_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

async function explainConnectError(e: unknown, d: DirectorySettings): Promise<SignInResult> {
  const { host, port, secure } = endpoint(d.ldapUrl);
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (secure && TLS_UNTRUSTED.has(code)) {
    const peer = await readPeerCertificate(host, port);
    const by = peer ? `it was issued by "${peer.issuer}"` : 'its issuer could not be read';
    return {
      ok: false,
      problem: 'CERTIFICATE_NOT_TRUSTED',
      detail: `The directory server's certificate at ${d.ldapUrl} is not trusted: ${by}, and that CA is not in ${d.caPem ? 'the CA file (signIn.caFile)' : "this computer's trusted list (no CA file was given)"} (${code}).`,
      fix: `Set signIn.caFile to the PEM file of the CA "${peer?.issuer ?? 'that signed the domain controllers’ certificates'}" (your AD certificate authority's root certificate, exported Base-64).`,
    };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const peer = await readPeerCertificate(host, port);
    return {
      ok: false,
      problem: 'CERTIFICATE_NAME_MISMATCH',
      detail: `The directory server's certificate is not valid for "${host}"${peer?.names.length ? `: it names ${peer.names.join(', ')}` : ''}.`,
      fix: `Use the name on the certificate in signIn.ldapUrl${peer?.names[0] ? ` (ldaps://${peer.names[0]}:${port})` : ''}.`,
    };
  }
  if (
    [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'ECONNRESET',
    ].includes(code) ||
    /timeout|timed out/i.test(String((e as Error).message))
  )
    return {
      ok: false,
      problem: 'SERVER_UNREACHABLE',
      detail: `Could not reach the directory server at ${host} port ${port} (${code || (e as Error).message}).`,
      fix: `Check signIn.ldapUrl and that this server can reach ${host} on TCP ${port} (DNS, firewall${secure ? ', LDAPS enabled on the domain controller' : ''}).`,
    };
  return {
    ok: false,
    problem: 'DIRECTORY_ERROR',
    detail: `The directory server at ${d.ldapUrl} answered with an error: ${(e as Error).message}`,
    fix: 'Check signIn.ldapUrl; the domain controller’s event log may say more.',
  };
}

/** AD's "data 52e" style sub-codes in an invalid-credentials message (Microsoft: LDAP error 49 data codes). */
const AD_DATA: Record<string, string> = {
  '525': 'the user does not exist',
  '52e': 'the password is wrong',
  '530': 'signing in is not allowed at this time',
  '531': 'signing in is not allowed from this computer',
  '532': 'the password has expired',
  '533': 'the account is disabled',
  '701': 'the account has expired',
  '773': 'the user must change the password first',
  '775': 'the account is locked out',
};

export async function testSignIn(
  d: DirectorySettings,
  username: string,
  password: string,
  o: { timeoutMs?: number } = {},
): Promise<SignInResult> {
  if (!password)
    return {
      ok: false,
      problem: 'BAD_CREDENTIALS',
      detail: 'No password was given (QATrack+ refuses an empty password).',
      fix: 'Type the password of the user to test.',
    };
  const { host, secure } = endpoint(d.ldapUrl);
  const client = new Client({
    url: d.ldapUrl,
    connectTimeout: o.timeoutMs ?? 5000,
    timeout: o.timeoutMs ?? 10000,
    ...(secure
      ? {
          tlsOptions: {
            ...(d.caPem ? { ca: [d.caPem] } : {}),
            ...(/^\d+\.\d+\.\d+\.\d+$/.test(host) ? {} : { servername: host }),
          },
        }
      : {}),
  });
  const bindName = `${username}@${d.nt4Domain}`;
  try {
    try {
      await client.bind(bindName, password);
    } catch (e) {
      if (e instanceof InvalidCredentialsError) {
        const data = /data ([0-9a-f]{3})/i.exec(e.message)?.[1]?.toLowerCase();
        const why = data ? AD_DATA[data] : undefined;
        return {
          ok: false,
          problem: 'BAD_CREDENTIALS',
          detail: `The directory refused the user name or password for ${bindName}${why ? `: ${why}` : ''}.`,
          fix: `Check the password, and that "${d.nt4Domain}" (signIn.nt4Domain) is the domain users sign in with (QATrack+ binds as user@${d.nt4Domain}).`,
        };
      }
      if (e instanceof StrongAuthRequiredError)
        return {
          ok: false,
          problem: 'LDAPS_REQUIRED',
          detail: `The directory server does not accept a plain-text sign-in over ${d.ldapUrl} (it requires signing or TLS).`,
          fix: 'Use an ldaps:// URL (port 636) with the CA file of the domain controllers’ certificates.',
        };
      if (e instanceof Error && 'code' in e && typeof (e as { code: unknown }).code === 'number')
        return {
          ok: false,
          problem: 'DIRECTORY_ERROR',
          detail: `The directory server refused the sign-in for ${bindName}: ${e.message}`,
          fix: 'Check the account in Active Directory Users and Computers.',
        };
      return await explainConnectError(e, d);
    }
    const attr = d.accountNameAttribute;
    const { searchEntries } = await client.search(d.searchDn, {
      scope: 'sub',
      filter: new EqualityFilter({ attribute: attr, value: username }),
      attributes: ['mail', 'sn', 'givenName', attr, 'memberOf'],
    });
    const entry = searchEntries[0];
    if (!entry)
      return {
        ok: false,
        problem: 'USER_NOT_FOUND',
        detail: `The password is right, but no entry with ${attr}=${username} is under ${d.searchDn}: QATrack+ would refuse the sign-in.`,
        fix: `Set signIn.searchDn to a container that holds the user (for example the domain root), or check signIn.accountNameAttribute.`,
      };
    const user: SignInUser = {
      dn: entry.dn,
      email: one(entry, 'mail'),
      firstName: one(entry, 'givenName'),
      lastName: one(entry, 'sn'),
      groups: groupsFromMemberOf(many(entry, 'memberOf')),
    };
    const required = d.membershipRequired;
    if (required.length && !required.some((g) => user.groups.includes(g)))
      return {
        ok: false,
        problem: 'NOT_IN_REQUIRED_GROUP',
        detail: `${username} signed in, but is in none of the groups allowed to use QATrack+ (${required.join(', ')}); the user is in ${user.groups.join(', ') || 'no groups'}.`,
        fix: 'Add the user to one of those AD groups, or change signIn.membershipRequired.',
        user,
      };
    return {
      ok: true,
      detail: `${username} signed in as ${entry.dn}${user.email ? ` (${user.email})` : ''}; groups: ${user.groups.join(', ') || 'none'}.`,
      user,
    };
  } catch (e) {
    return await explainConnectError(e, d);
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
