import { isSecretRef, type SecretEncoding, type SecretStore, type TemplatedText } from './secrets.js';
import { InstallerError } from './errors.js';

/** What the redactor prints instead of a secret, and what the sim host stores. */
export const MASK = '********';

/**
 * Encode a secret for the place it is spliced into. The redactor learns the same forms, so a value
 * written through any of these encodings is still recognised in logs.
 */
export function encodeSecret(value: string, encoding: SecretEncoding): string {
  switch (encoding) {
    case 'raw':
      return value;
    case 'json-str':
      return JSON.stringify(value).slice(1, -1);
    case 'python-str':
      // Safe inside '...' and "..." literals: backslash and both quotes escaped.
      return value.replace(/[\\'"]/g, '\\$&');
    case 'xml':
      return value
        .replace(/&/g, '&amp;')
        .replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/"/g, '&quot;')
        .replace(/'/g, '&apos;');
    case 'url':
      return encodeURIComponent(value);
  }
}

function secretValue(secrets: SecretStore, key: string): string {
  const value = secrets.get(key);
  if (value === undefined)
    throw new InstallerError(
      'SECRET_MISSING',
      `The secret ${key} is needed but was not given.`,
      `Give ${key} in the answers file, through --secrets-stdin or the matching QATRACK_SECRET_* variable.`,
    );
  return value;
}

/**
 * Concatenate templated text, resolving secret references. With `mask`, secrets become `********`
 * (what the sim host stores and what previews show).
 */
export function renderTemplatedText(text: TemplatedText, secrets: SecretStore, mask = false): string {
  return text
    .map((part) => {
      if (typeof part === 'string') return part;
      if (mask) return MASK;
      return encodeSecret(secretValue(secrets, part.$secret), part.encode ?? 'raw');
    })
    .join('');
}

/** Resolve an exec argument or environment value that may be a SecretRef. */
export function resolveValue(
  value: string | { $secret: string },
  secrets: SecretStore,
  mask = false,
): string {
  if (!isSecretRef(value)) return value;
  return mask ? MASK : secretValue(secrets, value.$secret);
}
