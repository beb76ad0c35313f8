import path from 'node:path';
import type { ReleaseCatalog } from '../engine/catalog-schema.js';
import { renderPlan, siteUrl } from '../cli/render-plan.js';
import type { PlanResult, RunReport } from '../engine/report.js';
import { runSession, SessionError, type Command } from '../app/session.js';
import type { SavedPlan } from '../engine/saved-plan.js';
import type { Step } from '../engine/step.js';
import { InstallerError } from '../engine/errors.js';
import { secretsUsedByStandIns } from '../helper/plan-guard.js';
import { asWizardStale } from './plan-stale.js';
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
  // Plans this adapter computed for Review, by hash: Install applies only one of these.
  const reviewed = new Map<string, SavedPlan>();
  const session = async <C extends Command>(
    command: C,
    input: Omit<RunInput, 'mode' | 'keepData'> & { keepData?: boolean },
    extra: {
      signal?: AbortSignal;
      onEvent?: RunEvents;
      planFor?: 'install' | 'uninstall';
      approvedPlan?: SavedPlan;
    } = {},
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
        ...(extra.planFor ? { planFor: extra.planFor } : {}),
        ...(extra.approvedPlan ? { approvedPlan: extra.approvedPlan } : {}),
      });
    } catch (e) {
      // The engine already logged the details; the wizard shows its code and plain words.
      const cause = asWizardStale(e instanceof SessionError ? e.cause : e);
      if (cause instanceof InstallerError) throw cause;
      throw new InstallerError(
        'ENGINE_FAILED',
        e instanceof Error ? e.message : String(e),
        'See the log folder for details.',
      );
    }
  };

  /** The plan Review shows (uninstall: the removal), with its hash. */
  const planFor = async (input: RunInput) => {
    const uninstall = input.mode === 'uninstall';
    const { result, savedPlan } = await session('plan', input, {
      planFor: uninstall ? 'uninstall' : 'install',
    });
    // A stand-in secret (one uninstall does not ask for) must never reach an action.
    const plan = result as PlanResult;
    const needs = secretsUsedByStandIns(plan, input.standIns ?? []);
    if (needs) throw new InstallerError(needs.code, needs.message, needs.hint);
    return { result: plan, savedPlan: savedPlan! };
  };

  return {
    preflight,
    buildBundle: (req, signal, onEvent) => runBundle(req, signal, onEvent),
    async plan(input) {
      const { result, savedPlan } = await planFor(input);
      reviewed.set(savedPlan.planSha256, savedPlan);
      return { ...toPlan(input.mode, result), planSha256: savedPlan.planSha256 };
    },
    async planText(input) {
      return renderPlan((await planFor(input)).result, input.answers, o.hostSpec);
    },
    async run(input) {
      const command: Command = input.mode === 'reconfigure' ? 'install' : input.mode;
      // Same rule as the elevated helper: only a plan made here for Review, and only if it still holds.
      const approvedPlan = input.approvedPlanSha256 ? reviewed.get(input.approvedPlanSha256) : undefined;
      if (!approvedPlan)
        throw new InstallerError(
          'PLAN_UNKNOWN',
          'This plan was not made for Review in this session.',
          'Go back to Review and press Install there.',
        );
      const { result } = await session(command, input, {
        signal: input.signal,
        onEvent: input.onEvent,
        approvedPlan,
      });
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

type RunEvents = NonNullable<Parameters<typeof runSession>[0]['onEvent']>;

/** Plan in plain words, grouped by step: what changes, what is already right, what does not apply. */
export function toPlan(mode: Plan['mode'], r: PlanResult): Omit<Plan, 'planSha256'> {
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
