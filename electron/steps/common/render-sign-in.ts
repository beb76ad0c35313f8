import type { Answers } from '../../engine/answers/index.js';
import type { Layout } from '../../engine/layout.js';
import type { SecretRef, TemplatedText } from '../../engine/secrets.js';
import { pyList, pyStr } from './python-literal.js';

/**
 * The sign-in part of local_settings.py, with QATrack+ 3.1.1.4's own setting names (upstream
 * qatrack/settings.py L370-437 and qatrack/accounts/backends.py at tag v3.1.1.4).
 */

type SignIn = Answers['signIn'];
type Directory = Extract<SignIn, { kind: 'activeDirectory' | 'windowsIntegrated' }>;

const BACKEND = 'qatrack.accounts.backends.';
/** Header IIS's rewrite rule fills from {LOGON_USER} (windowsIntegrated; see webConfig.ts). */
export const REMOTE_USER_HEADER = 'X-QATrack-Remote-User';
const REMOTE_USER_META = `HTTP_${REMOTE_USER_HEADER.toUpperCase().replace(/-/g, '_')}`;

/** Where the directory's CA certificate is copied on the target (AD_CERT_FILE points here). */
export const directoryCaPath = (l: Layout) => l.join(l.installDir, 'certs', 'directory-ca.pem');

export const directoryHost = (d: { ldapUrl: string; dnsName?: string }) =>
  d.dnsName ?? d.ldapUrl.replace(/^ldaps?:\/\//, '').replace(/[:/].*$/, '');

const pyBool = (b: boolean) => (b ? 'True' : 'False');
const pySecret = (ref: SecretRef): TemplatedText => [
  "'",
  { $secret: ref.$secret, encode: 'python-str' },
  "'",
];

export function backendsFor(s: SignIn): string[] {
  const own = `${BACKEND}QATrackAccountBackend`;
  switch (s.kind) {
    case 'local':
      return [own];
    case 'activeDirectory':
      return [own, `${BACKEND}ActiveDirectoryGroupMembershipSSLBackend`];
    case 'windowsIntegrated':
      // WindowsIntegrated first: its authenticate(request, username) takes no password, so Django
      // skips it for the login form and uses it only for the IIS-authenticated name (middleware below).
      return [
        own,
        `${BACKEND}WindowsIntegratedAuthenticationBackend`,
        `${BACKEND}ActiveDirectoryGroupMembershipSSLBackend`,
      ];
    case 'adfs':
      return [own, `${BACKEND}QATrackAdfsAuthCodeBackend`];
  }
}

function directoryBlock(d: Directory, l: Layout): TemplatedText {
  const attr = d.accountNameAttribute;
  return [
    `AD_DNS_NAME = ${pyStr(directoryHost(d))}\n`,
    `AD_LDAP_URL = ${pyStr(d.ldapUrl)}\n`,
    `AD_SEARCH_DN = ${pyStr(d.searchDn)}\n`,
    `AD_NT4_DOMAIN = ${pyStr(d.nt4Domain)}\n`,
    `AD_LU_ACCOUNT_NAME = ${pyStr(attr)}\n`,
    // settings.py builds AD_SEARCH_FIELDS from its own AD_LU_* before importing this file: rebuilt here.
    `AD_SEARCH_FIELDS = ${pyList(['mail', 'sn', 'givenName', attr, 'memberOf'])}\n`,
    `AD_MIRROR_GROUPS = ${pyBool(d.mirrorGroups)}\n`,
    `AD_CERT_FILE = ${pyStr(d.caFile ? directoryCaPath(l) : '')}\n`,
  ];
}

/**
 * Windows integrated: IIS authenticates; its rewrite rule forwards the name in a header the workers
 * (loopback only) trust. Django's stock RemoteUserMiddleware calls authenticate(remote_user=...),
 * which upstream's WindowsIntegratedAuthenticationBackend.authenticate(request, username) does not
 * accept, so this middleware calls it with `username`, the DOMAIN\ prefix stripped (LOGON_USER is
 * DOMAIN\user). Defined here so no file is added to QATrack+'s tree; Django imports it by path.
 */
function windowsMiddlewareBlock(): TemplatedText {
  return [
    `def _windows_user_middleware(get_response):\n`,
    `    from django.contrib import auth\n\n`,
    `    def middleware(request):\n`,
    `        name = request.META.get(${pyStr(REMOTE_USER_META)}, "").rsplit("\\\\", 1)[-1].strip()\n`,
    `        if name and not request.user.is_authenticated:\n`,
    `            user = auth.authenticate(request, username=name)\n`,
    `            if user is not None:\n`,
    `                auth.login(request, user)\n`,
    `        return get_response(request)\n\n`,
    `    return middleware\n\n\n`,
    // Right after AuthenticationMiddleware (it needs request.user), before QATrack+'s login-required one.
    `MIDDLEWARE = list(getattr(_settings, "MIDDLEWARE", []))\n`,
    `_auth = "django.contrib.auth.middleware.AuthenticationMiddleware"\n`,
    `MIDDLEWARE.insert(MIDDLEWARE.index(_auth) + 1 if _auth in MIDDLEWARE else len(MIDDLEWARE), __name__ + "._windows_user_middleware")\n`,
  ];
}

function adfsBlock(s: Extract<SignIn, { kind: 'adfs' }>): TemplatedText {
  const m = s.claimMapping;
  return [
    // django-auth-adfs 1.6.0 settings (upstream requirements/base.txt; its docs' settings_ref).
    `AUTH_ADFS = {\n`,
    `    "SERVER": ${pyStr(s.server)},\n`,
    `    "CLIENT_ID": ${pyStr(s.clientId)},\n`,
    ...(s.clientSecret ? [`    "CLIENT_SECRET": `, ...pySecret(s.clientSecret), `,\n`] : []),
    `    "RELYING_PARTY_ID": ${pyStr(s.relyingPartyId)},\n`,
    `    "AUDIENCE": ${pyStr(s.audience)},\n`,
    `    "CLAIM_MAPPING": {"first_name": ${pyStr(m.first_name)}, "last_name": ${pyStr(m.last_name)}, "email": ${pyStr(m.email)}},\n`,
    `    "USERNAME_CLAIM": ${pyStr(s.usernameClaim)},\n`,
    `    "GROUPS_CLAIM": ${s.groupsClaim ? pyStr(s.groupsClaim) : 'None'},\n`,
    `    "MIRROR_GROUPS": ${pyBool(s.mirrorGroups)},\n`,
    `}\n`,
  ];
}

/**
 * AUTHENTICATION_BACKENDS and the settings of the chosen backend. Expects `_settings` (QATrack+'s
 * settings module, see logBlock) to be defined above it.
 */
export function signInBlock(s: SignIn, l: Layout): TemplatedText {
  const lines: TemplatedText = [
    `AUTHENTICATION_BACKENDS = [\n`,
    ...backendsFor(s).map((b) => `    ${pyStr(b)},\n`),
    `]\n`,
  ];
  if (s.kind === 'activeDirectory' || s.kind === 'windowsIntegrated') lines.push(...directoryBlock(s, l));
  if (s.kind === 'windowsIntegrated')
    lines.push(
      `AD_LDAP_USER = ${pyStr(s.bindUser)}\n`,
      `AD_LDAP_PW = `,
      ...pySecret(s.bindPassword),
      `\n\n`,
      ...windowsMiddlewareBlock(),
    );
  if (s.kind === 'adfs') lines.push(...adfsBlock(s));
  lines.push('\n');
  return lines;
}
