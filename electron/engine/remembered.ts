import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Action } from './actions/index.js';
import type { Answers } from './answers/index.js';
import { withEnvSecrets } from './answers/strip.js';
import { InputError } from './errors.js';
import type { Host } from './host.js';

/**
 * The answers of the last deployment, remembered by the MACHINE (the deployment is machine-wide:
 * services, IIS, SQL Server), so Add/Remove Programs' Modify and Repair, and the uninstaller that
 * runs `--unattended --mode=uninstall` with no answers file, find them whoever installed:
 *   %ProgramData%\QATrack+ Installer\last-answers.json
 * ACL'd to Administrators and SYSTEM (full control), nothing for Users. Never a secret in it: each
 * secret is an {"env": "QATRACK_SECRET_..."} reference, so the file is itself a valid answers file.
 * Older builds kept `last-answers.json` in one admin's userData (%APPDATA%\QATrack+ Installer); that
 * file is read when the machine has none yet and removed once the machine file is written.
 */
export const MACHINE_FOLDER = 'QATrack+ Installer';
export const REMEMBERED_FILE = 'last-answers.json';

/** Built-in principals by SID (names are localised): Administrators, LocalSystem. */
const ADMINISTRATORS = '*S-1-5-32-544';
const SYSTEM = '*S-1-5-18';

/** %ProgramData%\QATrack+ Installer (Windows); the same under $ProgramData elsewhere (tests). */
export function machineDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const base = env.ProgramData ?? env.PROGRAMDATA;
  if (platform === 'win32') return path.win32.join(base ?? 'C:\\ProgramData', MACHINE_FOLDER);
  return path.join(base ?? '/var/lib', MACHINE_FOLDER);
}

export interface RememberedAnswers {
  /** Answers without secrets (env references in their place). */
  answers: Record<string, unknown>;
  savedAt: string;
  /** Where they were read: the machine file, or a legacy per-user file still to migrate. */
  file: string;
  legacy: boolean;
}

/** Applies actions on the real Windows machine (the windows host, or the elevated helper). */
export type ActionApplier = (actions: Action[]) => Promise<void>;

export interface RememberedStoreOptions {
  /** The machine folder (machineDataDir()). */
  dir: string;
  /** userData\last-answers.json of an older build, migrated when found. */
  legacyFile?: string;
}

export const rememberedText = (answers: Answers | Record<string, unknown>) =>
  `${JSON.stringify(withEnvSecrets(answers), null, 2)}\n`;

/**
 * The actions that write the machine file on Windows: the file, then an ACL on its folder (so
 * anything later created there is protected too) and on the file itself, both with inheritance
 * removed so ProgramData's "Users: read" does not reach them.
 */
export function rememberActions(dir: string, answers: Answers | Record<string, unknown>): Action[] {
  const file = path.win32.join(dir, REMEMBERED_FILE);
  const grants = (inherit: boolean) => [
    { principal: ADMINISTRATORS, rights: 'F' as const, inherit },
    { principal: SYSTEM, rights: 'F' as const, inherit },
  ];
  return [
    {
      kind: 'writeFile',
      describe: `Remember the answers of this deployment (no secrets) in ${file}`,
      path: file,
      content: [rememberedText(answers)],
    },
    {
      kind: 'acl',
      describe: `Only Administrators and SYSTEM may open ${dir}`,
      path: dir,
      protect: true,
      grants: grants(true),
    },
    {
      kind: 'acl',
      describe: `Only Administrators and SYSTEM may open ${file}`,
      path: file,
      protect: true,
      grants: grants(false),
    },
  ];
}

export function forgetActions(dir: string): Action[] {
  return [
    {
      kind: 'remove',
      describe: `Forget the remembered answers (${dir})`,
      path: path.win32.join(dir, REMEMBERED_FILE),
      recursive: false,
    },
  ];
}

async function readAnswersFile(
  file: string,
): Promise<{ answers: Record<string, unknown>; savedAt: string } | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text.replace(/^\uFEFF/, '')) as Record<string, unknown>;
  } catch (e) {
    throw new InputError(
      'REMEMBERED_ANSWERS_INVALID',
      `The answers remembered in ${file} are not valid JSON (${(e as Error).message}).`,
      [{ path: '--answers', message: 'pass the answers file of the deployment' }],
      'Run again with --answers <file>; the next successful install or repair rewrites the remembered copy.',
    );
  }
  // Older builds wrapped them: {savedAt, answers}.
  if (body && typeof body.answers === 'object' && body.answers !== null && typeof body.savedAt === 'string')
    return { answers: body.answers as Record<string, unknown>, savedAt: body.savedAt };
  return { answers: body, savedAt: (await stat(file)).mtime.toISOString() };
}

export class RememberedStore {
  readonly dir: string;
  readonly file: string;
  readonly #legacy: string | undefined;

  constructor(o: RememberedStoreOptions) {
    this.dir = o.dir;
    this.file = path.join(o.dir, REMEMBERED_FILE);
    this.#legacy = o.legacyFile;
  }

  /** The machine's answers; else a legacy per-user file (to migrate); else null. */
  async read(): Promise<RememberedAnswers | null> {
    const machine = await readAnswersFile(this.file);
    if (machine) return { ...machine, file: this.file, legacy: false };
    if (!this.#legacy) return null;
    const old = await readAnswersFile(this.#legacy).catch(() => null);
    return old ? { ...old, file: this.#legacy, legacy: true } : null;
  }

  /**
   * Writes the machine file. On Windows through `apply` (the host that runs elevated: the windows
   * host, or the helper), so the ACL is set by icacls like every other ACL the installer sets;
   * elsewhere (the sim and posix test targets) as a private file. Then the legacy copy goes.
   */
  async write(answers: Answers | Record<string, unknown>, apply?: ActionApplier): Promise<void> {
    if (apply) await apply(rememberActions(this.dir, answers));
    else {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      await writeFile(this.file, rememberedText(answers), { mode: 0o600 });
    }
    if (this.#legacy) await rm(this.#legacy, { force: true });
  }

  async forget(apply?: ActionApplier): Promise<void> {
    if (apply) await apply(forgetActions(this.dir));
    else await rm(this.file, { force: true });
    if (this.#legacy) await rm(this.#legacy, { force: true });
  }
}

const noSecrets = { get: () => undefined, values: () => [] };

/**
 * How the remembered answers reach the machine for a given host: on the real Windows machine
 * (directly or through the elevated helper) as actions, so they run elevated with icacls; for the
 * sim and posix targets as a local private file (a sim's ProgramData is not a real folder).
 */
export function applierFor(host: Host): ActionApplier | undefined {
  if (host.kind !== 'windows') return undefined;
  return async (actions) => {
    for (const action of actions)
      await host.apply(action, {
        secrets: noSecrets,
        signal: new AbortController().signal,
        timeoutMs: 60_000,
        onOutput: () => undefined,
      });
  };
}
