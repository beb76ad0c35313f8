import type { Host } from './host.js';
import type { ReleaseSettings } from './catalog-schema.js';
import type { ActionInput } from './actions/index.js';
import type { Answers } from './answers/index.js';
import type { Layout } from './layout.js';
import type { SecretStore } from './secrets.js';

/** A release from the catalog with the local paths of its artifacts (bundle or explicit paths). */
/**
 * A bundle file the installer executes (as administrator): copied from the bundle into the
 * installer's protected staging folder, hashed there, and run only from there.
 */
export interface StagedArtifact {
  id: string;
  /** In the bundle (a USB drive or a share the user can write). */
  from: string;
  /** In the staging folder (Administrators and SYSTEM only). */
  to: string;
  /** From the bundle manifest verified before the run (or the catalog's published hash). */
  sha256?: string;
}

export interface ReleaseContext {
  id: string;
  /**
   * Absolute paths on the target of each artifact by catalog id (e.g. "python", "odbc", "winsw"):
   * the staged copies, never the bundle itself.
   */
  artifacts: Record<string, string>;
  /** What the staging step copies and checks before any of it runs. */
  staged: StagedArtifact[];
  wheelhouseDir?: string;
  sourceArchive?: string;
  /** A `uv` executable in the bundle, preferred over pip for the wheelhouse install. */
  uvExe?: string;
  /** Versions the catalog pins, e.g. { python: "3.9.13", odbc: "17.10.6.1" }. */
  versions: Record<string, string>;
  /** The catalog's settings block (local_settings.py differences); absent means 3.1's. */
  settings?: ReleaseSettings;
}

export interface StepContext {
  answers: Answers;
  host: Host;
  layout: Layout;
  release: ReleaseContext;
  /**
   * Secret values, for steps that must compare rendered content with what is on disk (e.g.
   * local_settings.py). Never put a value into an action: use a SecretRef.
   */
  secrets: SecretStore;
}

/** One line of a verify report. */
export interface Check {
  id: string;
  title: string;
  ok: boolean;
  /** What was seen, e.g. "HTTP 200 in 35 ms" or "service stopped". */
  detail: string;
  /** What to do when it failed. */
  fix?: string;
  /** Passed, but something a person should set up (e.g. error mail not configured). */
  warning?: boolean;
}

export interface UninstallOptions {
  /** Keep the database, media and backups (default). */
  keepData: boolean;
}

/**
 * One install concern with the same four verbs as PowerShell DSC's Get/Test/Set:
 * probe reads the machine, plan returns the difference as actions (empty: already right),
 * the runner applies them through the host, verify proves the result.
 */
export interface Step<P = unknown> {
  id: string;
  title: string;
  /** Ids of steps that must converge first. */
  dependsOn: readonly string[];
  /** False when the step does not apply to these answers (e.g. SQL Express with an existing server). */
  appliesTo?(ctx: StepContext): boolean;
  probe(ctx: StepContext): Promise<P>;
  plan(ctx: StepContext, probed: P): ActionInput[] | Promise<ActionInput[]>;
  verify?(ctx: StepContext): Promise<Check[]>;
  /** Actions that undo what this step did (run in reverse dependency order). */
  planUninstall?(
    ctx: StepContext,
    probed: P,
    options: UninstallOptions,
  ): ActionInput[] | Promise<ActionInput[]>;
  /** Uninstall: what this step leaves in place on purpose, one line each with where it is. */
  keptOnUninstall?(ctx: StepContext, probed: P, options: UninstallOptions): string[];
}

/** Helper so a step module gets its probe type inferred. */
export const defineStep = <P>(step: Step<P>): Step<P> => step;

/**
 * The same step waiting for more steps: a profile adds what its own steps provide (e.g. on Windows
 * the bundled Python must be installed before the common Python check runs).
 */
export const withDependsOn = <P>(step: Step<P>, more: readonly string[]): Step<P> =>
  more.length ? { ...step, dependsOn: [...new Set([...step.dependsOn, ...more])] } : step;
