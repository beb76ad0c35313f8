import path from 'node:path';
import type { ReleaseCatalog } from '../bundle/catalog-schema.js';
import { siteUrl } from '../cli/render-plan.js';
import type { PlanResult, RunReport } from '../engine/report.js';
import { runSession, SessionError, type Command } from '../engine/session.js';
import type { Step } from '../engine/step.js';
import { InstallerError } from '../engine/errors.js';
import type { HostSpec } from '../hosts/index.js';
import type { Plan } from './contract.js';
import { runBundle } from './bundle-run.js';
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
      const { result } = await session('plan', input);
      return toPlan(input.mode, result as PlanResult);
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

type RunEvents = NonNullable<Parameters<typeof runSession>[0]['onEvent']>;

/** Plan in plain words, grouped by step: what changes, what is already right, what does not apply. */
export function toPlan(mode: Plan['mode'], r: PlanResult): Plan {
  return {
    mode,
    changes: r.changes,
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
