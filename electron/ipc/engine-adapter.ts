import path from 'node:path';
import type { ReleaseCatalog } from '../engine/catalog-schema.js';
import { renderPlan, siteUrl } from '../cli/render-plan.js';
import type { PlanResult, RunReport } from '../engine/report.js';
import { computeLayout } from '../engine/layout.js';
import { orderSteps } from '../engine/order.js';
import { Redactor } from '../engine/redactor.js';
import { loadCatalog, resolveRelease } from '../engine/release.js';
import { platformFor, runSession, SessionError, type Command } from '../app/session.js';
import type { Step, StepContext } from '../engine/step.js';
import { validateActions } from '../engine/validate-actions.js';
import { profileForHost, stepsFor } from '../steps/index.js';
import { InstallerError } from '../engine/errors.js';
import type { HostSpec } from '../hosts/index.js';
import type { Plan } from './contract.js';
import { runBundle } from './bundle-run.js';
import { estimateSeconds, summarizePlan } from './plan-summary.js';
import { preflight } from './preflight.js';
import type { EnginePort, RunInput } from './service.js';

export interface EngineAdapterOptions {
  /** Decides the target's path style and where the journal lives (sim: beside the state file). */
  hostSpec: HostSpec;
  /** The wizard's log folder. */
  logDir: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  steps?: readonly Step<any>[];
  catalog?: ReleaseCatalog;
}

/** The wizard's view of the engine: the same runSession the CLI uses, with the host the service opened. */
export function createEngineAdapter(o: EngineAdapterOptions): EnginePort {
  const session = async <C extends Command>(
    command: C,
    input: Omit<RunInput, 'mode' | 'keepData'> & { keepData?: boolean },
    extra: { signal?: AbortSignal; onEvent?: RunEvents } = {},
  ) => {
    try {
      return await runSession({
        command,
        answers: input.answers,
        secrets: input.secrets,
        hostSpec: o.hostSpec,
        host: input.host,
        ...(o.steps ? { steps: o.steps } : {}),
        ...(o.catalog ? { catalog: o.catalog } : {}),
        logFile: path.join(o.logDir, `${command}-${Date.now()}.log`),
        ...(extra.signal ? { signal: extra.signal } : {}),
        ...(extra.onEvent ? { onEvent: extra.onEvent } : {}),
        uninstall: { keepData: input.keepData ?? true },
      });
    } catch (e) {
      // The engine already logged the details; the wizard shows its code and plain words.
      const cause = e instanceof SessionError ? e.cause : e;
      if (cause instanceof InstallerError) throw cause;
      throw new InstallerError(
        'ENGINE_FAILED',
        e instanceof Error ? e.message : String(e),
        'See the log folder for details.',
      );
    }
  };

  return {
    preflight,
    buildBundle: (req, signal, onEvent) => runBundle(req, signal, onEvent),
    async plan(input) {
      if (input.mode === 'uninstall') return toPlan('uninstall', await planUninstall(o, input));
      const { result } = await session('plan', input);
      return toPlan(input.mode, result as PlanResult);
    },
    async planText(input) {
      const r =
        input.mode === 'uninstall'
          ? await planUninstall(o, input)
          : ((await session('plan', input)).result as PlanResult);
      return renderPlan(r, input.answers, o.hostSpec);
    },
    async run(input) {
      const command: Command = input.mode === 'reconfigure' ? 'install' : input.mode;
      const { result } = await session(command, input, { signal: input.signal, onEvent: input.onEvent });
      const r = result as RunReport;
      return { ok: r.ok, exitCode: r.exitCode, message: r.message };
    },
    async verify(input) {
      const { result } = await session('verify', input);
      const r = result as RunReport;
      return { checks: r.checks, siteUrl: siteUrl(input.answers) };
    },
  };
}

/**
 * What an uninstall would do, for the review page: the engine's own order (reversed), each step's
 * probe and planUninstall, validated like the runner does. Changes nothing.
 */
async function planUninstall(o: EngineAdapterOptions, input: RunInput): Promise<PlanResult> {
  const catalog = o.catalog ?? loadCatalog(input.answers.release);
  const layout = computeLayout(input.answers, platformFor(o.hostSpec), catalog.python.version);
  const release = resolveRelease(input.answers, layout, catalog);
  const ctx: StepContext = {
    answers: input.answers,
    host: input.host,
    layout,
    release,
    secrets: input.secrets,
  };
  const redactor = new Redactor(input.secrets.values());
  const steps = orderSteps(o.steps ?? stepsFor(profileForHost(input.host.kind))).reverse();
  const result: PlanResult = { steps: [], skipped: [], changes: 0 };
  for (const step of steps) {
    if (!step.planUninstall || (step.appliesTo && !step.appliesTo(ctx))) {
      result.skipped.push({ id: step.id, title: step.title });
      continue;
    }
    const probed: unknown = await step.probe(ctx);
    const actions = validateActions(
      step.id,
      await step.planUninstall(ctx, probed, { keepData: input.keepData }),
      redactor,
    );
    // A stand-in secret (one uninstall does not ask for) must never reach an action.
    const used = (input.standIns ?? []).filter((p) => JSON.stringify(actions).includes(`"$secret":"${p}"`));
    if (used.length)
      throw new InstallerError(
        'UNINSTALL_NEEDS_SECRET',
        `Uninstall step "${step.title}" needs a password the wizard did not ask for.`,
        'Run uninstall from the command line with every password (docs/cli.md).',
      );
    result.steps.push({ id: step.id, title: step.title, actions });
    result.changes += actions.length;
  }
  return result;
}

type RunEvents = NonNullable<Parameters<typeof runSession>[0]['onEvent']>;

/** Plan in plain words, grouped by step: what changes, what is already right, what does not apply. */
export function toPlan(mode: Plan['mode'], r: PlanResult): Plan {
  return {
    mode,
    changes: r.changes,
    summary: summarizePlan(r),
    estimateSeconds: estimateSeconds(r),
    steps: [
      ...r.steps.map((s) => ({
        id: s.id,
        title: s.title,
        status: s.actions.length ? ('changes' as const) : ('ok' as const),
        actions: s.actions.map((a) => ({ kind: a.kind, describe: a.describe })),
      })),
      ...r.skipped.map((s) => ({ id: s.id, title: s.title, status: 'skipped' as const, actions: [] })),
    ],
  };
}
