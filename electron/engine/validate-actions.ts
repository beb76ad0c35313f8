import { createHash } from 'node:crypto';
import { actionSchema, type Action, type ActionInput } from './actions/index.js';
import { InstallerError } from './errors.js';
import type { Redactor } from './redactor.js';

/**
 * Checks what a step planned: every action must match the schema and carry no secret value.
 * Either failure is a bug in the step, reported with the step id and the offending field.
 */
export function validateActions(stepId: string, planned: ActionInput[], redactor: Redactor): Action[] {
  if (!Array.isArray(planned))
    throw new InstallerError('STEP_BUG', `Step "${stepId}" returned a plan that is not a list of actions.`);
  return planned.map((input, i) => {
    const parsed = actionSchema.safeParse(input);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .map((issue) => `${issue.path.length ? issue.path.join('.') : '(action)'}: ${issue.message}`)
        .join('; ');
      throw new InstallerError(
        'STEP_BUG',
        `Step "${stepId}" planned an invalid action #${i + 1}: ${redactor.redact(problems)}.`,
        'This is a bug in the installer; please report it with the log file.',
      );
    }
    const json = JSON.stringify(parsed.data);
    if (redactor.redact(json) !== json)
      throw new InstallerError(
        'STEP_BUG',
        `Step "${stepId}" put a secret value into action #${i + 1} ("${redactor.redact(parsed.data.describe)}"); steps must use secret references.`,
        'This is a bug in the installer; please report it with the log file.',
      );
    return parsed.data;
  });
}

/** SHA-256 of the planned actions (secret references only, never values) for the journal. */
export const hashActions = (actions: readonly Action[]): string =>
  createHash('sha256').update(JSON.stringify(actions)).digest('hex');
