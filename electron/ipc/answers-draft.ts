import {
  loadAnswers,
  SECRET_PATHS,
  secretEnvName,
  type Answers,
  type AnswerIssue,
} from '../engine/answers/index.js';
import { InputError } from '../engine/errors.js';
import type { MapSecretStore } from '../engine/secrets.js';

/**
 * The wizard sends answers without secrets plus the secrets separately (so that everything else can
 * be stored, shown and saved). These helpers put them together or take them apart again.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function parentOf(root: Obj, path: string): { parent: Obj; key: string } | undefined {
  const keys = path.split('.');
  let o: unknown = root;
  for (const k of keys.slice(0, -1)) {
    if (!isObj(o)) return undefined;
    o = o[k];
  }
  return isObj(o) ? { parent: o, key: keys[keys.length - 1]! } : undefined;
}

/** Draft + secrets -> validated answers and secret store, or an InputError naming each field. */
export function answersFromDraft(
  draft: Obj,
  secrets: Record<string, string>,
): { answers: Answers; secrets: MapSecretStore } {
  const raw = withoutSecrets(draft);
  const provided: Record<string, string> = {};
  for (const p of SECRET_PATHS) if (secrets[p]) provided[p] = secrets[p];
  const r = loadAnswers(raw, { provided });
  if (!r.ok) {
    throw new InputError(
      'ANSWERS_INVALID',
      'Some answers are not valid.',
      r.issues,
      'Correct the fields shown.',
    );
  }
  return { answers: r.answers, secrets: r.secrets };
}

const PLACEHOLDER = 'placeholder-secret-8';

/** Optional secrets only belong where their section asks for one. */
const wantsSecret = (path: string, parent: Obj) =>
  path === 'email.password'
    ? Boolean(parent.user)
    : path === 'serviceAccount.password'
      ? parent.kind === 'user'
      : true;

/** Validates everything but the secrets (which the renderer checks itself and never sends here). */
export function validateDraft(draft: Obj): { valid: boolean; issues: AnswerIssue[] } {
  const raw = withoutSecrets(draft);
  for (const p of SECRET_PATHS) {
    const at = parentOf(raw, p);
    if (at && wantsSecret(p, at.parent)) at.parent[at.key] = PLACEHOLDER;
  }
  const r = loadAnswers(raw);
  const issues = r.ok ? [] : r.issues.filter((i) => !(SECRET_PATHS as readonly string[]).includes(i.path));
  return { valid: issues.length === 0, issues };
}

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
