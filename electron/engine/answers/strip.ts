import { SECRET_PATHS, secretEnvName } from './load.js';

/**
 * Answers without their secret values: for what is stored, shown or saved (wizard drafts, answers
 * files, the machine's remembered answers). Secrets never leave main-process memory this way.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parentOf(root: Obj, path: string): { parent: Obj; key: string } | undefined {
  const keys = path.split('.');
  let o: unknown = root;
  for (const k of keys.slice(0, -1)) {
    if (!isObj(o)) return undefined;
    o = o[k];
  }
  return isObj(o) ? { parent: o, key: keys[keys.length - 1]! } : undefined;
}

/** Optional secrets only belong where their section asks for one. */
export const wantsSecret = (path: string, parent: Obj) =>
  path === 'email.password'
    ? Boolean(parent.user)
    : path === 'serviceAccount.password'
      ? parent.kind === 'user'
      : path === 'signIn.bindPassword'
        ? parent.kind === 'windowsIntegrated'
        : path === 'signIn.clientSecret'
          ? parent.kind === 'adfs' && parent.clientType === 'confidential'
          : true;

/** A copy with every secret field removed (values, env references and SecretRefs alike). */
export function withoutSecrets<T>(answers: T): T {
  const copy = structuredClone(answers) as unknown;
  if (!isObj(copy)) return copy as T;
  for (const p of SECRET_PATHS) {
    const at = parentOf(copy, p);
    if (at) delete at.parent[at.key];
  }
  return copy as T;
}

/** For an answers file used unattended: each secret becomes {"env": "QATRACK_SECRET_..."}. */
export function withEnvSecrets(draft: Obj): Obj {
  const copy = withoutSecrets(draft);
  for (const p of SECRET_PATHS) {
    const at = parentOf(copy, p);
    if (at && wantsSecret(p, at.parent)) at.parent[at.key] = { env: secretEnvName(p) };
  }
  return copy;
}
