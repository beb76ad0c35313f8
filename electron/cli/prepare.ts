import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { releaseCatalogSchema, type ReleaseCatalog } from '../engine/catalog-schema.js';
import { loadAnswers, SECRET_PATHS, type Answers } from '../engine/answers/index.js';
import { parentOf } from '../engine/answers/strip.js';
import { InputError } from '../engine/errors.js';
import { computeLayout } from '../engine/layout.js';
import { assertKnownRelease, loadCatalog } from '../engine/release.js';
import { readInstalledRelease } from '../engine/upgrade/installed-release.js';
import { resources } from '../engine/resources.js';
import type { MapSecretStore } from '../engine/secrets.js';
import type { Step } from '../engine/step.js';
import { parseHostSpec, type HostSpec } from '../hosts/index.js';

/** The installed-release record the Windows upgrade's record phase wrote on the target. */
async function readTargetRecord(hostSpec: HostSpec, answers: Answers, secrets: MapSecretStore) {
  const { createHost } = await import('../hosts/index.js');
  const { readWindowsInstalled } = await import('../app/upgrade/windows-preflight.js');
  const host = await createHost(hostSpec, { readOnly: true, secrets });
  try {
    return await readWindowsInstalled(host, computeLayout(answers, 'win32'), answers.release);
  } finally {
    await host.close();
  }
}

/** Options every run command takes (plan, install, repair, verify, uninstall). */
export interface RunOptions {
  answers: string;
  host?: string;
  json?: boolean;
  logFile?: string;
  yes?: boolean;
  secretsStdin?: boolean;
  /** Hidden, for tests and development: a module exporting `steps` replaces the profile. */
  stepsModule?: string;
  /** Hidden: read the release catalog from this folder. */
  catalogDir?: string;
  /** plan/install: the QATrack+ release from the catalog (else the answers' `release`, else 3.1.1.4). */
  release?: string;
  /** Hidden: limit for actions without their own timeout. */
  actionTimeoutMs?: string;
  /** install/repair/uninstall: the approved saved plan. */
  plan?: string;
  /** install/repair/uninstall: steps applied at once (`--jobs`). */
  jobs?: string;
  /**
   * Unattended uninstall from the machine's remembered answers (which hold env references, never
   * secrets): a secret the environment does not provide gets a random throwaway value, so the
   * answers load. Uninstall uses no password it was not given; install and repair never set this.
   */
  placeholderSecrets?: boolean;
}

export interface PreparedRun {
  answers: Answers;
  secrets: MapSecretStore;
  hostSpec: HostSpec;
  catalog: ReleaseCatalog;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  steps?: Step<any>[];
  actionTimeoutMs?: number;
  /** Steps applied at once; undefined: the runner's default. */
  jobs?: number;
  /** posix: the running release's code folder from installed-release.json (default install folder). */
  releaseRoot?: string;
}

/** `--jobs`: a whole number of steps in flight; 16 is more than the widest graph needs. */
const jobsSchema = z.coerce
  .number({ error: 'must be a whole number from 1 to 16' })
  .int({ error: 'must be a whole number from 1 to 16' })
  .min(1, { error: 'must be a whole number from 1 to 16' })
  .max(16, { error: 'must be a whole number from 1 to 16' });

const secretsInputSchema = z.partialRecord(
  z.enum(SECRET_PATHS, { error: `must be one of ${SECRET_PATHS.join(', ')}` }),
  z.string({ error: 'must be a text value' }),
);

/** `--secrets-stdin`: a JSON object by answers path. Values are never echoed in errors. */
export async function readSecretsFromStdin(
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new InputError(
      'SECRETS_INVALID',
      'The secrets on stdin are not a JSON object.',
      [],
      'Pipe a JSON object such as {"database.login.password": "..."}.',
    );
  }
  const parsed = secretsInputSchema.safeParse(raw);
  if (!parsed.success)
    throw new InputError(
      'SECRETS_INVALID',
      'The secrets on stdin are not valid.',
      parsed.error.issues.flatMap((i) =>
        i.code === 'unrecognized_keys'
          ? i.keys.map((k) => ({
              path: `stdin.${k}`,
              message: `unknown secret; allowed: ${SECRET_PATHS.join(', ')}`,
            }))
          : [{ path: i.path.length ? `stdin.${i.path.join('.')}` : 'stdin', message: i.message }],
      ),
    );
  return parsed.data;
}

function readAnswersFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(
      'ANSWERS_UNREADABLE',
      `Cannot read the answers file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
      [{ path: '--answers', message: 'must be a readable file' }],
      'Check the path and the permissions of the file.',
    );
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new InputError(
      'ANSWERS_NOT_JSON',
      `The answers file ${file} is not valid JSON: ${(e as Error).message}.`,
      [{ path: '--answers', message: 'must contain a JSON object' }],
      `Fix the JSON (an editor with JSON validation helps), or start from ${path.join(resources().examplesDir, 'answers.json')}.`,
    );
  }
}

export function loadCatalogFrom(dir: string | undefined, release: string, field = 'release'): ReleaseCatalog {
  if (!dir) return loadCatalog(release, undefined, field);
  assertKnownRelease(release, field, dir);
  const file = path.join(dir, `${release}.json`);
  try {
    return releaseCatalogSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (e) {
    throw new InputError('CATALOG_INVALID', `Cannot load the catalog ${file}: ${(e as Error).message}`, [
      { path: field, message: `the catalog entry for ${release} is not valid` },
    ]);
  }
}

/**
 * `--release` picks the release for an answers file that names none; one that names another
 * release is a contradiction the person must settle (exit 64), not something to guess.
 */
function applyReleaseOption(raw: unknown, o: RunOptions): void {
  if (o.release === undefined) return;
  assertKnownRelease(o.release, '--release', o.catalogDir ?? resources().releasesDir);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return;
  const answers = raw as { release?: unknown };
  if (answers.release !== undefined && answers.release !== o.release)
    throw new InputError(
      'RELEASE_CONFLICT',
      `--release ${o.release} contradicts the answers file, which says release ${JSON.stringify(answers.release)}.`,
      [
        {
          path: '--release',
          message: `must match the answers' release (${JSON.stringify(answers.release)}) or be left out`,
        },
      ],
      'Remove "release" from the answers file, or run with --release matching it.',
    );
  answers.release = o.release;
}

/**
 * Everything that can be wrong with the input is found here, before a host is created: invalid
 * answers list every problem (exit 64) and nothing on the machine changes.
 */
export async function prepareRun(o: RunOptions, env: NodeJS.ProcessEnv = process.env): Promise<PreparedRun> {
  const hostSpec = parseHostSpec(o.host);
  const raw = readAnswersFile(o.answers);
  applyReleaseOption(raw, o);
  const provided = o.secretsStdin ? await readSecretsFromStdin() : undefined;
  if (o.placeholderSecrets && raw && typeof raw === 'object') {
    env = { ...env };
    for (const p of SECRET_PATHS) {
      const at = parentOf(raw as Record<string, unknown>, p);
      const ref = at?.parent[at.key] as { env?: unknown } | undefined;
      if (ref && typeof ref.env === 'string')
        env[ref.env] ??= `unused-${randomBytes(18).toString('base64url')}`;
    }
  }
  const loaded = loadAnswers(raw, { env, provided });
  if (!loaded.ok)
    throw new InputError(
      'ANSWERS_INVALID',
      `The answers file ${o.answers} has ${loaded.issues.length} problem${loaded.issues.length === 1 ? '' : 's'}; nothing was changed.`,
      loaded.issues,
      'Fix each field listed above (run "qatrack-installer schema" for the full schema) and run the command again.',
    );
  // After an upgrade the machine's record names the running release and its folder: plans are for it.
  let answers = loaded.answers;
  let releaseRoot: string | undefined;
  // Windows and sim: the record is on the target (sim: in its state), read through a host query.
  // The real Windows host exists only on Windows; elsewhere the session says so.
  const onTarget = hostSpec.kind === 'sim' || (hostSpec.kind === 'windows' && process.platform === 'win32');
  if (hostSpec.kind === 'posix' || onTarget) {
    const installed =
      hostSpec.kind === 'posix'
        ? await readInstalledRelease(computeLayout(answers, 'posix').stateDir, answers.release)
        : await readTargetRecord(hostSpec, answers, loaded.secrets);
    if (installed.source === 'record') {
      answers = { ...answers, release: installed.release };
      // After a 3.x -> 4.0 upgrade the release runs on the new database the upgrade restored into.
      if (installed.databaseName)
        answers = { ...answers, database: { ...answers.database, name: installed.databaseName } };
      releaseRoot = installed.releaseDir;
    }
  }
  const catalog = loadCatalogFrom(
    o.catalogDir,
    answers.release,
    o.release !== undefined ? '--release' : 'release',
  );
  let steps: PreparedRun['steps'];
  if (o.stepsModule) {
    const mod = (await import(pathToFileURL(path.resolve(o.stepsModule)).href)) as { steps?: unknown };
    if (!Array.isArray(mod.steps))
      throw new InputError(
        'STEPS_MODULE_INVALID',
        `${o.stepsModule} does not export "steps" (an array of steps).`,
      );
    steps = mod.steps as PreparedRun['steps'];
  }
  const actionTimeoutMs = o.actionTimeoutMs ? Number(o.actionTimeoutMs) : undefined;
  if (actionTimeoutMs !== undefined && !(actionTimeoutMs > 0))
    throw new InputError('OPTION_INVALID', '--action-timeout-ms must be a positive number.', [
      { path: '--action-timeout-ms', message: 'must be a positive number' },
    ]);
  let jobs: number | undefined;
  if (o.jobs !== undefined) {
    const parsed = jobsSchema.safeParse(o.jobs);
    if (!parsed.success)
      throw new InputError('OPTION_INVALID', `--jobs ${o.jobs}: must be a whole number from 1 to 16.`, [
        { path: '--jobs', message: parsed.error.issues[0]?.message ?? 'must be a whole number from 1 to 16' },
      ]);
    jobs = parsed.data;
  }
  return {
    answers,
    secrets: loaded.secrets,
    hostSpec,
    catalog,
    steps,
    actionTimeoutMs,
    jobs,
    releaseRoot,
  };
}
