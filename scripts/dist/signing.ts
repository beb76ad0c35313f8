/**
 * Authenticode signing for the Windows build, on Linux with Debian's osslsigncode: SHA-256 digest and
 * an RFC 3161 timestamp, so the signature stays valid after the certificate expires. Configured by
 * environment (CI secrets), never by command-line flags:
 *   QATRACK_SIGN_PFX            path to a .pfx/.p12 with the code-signing key and certificate chain
 *   QATRACK_SIGN_PASSWORD_FILE  file holding the .pfx password (read by osslsigncode, never on argv)
 *   QATRACK_SIGN_TIMESTAMP_URL  RFC 3161 server (default DigiCert's); "none" only for offline tests
 * Without QATRACK_SIGN_PFX the build goes on and says loudly that the result is unsigned.
 */
import { rename, rm, stat } from 'node:fs/promises';
import { execa } from 'execa';
import { z } from 'zod';

export const DEFAULT_TIMESTAMP_URL = 'http://timestamp.digicert.com';
export const UNSIGNED_WARNING =
  'WARNING: UNSIGNED BUILD. No code-signing certificate is configured (QATRACK_SIGN_PFX), so the ' +
  'installer, uninstaller and app are not Authenticode-signed: Windows SmartScreen will warn, and ' +
  'hospitals that allow only signed software will block it. Do not ship this build.';

const envSchema = z.object({
  QATRACK_SIGN_PFX: z.string().min(1).optional(),
  QATRACK_SIGN_PASSWORD_FILE: z.string().min(1).optional(),
  QATRACK_SIGN_TIMESTAMP_URL: z
    .union([z.literal('none'), z.url({ protocol: /^https?$/ })])
    .optional(),
});

export interface SigningConfig {
  pfx: string;
  passwordFile?: string;
  /** null: no timestamp (offline test builds only). */
  timestampUrl: string | null;
  /** Shown by Windows as the signed program's description, and its "more info" link. */
  description: string;
  url: string;
}

/** null when no certificate is configured. Throws with the variable's name when one is wrong. */
export async function signingConfigFromEnv(
  env: NodeJS.ProcessEnv,
  product: { description: string; url: string },
): Promise<SigningConfig | null> {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(
      `SIGN_CONFIG: ${String(issue.path[0])} is invalid: ${issue.message}. ` +
        'Use an http(s) RFC 3161 timestamp server URL, or "none" for offline test builds.',
    );
  }
  const e = parsed.data;
  if (!e.QATRACK_SIGN_PFX) return null;
  for (const [name, file] of [
    ['QATRACK_SIGN_PFX', e.QATRACK_SIGN_PFX],
    ['QATRACK_SIGN_PASSWORD_FILE', e.QATRACK_SIGN_PASSWORD_FILE],
  ] as const) {
    if (file !== undefined && !(await stat(file).then((s) => s.isFile(), () => false))) {
      throw new Error(`SIGN_CONFIG: ${name} points to ${file}, which is not a file.`);
    }
  }
  return {
    pfx: e.QATRACK_SIGN_PFX,
    ...(e.QATRACK_SIGN_PASSWORD_FILE ? { passwordFile: e.QATRACK_SIGN_PASSWORD_FILE } : {}),
    timestampUrl:
      e.QATRACK_SIGN_TIMESTAMP_URL === 'none' ? null : (e.QATRACK_SIGN_TIMESTAMP_URL ?? DEFAULT_TIMESTAMP_URL),
    description: product.description,
    url: product.url,
  };
}

/** osslsigncode arguments; the password is read from a file, so it never appears here. */
export function osslsigncodeArgs(config: SigningConfig, input: string, output: string): string[] {
  return [
    'sign',
    '-pkcs12',
    config.pfx,
    ...(config.passwordFile ? ['-readpass', config.passwordFile] : []),
    '-h',
    'sha256',
    '-n',
    config.description,
    '-i',
    config.url,
    ...(config.timestampUrl ? ['-ts', config.timestampUrl] : []),
    '-in',
    input,
    '-out',
    output,
  ];
}

/** Signs `file` in place. Returns false (after printing the warning) when signing is not configured. */
export async function signFile(
  file: string,
  config: SigningConfig | null,
  warn: (message: string) => void = (m) => console.warn(m),
): Promise<boolean> {
  if (config === null) {
    warn(`${UNSIGNED_WARNING} (file: ${file})`);
    return false;
  }
  const signed = `${file}.signed`;
  await rm(signed, { force: true });
  try {
    await execa('osslsigncode', osslsigncodeArgs(config, file, signed));
    await rename(signed, file);
  } catch (error) {
    await rm(signed, { force: true });
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`SIGN_FAILED: osslsigncode could not sign ${file}: ${detail}`, { cause: error });
  }
  return true;
}
