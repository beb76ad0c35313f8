import { z } from 'zod';

/**
 * Field types shared by the answers schema. Every refusal says what is allowed, because the same
 * messages appear next to wizard fields and in the CLI's exit-64 report.
 */

const MAX_PATH = 200;

/**
 * An absolute path, Windows (`D:\QATrack`) or POSIX (`/opt/qatrack`). ASCII letters, digits and
 * `. _ -` only: spaces, quotes and non-ASCII break too many of the tools QATrack+ relies on
 * (virtualenv launchers, WinSW arguments, IIS physical paths).
 */
export const absolutePath = z
  .string()
  // abort: the refinements below (and the answers' own) never run on an empty or over-long value.
  .min(1, { message: 'is required', abort: true })
  .max(MAX_PATH, { message: `must be at most ${MAX_PATH} characters`, abort: true })
  .refine((p) => /^(?:[A-Za-z]:\\|\/)/.test(p), {
    message: 'must be an absolute path such as D:\\QATrack or /opt/qatrack',
  })
  .refine((p) => /^[A-Za-z0-9._\-\\/:]+$/.test(p), {
    message:
      'may contain only ASCII letters, digits, ".", "_", "-" and path separators (no spaces, quotes or accents)',
  })
  .refine((p) => !/(^|[\\/])\.\.([\\/]|$)/.test(p), { message: 'must not contain ".." segments' })
  .refine((p) => !/^[A-Za-z]:/.test(p) || !/[:]/.test(p.slice(2)), {
    message: 'may contain ":" only after the drive letter',
  });

/** SQL Server identifier for databases and logins (also valid PostgreSQL identifiers unquoted). */
export const sqlIdentifier = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]*$/,
    'must start with a letter or "_" and contain only ASCII letters, digits and "_"',
  );

/** SQL Server instance name: up to 16 characters, starting with a letter (SQL Server's own rule). */
export const sqlInstanceName = z
  .string()
  .max(16, { message: 'must be at most 16 characters', abort: true })
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must start with a letter and contain only ASCII letters, digits and "_"')
  .refine((s) => !['DEFAULT', 'MSSQLSERVER_RESERVED'].includes(s.toUpperCase()), {
    message: 'must not be a reserved name (DEFAULT)',
  });

const hostLabel = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

/** A DNS host name (RFC 1123) or an IPv4 address. */
export const hostName = z
  .string()
  .min(1, 'must not be empty')
  .max(253, { message: 'must be at most 253 characters', abort: true })
  .refine((h) => h.split('.').every((l) => hostLabel.test(l)), {
    message:
      'must be a host name such as qatrack.hospital.local (letters, digits, "-" and dots) or an IPv4 address',
  });

export const port = z
  .number({ error: 'must be a whole number from 1 to 65535' })
  .int('must be a whole number from 1 to 65535')
  .min(1, 'must be from 1 to 65535')
  .max(65535, 'must be from 1 to 65535');

/**
 * A secret value: given inline, or as `{"env": "NAME"}` to read it from the environment at load time.
 * Any printable characters are allowed (quotes, %, ^, &, ! and spaces included): no secret is ever
 * passed through a shell or a command line.
 */
export const secretText = z
  .string()
  .min(8, 'must be at least 8 characters')
  .max(128, 'must be at most 128 characters')
  // eslint-disable-next-line no-control-regex
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), {
    message: 'must not contain control characters or line breaks',
  });

/** A secret as written in an answers file; the loader swaps it for a SecretRef. */
export type SecretField =
  { readonly secretField: 'inline'; value: string } | { readonly secretField: 'env'; name: string };

export const secretValue = z.union([
  secretText.transform((value): SecretField => ({ secretField: 'inline', value })),
  z
    .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name') })
    .strict()
    .transform((o): SecretField => ({ secretField: 'env', name: o.env })),
]);

export const email = z.email('must be an e-mail address such as physics@hospital.org');

/** Windows account name: DOMAIN\user, .\user, user@domain or NT SERVICE\name. */
export const accountName = z
  .string()
  .max(104, 'must be at most 104 characters')
  .regex(/^(?:[A-Za-z0-9 ._-]{1,64}\\)?[A-Za-z0-9._$-]{1,64}(?:@[A-Za-z0-9.-]+)?$/, {
    message: 'must be an account such as HOSPITAL\\svc-qatrack, .\\qatrack or svc-qatrack@hospital.local',
  });

/** Certificate thumbprint: 40 hexadecimal digits (SHA-1), spaces removed. */
export const thumbprint = z
  .string()
  .transform((s) => s.replace(/[\s\u200e]/g, '').toUpperCase())
  .pipe(z.string().regex(/^[0-9A-F]{40}$/, 'must be 40 hexadecimal digits (the certificate thumbprint)'));
