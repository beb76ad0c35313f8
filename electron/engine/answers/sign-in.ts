import { z } from 'zod';
import { absolutePath, hostName, secretValue } from './fields.js';

/**
 * How people sign in to QATrack+ 3.1.1.4 (upstream qatrack/accounts/backends.py and settings.py at
 * tag v3.1.1.4): local Django accounts; Active Directory (ActiveDirectoryGroupMembershipSSLBackend,
 * python-ldap: binds as `user@AD_NT4_DOMAIN`, searches AD_SEARCH_DN for AD_LU_ACCOUNT_NAME=user);
 * Windows integrated (IIS authenticates, WindowsIntegratedAuthenticationBackend looks the user up with
 * the AD_LDAP_USER/AD_LDAP_PW service bind); ADFS (QATrackAdfsAuthCodeBackend over django-auth-adfs
 * 1.6.0 with AUTH_ADFS, callback /accounts/oauth2/callback).
 */

/** ldap://dc1.hospital.local[:389] or ldaps://dc1.hospital.local[:636]: what python-ldap initialize takes. */
export const ldapUrl = z
  .string()
  .max(300, { message: 'must be at most 300 characters', abort: true })
  .regex(/^ldaps?:\/\/[A-Za-z0-9.-]+(?::\d{1,5})?\/?$/, {
    message: 'must be an ldap:// or ldaps:// URL such as ldaps://dc1.hospital.local:636 (no path or query)',
  })
  .refine(
    (u) => {
      const port = /:(\d+)\/?$/.exec(u.replace(/^ldaps?:\/\//, ''))?.[1];
      return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
    },
    { message: 'has a port that is not from 1 to 65535' },
  );

/** A distinguished name such as OU=Staff,DC=hospital,DC=local (no quotes, escapes or "+" RDNs). */
export const distinguishedName = z
  .string()
  .max(500, { message: 'must be at most 500 characters', abort: true })
  .regex(/^[A-Za-z][A-Za-z0-9-]*=[^,=+"\\<>;\r\n]+(?:,\s*[A-Za-z][A-Za-z0-9-]*=[^,=+"\\<>;\r\n]+)*$/, {
    message: 'must be a distinguished name such as DC=hospital,DC=local or OU=Staff,DC=hospital,DC=local',
  });

/** What QATrack+ puts after the "@" when it binds (AD_NT4_DOMAIN): HOSPITAL or hospital.local. */
const bindDomain = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, {
  message: 'must be a domain such as HOSPITAL or hospital.local (letters, digits, "." and "-")',
});

/** An AD group's common name (the CN QATrack+ reads out of memberOf) or a QATrack+ group name. */
const groupName = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[^,=+"\\<>;#\r\n]+$/, 'must not contain , = + " \\ < > ; # or line breaks');

/** sAMAccountName, the Windows logon name: at most 20 characters, none of " / \ [ ] : ; | = , + * ? < > @. */
const samAccountName = z
  .string()
  .min(1, 'must not be empty')
  .max(20, 'must be at most 20 characters (sAMAccountName)')
  .regex(/^[^"/\\[\]:;|=,+*?<>@\s]+$/, 'must be a logon name such as svc-qatrack (no spaces, @ or \\)');

const directoryFields = {
  ldapUrl,
  /** AD_DNS_NAME; the host of ldapUrl when left out. */
  dnsName: hostName.optional(),
  searchDn: distinguishedName,
  nt4Domain: bindDomain,
  /** PEM file of the CA that signed the domain controllers' certificates (ldaps:// only). */
  caFile: absolutePath.optional(),
  /** AD_MIRROR_GROUPS: create a QATrack+ group for each AD group a user signs in with. */
  mirrorGroups: z.boolean().default(false),
  /** AD groups of which a user must be in at least one (QATrack+'s "account qualifying" groups). */
  membershipRequired: z.array(groupName).max(50, 'must list at most 50 groups').default([]),
  /** QATrack+ groups every user who signs in is added to. */
  defaultGroups: z.array(groupName).max(50, 'must list at most 50 groups').default([]),
  /** AD_LU_ACCOUNT_NAME: the attribute holding what users type as their user name. */
  accountNameAttribute: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,63}$/, 'must be an LDAP attribute name such as sAMAccountName')
    .default('sAMAccountName'),
};

const caOnlyWithLdaps = (d: { ldapUrl: string; caFile?: string }, ctx: z.RefinementCtx) => {
  if (d.caFile && !d.ldapUrl.startsWith('ldaps://'))
    ctx.addIssue({
      code: 'custom',
      path: ['caFile'],
      message: 'is used only with an ldaps:// URL: change ldapUrl to ldaps://... or leave caFile out',
    });
};

const claimName = z
  .string()
  .regex(/^[A-Za-z0-9_:/.-]{1,200}$/, 'must be a claim name such as winaccountname or given_name');

export const signInSchema = z.discriminatedUnion('kind', [
  /** QATrack+'s own user accounts (QATrackAccountBackend), the default. */
  z.object({ kind: z.literal('local') }).strict(),
  z
    .object({ kind: z.literal('activeDirectory'), ...directoryFields })
    .strict()
    .superRefine(caOnlyWithLdaps),
  z
    .object({
      kind: z.literal('windowsIntegrated'),
      ...directoryFields,
      /** AD_LDAP_USER: the service account QATrack+ binds as to read a new user's name and mail. */
      bindUser: samAccountName,
      /** AD_LDAP_PW. */
      bindPassword: secretValue,
    })
    .strict()
    .superRefine(caOnlyWithLdaps),
  z
    .object({
      kind: z.literal('adfs'),
      /** AUTH_ADFS SERVER: the ADFS host name. */
      server: hostName,
      clientId: z
        .string()
        .regex(
          /^[A-Za-z0-9._:/{}-]{1,200}$/,
          'must be the client identifier the ADFS application group shows',
        ),
      relyingPartyId: z.string().url('must be a URL such as https://qatrack.hospital.local'),
      audience: z.string().min(1, 'must not be empty').max(300).regex(/^\S+$/, 'must not contain spaces'),
      claimMapping: z
        .object({ first_name: claimName, last_name: claimName, email: claimName })
        .strict()
        .default({ first_name: 'given_name', last_name: 'family_name', email: 'email' }),
      usernameClaim: claimName.default('winaccountname'),
      /** Empty: groups are not read from the token. */
      groupsClaim: z.union([claimName, z.literal('')]).default('group'),
      mirrorGroups: z.boolean().default(false),
      /** public: a native application in ADFS (no secret); confidential: a server application. */
      clientType: z.enum(['public', 'confidential']).default('public'),
      clientSecret: secretValue.optional(),
    })
    .strict()
    .superRefine((f, ctx) => {
      if (f.clientType === 'confidential' && !f.clientSecret)
        ctx.addIssue({
          code: 'custom',
          path: ['clientSecret'],
          message: 'is required for a confidential (server application) ADFS client',
        });
      if (f.clientType === 'public' && f.clientSecret)
        ctx.addIssue({
          code: 'custom',
          path: ['clientSecret'],
          message: 'is only used with clientType "confidential"',
        });
    }),
]);

export type SignInInput = z.input<typeof signInSchema>;

/** The AD kinds, which need python-ldap in the venv. */
export const usesDirectory = (kind: string) => kind === 'activeDirectory' || kind === 'windowsIntegrated';
