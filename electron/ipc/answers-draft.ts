import { loadAnswers, SECRET_PATHS, type Answers, type AnswerIssue } from '../engine/answers/index.js';
import { parentOf, wantsSecret, withEnvSecrets, withoutSecrets } from '../engine/answers/strip.js';
import { InputError } from '../engine/errors.js';
import type { MapSecretStore } from '../engine/secrets.js';

/**
 * The wizard sends answers without secrets plus the secrets separately (so that everything else can
 * be stored, shown and saved). These helpers put them together or take them apart again.
 */

type Obj = Record<string, unknown>;

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

export { withEnvSecrets, withoutSecrets };
