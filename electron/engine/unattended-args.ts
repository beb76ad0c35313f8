import { parseArgs } from 'node:util';
import { z } from 'zod';
import { RELEASE_ID } from './catalog-schema.js';
import { InputError } from './errors.js';

/**
 * The packaged app's unattended command line, as documented for IT automation:
 *   "QATrack+ Installer.exe" --unattended --answers C:\path\answers.json [--mode install|repair|uninstall]
 *                            [--keep-data | --remove-data] [--log-file C:\path\run.log]
 *   "QATrack+ Installer.exe" --unattended --mode upgrade --release 3.1.1.5 [--answers ...] [--log-file ...]
 * Chromium/Electron switches the OS or shortcuts add are ignored (strict: false), our own are checked.
 * Flag names match the CLI's (`--answers`, `--log-file`, `--keep-data`, `--remove-data`). Uninstall
 * and repair may omit --answers: the app then uses the answers this machine remembers
 * (%ProgramData%\QATrack+ Installer, the NSIS uninstaller knows no answers file); uninstall exits 0
 * if it never deployed anything, repair takes its passwords from QATRACK_SECRET_* variables.
 * Upgrade (the CLI's `upgrade --release`) may omit --answers too; --release names the target.
 */
export const unattendedModeSchema = z.enum(['install', 'repair', 'reconfigure', 'uninstall', 'upgrade']);
export type UnattendedMode = z.infer<typeof unattendedModeSchema>;
/** Modes that may run from the answers this machine remembers. */
const REMEMBERING_MODES: readonly UnattendedMode[] = ['uninstall', 'repair', 'upgrade'];

const unattendedArgsSchema = z
  .object({
    unattended: z.literal(true),
    mode: unattendedModeSchema.default('install'),
    answers: z.string().min(1, 'needs a file path').optional(),
    release: z.string().regex(RELEASE_ID, 'must be a release id such as 3.1.1.5 or 4.0.x').optional(),
    'log-file': z.string().min(1, 'needs a file path').optional(),
    'keep-data': z.boolean().optional(),
    'remove-data': z.boolean().optional(),
  })
  .refine((a) => !(a['keep-data'] && a['remove-data']), {
    message: 'use either --keep-data or --remove-data, not both',
    path: ['remove-data'],
  })
  .refine((a) => REMEMBERING_MODES.includes(a.mode) || a.answers !== undefined, {
    message: 'is required: pass --answers <file> (an answers file saved by the wizard or written by hand)',
    path: ['answers'],
  })
  .refine((a) => a.mode !== 'upgrade' || a.release !== undefined, {
    message: 'is required with --mode upgrade: the release to upgrade to, e.g. --release 3.1.1.5',
    path: ['release'],
  })
  .refine((a) => a.mode === 'upgrade' || a.release === undefined, {
    message: 'only applies to --mode upgrade (install takes the release from the answers file)',
    path: ['release'],
  });

export interface UnattendedArgs {
  mode: UnattendedMode;
  answersFile?: string;
  /** Upgrade only: the release to upgrade to. */
  release?: string;
  logFile?: string;
  /** Uninstall only: keep the database and data folder. Default true, as in the uninstaller. */
  keepData: boolean;
}

/** null when the command line does not ask for an unattended run (the wizard opens instead). */
export function parseUnattendedArgs(argv: readonly string[]): UnattendedArgs | null {
  const { values } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    options: {
      unattended: { type: 'boolean' },
      mode: { type: 'string' },
      answers: { type: 'string' },
      release: { type: 'string' },
      'log-file': { type: 'string' },
      'keep-data': { type: 'boolean' },
      'remove-data': { type: 'boolean' },
    },
  });
  if (values.unattended !== true) return null;
  const parsed = unattendedArgsSchema.safeParse(values);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: `--${i.path.join('.')}`, message: i.message }));
    throw new InputError(
      'UNATTENDED_ARGS',
      `Invalid command line: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}.`,
      issues,
      'Run with --unattended --answers <file> [--mode install|repair|reconfigure|uninstall] [--log-file <file>], ' +
        'or --unattended --mode upgrade --release <version> [--answers <file>].',
    );
  }
  const a = parsed.data;
  return {
    mode: a.mode,
    ...(a.answers !== undefined ? { answersFile: a.answers } : {}),
    ...(a.release !== undefined ? { release: a.release } : {}),
    ...(a['log-file'] !== undefined ? { logFile: a['log-file'] } : {}),
    keepData: a['remove-data'] !== true,
  };
}
