import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { InputError, InstallerError } from '../../engine/errors.js';
import { describeOwner, tryLock } from '../../engine/lock.js';
import type { Redactor } from '../../engine/redactor.js';
import { simStateSchema, type SimState } from './state.js';

/**
 * A missing file is a fresh Windows Server on a hospital network: nothing installed, and the
 * existing SQL Server named in the answers reachable with the installing admin's Windows login
 * (so `plan` on a new state shows the whole install). Tests seed other machines explicitly.
 */
export const freshSimState = (): SimState => simStateSchema.parse({ windows: { sql: { available: true } } });

/** Reads and validates a sim state file; a missing file is a fresh machine. */
export function loadSimState(file: string): SimState {
  if (!existsSync(file)) return freshSimState();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(
      'SIM_STATE_INVALID',
      `The sim state file ${file} is not valid JSON: ${(e as Error).message}.`,
      [],
      'Fix or delete the file.',
    );
  }
  const parsed = simStateSchema.safeParse(raw);
  if (!parsed.success)
    throw new InputError(
      'SIM_STATE_INVALID',
      `The sim state file ${file} does not match the sim state schema.`,
      parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(state)', message: i.message })),
      'Fix or delete the file.',
    );
  return parsed.data;
}

/** Atomic write (temp file + rename): a killed run leaves the old or the new state, never half. */
export async function saveSimState(file: string, state: SimState, redactor: Redactor): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  // Belt and braces: handlers store masked text, but no secret may reach the file whatever they do.
  await writeFileAtomic(file, redactor.redact(JSON.stringify(state, null, 1)) + '\n');
}

/** One writer per state file; a refusal names the holder. */
export async function lockSimState(file: string, owner = 'sim host'): Promise<() => Promise<void>> {
  const lock = await tryLock(file, owner);
  if (lock.ok) return lock.release;
  throw new InstallerError(
    'SIM_STATE_LOCKED',
    `The sim state ${file} is in use by another installer run (${describeOwner(lock.owner)}).`,
    'Wait for the other run to finish, then run the command again.',
  );
}

export const simStateJsonSchema = () => z.toJSONSchema(simStateSchema, { io: 'input' });
