import type { Action } from './actions/index.js';
import { applyAction, checkProduces } from './apply-action.js';
import type { EventBus } from './emitter.js';
import { CancelledError, EXIT, InputError, InstallerError } from './errors.js';
import type { StepStatus } from './events.js';
import { hashActions, validateActions } from './validate-actions.js';
import { describeInFlight, describeInterrupted, type Journal } from './journal.js';
import { orderSteps } from './order.js';
import { ClaimTable, claimsFor, OverallProgress, runSchedule, untilAborted } from './scheduler/index.js';
import { graphOf } from './scheduler/graph.js';
import type { Redactor } from './redactor.js';
import type { PlanResult, ReportedError, RunReport, RunStatus, StepReport } from './report.js';
import type { Check, Step, StepContext } from './step.js';
import { HostActionError } from './host.js';
import { toReportedError } from './reported-error.js';

export { toReportedError };

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStep = Step<any>;

export interface RunnerOptions {
  runId: string;
  steps: readonly AnyStep[];
  ctx: StepContext;
  redactor: Redactor;
  events: EventBus;
  /** Present for commands that change the machine. */
  journal?: Journal;
  /** Cancel: steps not done are reported. */
  signal?: AbortSignal;
  /** Limit for actions without their own timeoutMs. */
  defaultActionTimeoutMs?: number;
  /** Steps applied at once, where the dependencies and claims allow (default 4; 1 is sequential). */
  jobs?: number;
}

/** `--jobs` default: four steps in flight cover every branch of the Windows graph. */
export const DEFAULT_JOBS = 4;

/** What one install/repair/uninstall pass shares between the steps in flight. */
interface ConvergeRun {
  reports: StepReport[];
  total: number;
  progress: OverallProgress;
  claims: ClaimTable;
  changed: number;
  /** Actions handed to the host so far (0: this run has changed nothing). */
  actionsStarted: number;
  rebootRequired: boolean;
  failures: { step: string; error: ReportedError; cancelled: boolean; invalidInput: boolean }[];
  uninstall?: { keepData: boolean };
}

/** 30 minutes: SQL Server Express and the wheelhouse install are the slow ones. */
export const DEFAULT_ACTION_TIMEOUT_MS = 30 * 60_000;

type Mode = 'install' | 'repair' | 'uninstall';

/**
 * Orders the steps, then for each: probe → plan → apply its actions through the host → journal.
 * Install, repair and uninstall run independent steps at once (up to `jobs`, see ./scheduler); each
 * action first takes its claims (one Windows Installer transaction at a time, ...), so what must
 * not overlap never does. Plans stay sequential and in dependency order. The machine is the truth:
 * every run re-probes, so a second run on a converged machine plans nothing.
 */
export class Runner {
  readonly ordered: AnyStep[];
  readonly jobs: number;
  readonly #signal: AbortSignal;

  constructor(private readonly o: RunnerOptions) {
    this.ordered = orderSteps(o.steps);
    this.jobs = o.jobs ?? DEFAULT_JOBS;
    this.#signal = o.signal ?? new AbortController().signal;
  }

  #applies(step: AnyStep): boolean {
    return step.appliesTo ? step.appliesTo(this.o.ctx) : true;
  }

  /** Uninstall: what the steps left in place on purpose (collected while planning). */
  #kept: string[] = [];

  async #planStep(step: AnyStep, uninstall?: { keepData: boolean }): Promise<Action[]> {
    // A probe waiting on the machine must not keep a cancelled run alive.
    const probed: unknown = await untilAborted(step.probe(this.o.ctx), this.#signal);
    if (uninstall && step.keptOnUninstall)
      this.#kept.push(...step.keptOnUninstall(this.o.ctx, probed, uninstall));
    const planned = await untilAborted(
      Promise.resolve(
        uninstall
          ? (step.planUninstall?.(this.o.ctx, probed, uninstall) ?? [])
          : step.plan(this.o.ctx, probed),
      ),
      this.#signal,
    );
    return validateActions(step.id, planned, this.o.redactor);
  }

  /**
   * Probe and plan every step without changing anything: what install/repair would do, or with
   * `uninstall` what uninstall would do (steps in reverse, only those that can uninstall).
   */
  async plan(uninstall?: { keepData: boolean }): Promise<PlanResult> {
    const result: PlanResult = { steps: [], skipped: [], changes: 0 };
    const steps = uninstall ? [...this.ordered].reverse() : this.ordered;
    for (const step of steps) {
      if (this.#signal.aborted) throw new CancelledError();
      if (!this.#applies(step) || (uninstall && step.planUninstall === undefined)) {
        result.skipped.push({ id: step.id, title: step.title });
        continue;
      }
      let actions: Action[];
      try {
        actions = await this.#planStep(step, uninstall);
      } catch (e) {
        throw wrapStepError(e, step);
      }
      result.steps.push({ id: step.id, title: step.title, actions });
      result.changes += actions.length;
    }
    return result;
  }

  /** Run every applicable step's verify; a verify that throws is a failed check. */
  async verifyAll(): Promise<Check[]> {
    const checks: Check[] = [];
    for (const step of this.ordered) {
      if (!step.verify || !this.#applies(step)) continue;
      try {
        checks.push(...(await step.verify(this.o.ctx)));
      } catch (e) {
        const err = toReportedError(e, this.o.redactor, step.id);
        checks.push({
          id: `${step.id}.verify`,
          title: step.title,
          ok: false,
          detail: err.message,
          fix: err.fix,
        });
      }
    }
    return this.o.redactor.redactDeep(checks);
  }

  async verify(): Promise<RunReport> {
    this.#emitRunStart('verify');
    const checks = await this.verifyAll();
    const failed = checks.filter((c) => !c.ok);
    const report = this.#report('verify', failed.length ? 'failed' : 'done', [], {
      checks,
      message: failed.length
        ? `${failed.length} of ${checks.length} checks failed.`
        : `All ${checks.length} checks passed.`,
    });
    return this.#end(report);
  }

  async install(mode: 'install' | 'repair' = 'install'): Promise<RunReport> {
    this.#emitRunStart(mode);
    let drift: Check[] | undefined;
    if (mode === 'repair') {
      drift = (await this.verifyAll()).filter((c) => !c.ok);
      for (const c of drift) this.#log('warn', `drift: ${c.title}: ${c.detail}`);
    }
    const outcome = await this.#converge(mode, this.ordered);
    let checks: Check[] = [];
    if (outcome.status === 'done' || outcome.status === 'nothing-to-do') {
      checks = await this.verifyAll();
      const failed = checks.filter((c) => !c.ok);
      if (failed.length)
        return this.#end(
          this.#report(mode, 'failed', outcome.steps, {
            checks,
            drift,
            notDone: [],
            message: `Installed, but ${failed.length} of ${checks.length} checks failed: ${failed.map((c) => c.title).join(', ')}.`,
            error: {
              code: 'VERIFY_FAILED',
              message: failed.map((c) => `${c.title}: ${c.detail}`).join('; '),
              fix:
                failed.find((c) => c.fix)?.fix ?? 'Look at the checks above, fix the cause, then run repair.',
            },
          }),
        );
    }
    return this.#end(this.#report(mode, outcome.status, outcome.steps, { ...outcome, checks, drift }));
  }

  async uninstall(options: { keepData: boolean }): Promise<RunReport> {
    this.#emitRunStart('uninstall');
    this.#kept = [];
    const outcome = await this.#converge('uninstall', [...this.ordered].reverse(), options);
    for (const line of this.#kept) this.#log('info', `kept: ${line}`);
    return this.#end(
      this.#report('uninstall', outcome.status, outcome.steps, { ...outcome, kept: this.#kept }),
    );
  }

  async #converge(
    mode: Mode,
    steps: AnyStep[],
    uninstall?: { keepData: boolean },
  ): Promise<{
    status: RunStatus;
    steps: StepReport[];
    notDone: string[];
    message: string;
    error?: ReportedError;
    rebootRequired: boolean;
    invalidInput?: boolean;
  }> {
    const reports: StepReport[] = [];
    const applicable = steps.filter(
      (s) =>
        this.#applies(s) && (!uninstall || s.planUninstall !== undefined || s.keptOnUninstall !== undefined),
    );
    const total = applicable.length;
    for (const step of steps) {
      if (!applicable.includes(step)) {
        reports.push({ id: step.id, title: step.title, status: 'skipped', changed: 0 });
        this.o.events.emit({ type: 'step-end', step: step.id, status: 'skipped', changed: 0 });
      }
    }
    const run: ConvergeRun = {
      reports,
      total,
      progress: new OverallProgress(total),
      claims: new ClaimTable(),
      changed: 0,
      actionsStarted: 0,
      rebootRequired: false,
      failures: [],
      uninstall,
    };
    const graph = graphOf(this.ordered, new Set(applicable.map((s) => s.id)), uninstall !== undefined);
    const scheduled = await runSchedule({
      nodes: graph,
      jobs: this.jobs,
      signal: this.#signal,
      run: async (n, index) => {
        const outcome = await this.#runStep(n.node, index, run);
        // A reboot holds back what depends on the step (install/repair); uninstall goes on, as before.
        return outcome === 'failed' ? { ok: false } : { ok: true, defer: outcome === 'reboot' && !uninstall };
      },
      onHeld: (n) => {
        const message = 'after the reboot';
        reports.push({ id: n.id, title: n.node.title, status: 'pending', changed: 0, message });
        this.o.events.emit({ type: 'step-end', step: n.id, status: 'pending', changed: 0, message });
        run.progress.settle(n.id);
      },
    });
    const held = scheduled.deferred.map((n) => n.id);
    const cancelled = this.#signal.aborted || run.failures.some((f) => f.cancelled);
    if (scheduled.stopped || cancelled || run.failures.length) {
      for (const n of scheduled.notStarted) {
        reports.push({ id: n.id, title: n.node.title, status: 'pending', changed: 0 });
        this.o.events.emit({ type: 'step-end', step: n.id, status: 'pending', changed: 0 });
      }
      const failedIds = new Set(run.failures.map((f) => f.step));
      const notDone = graph
        .filter((n) => failedIds.has(n.id) || scheduled.notStarted.includes(n) || held.includes(n.id))
        .map((n) => n.id);
      const failure = run.failures.find((f) => !f.cancelled);
      const also = run.failures.filter((f) => !f.cancelled && f !== failure).map((f) => f.step);
      const message = failure
        ? `Step "${failure.error.step}" failed: ${failure.error.message}${also.length ? ` (also failed: ${also.join(', ')})` : ''}`
        : `Cancelled. Not done: ${notDone.join(', ') || 'nothing'}. Run repair to finish.`;
      return {
        status: failure ? 'failed' : 'cancelled',
        steps: reports,
        notDone,
        message,
        error: failure?.error,
        rebootRequired: run.rebootRequired,
        // Bad input found while planning, before this run changed anything, is reported like an
        // invalid answers file (exit 64): the person fixes the input, nothing needs repairing.
        invalidInput: failure?.invalidInput === true && run.actionsStarted === 0,
      };
    }
    if (run.rebootRequired)
      return {
        status: 'reboot-required',
        steps: reports,
        notDone: held,
        rebootRequired: true,
        message: `Reboot needed: restart the server, then run "qatrack-installer repair" to finish${held.length ? ` (${held.length} steps left: ${held.join(', ')})` : ''}.`,
      };
    const verb = mode === 'uninstall' ? 'Uninstalled' : mode === 'repair' ? 'Repaired' : 'Installed';
    return run.changed
      ? {
          status: 'done',
          steps: reports,
          notDone: [],
          rebootRequired: false,
          message: `${verb}: ${plural(run.changed, 'change')} in ${plural(reports.filter((r) => r.status === 'changed').length, 'step')}.`,
        }
      : {
          status: 'nothing-to-do',
          steps: reports,
          notDone: [],
          rebootRequired: false,
          message: 'Nothing to do: the machine already matches the answers.',
        };
  }

  /** One step of a converge: plan, apply its actions in order, journal. Reports failure, never throws. */
  async #runStep(step: AnyStep, index: number, run: ConvergeRun): Promise<'ok' | 'reboot' | 'failed'> {
    this.o.events.emit({ type: 'step-start', step: step.id, title: step.title, index, total: run.total });
    this.o.journal?.record({ type: 'step-start', step: step.id });
    try {
      const actions = await this.#planStep(step, run.uninstall);
      const sha = hashActions(actions);
      this.o.journal?.record({
        type: 'step-planned',
        step: step.id,
        actions: actions.length,
        actionsSha256: sha,
      });
      let stepReboot = false;
      for (const [i, action] of actions.entries()) {
        this.#progress(step.id, i / actions.length, run, action.describe);
        stepReboot = (await this.#applyOne(step.id, action, i, actions.length, run)) || stepReboot;
      }
      if (actions.length) this.o.journal?.record({ type: 'step-applied', step: step.id, actionsSha256: sha });
      this.o.journal?.record({ type: 'step-ok', step: step.id, changed: actions.length });
      run.changed += actions.length;
      const status: StepStatus = actions.length ? 'changed' : 'ok';
      const message = stepReboot ? 'a reboot is needed to finish' : undefined;
      run.reports.push({ id: step.id, title: step.title, status, changed: actions.length, message });
      this.#progress(step.id, 1, run, step.title);
      run.progress.settle(step.id);
      this.o.events.emit({ type: 'step-end', step: step.id, status, changed: actions.length, message });
      if (stepReboot) run.rebootRequired = true;
      return stepReboot ? 'reboot' : 'ok';
    } catch (e) {
      const cancelled = e instanceof CancelledError;
      const err = toReportedError(e, this.o.redactor, step.id);
      this.o.journal?.record({ type: 'step-failed', step: step.id, error: `${err.code}: ${err.message}` });
      this.#log('error', `${step.title}: ${err.message}`, e);
      const status: StepStatus = cancelled ? 'cancelled' : 'failed';
      run.reports.push({ id: step.id, title: step.title, status, changed: 0, message: err.message });
      run.progress.settle(step.id);
      this.o.events.emit({ type: 'step-end', step: step.id, status, changed: 0, message: err.message });
      run.failures.push({ step: step.id, error: err, cancelled, invalidInput: e instanceof InputError });
      return 'failed';
    }
  }

  /** Applies one action once its claims are free; true when it asks for a reboot. */
  async #applyOne(
    stepId: string,
    action: Action,
    index: number,
    total: number,
    run: ConvergeRun,
  ): Promise<boolean> {
    const claims = claimsFor(action, { database: this.o.ctx.answers.database.name });
    const busy = claims.filter((c) => run.claims.holder(c) !== undefined);
    if (busy.length)
      this.#log(
        'info',
        `${action.describe}: waiting for ${busy.map((c) => `${c} (held by step ${run.claims.holder(c)})`).join(', ')}`,
      );
    const release = await run.claims.acquire(claims, stepId, this.#signal);
    run.actionsStarted++;
    this.o.events.emit({ type: 'action-start', step: stepId, index, total, describe: action.describe });
    const started = Date.now();
    try {
      const result = await applyAction(this.o.ctx.host, action, {
        secrets: this.o.ctx.secrets,
        signal: this.#signal,
        defaultTimeoutMs: this.o.defaultActionTimeoutMs ?? DEFAULT_ACTION_TIMEOUT_MS,
        onOutput: (line) => this.o.events.emit({ type: 'action-output', step: stepId, line }),
      });
      await checkProduces(this.o.ctx.host, action);
      this.o.events.emit({
        type: 'action-end',
        step: stepId,
        index,
        ok: true,
        durationMs: Date.now() - started,
      });
      return result.rebootRequired === true;
    } catch (e) {
      this.o.events.emit({
        type: 'action-end',
        step: stepId,
        index,
        ok: false,
        durationMs: Date.now() - started,
      });
      throw e;
    } finally {
      release();
    }
  }

  /** The step's own fraction, and the run's overall one with every step in flight counted. */
  #progress(step: string, fraction: number, run: ConvergeRun, message: string): void {
    const overall = run.progress.step(step, fraction);
    this.o.events.emit({ type: 'progress', step, fraction, overall, message });
  }

  #log(level: 'info' | 'warn' | 'error', message: string, err?: unknown): void {
    this.o.events.emit({ type: 'log', level, message });
    if (err instanceof Error && !(err instanceof InstallerError))
      this.o.events.emit({ type: 'log', level: 'debug', message: err.stack ?? err.message });
  }

  #emitRunStart(command: string): void {
    this.o.events.emit({
      type: 'run-start',
      runId: this.o.runId,
      command,
      steps: this.ordered.map((s) => ({ id: s.id, title: s.title })),
    });
    const interrupted = this.o.journal?.interrupted;
    if (interrupted) this.#log('warn', describeInterrupted(interrupted));
  }

  #report(
    command: RunReport['command'],
    status: RunStatus,
    steps: StepReport[],
    extra: Partial<RunReport> & { message: string },
  ): RunReport {
    const exitCode =
      status === 'failed'
        ? extra.invalidInput
          ? EXIT.invalidInput
          : EXIT.failure
        : status === 'cancelled'
          ? EXIT.cancelled
          : status === 'reboot-required'
            ? EXIT.rebootRequired
            : EXIT.ok;
    const interrupted = this.o.journal?.interrupted;
    return this.o.redactor.redactDeep({
      runId: this.o.runId,
      command,
      status,
      ok: status === 'done' || status === 'nothing-to-do' || status === 'reboot-required',
      exitCode,
      steps,
      checks: [],
      notDone: [],
      rebootRequired: status === 'reboot-required',
      ...extra,
      ...(interrupted
        ? {
            interrupted: `previous run ${interrupted.runId} was interrupted${describeInFlight(interrupted)}`,
          }
        : {}),
    });
  }

  #end(report: RunReport): RunReport {
    this.o.events.emit({
      type: 'run-end',
      ok: report.ok,
      exitCode: report.exitCode,
      message: report.message,
      rebootRequired: report.rebootRequired,
    });
    return report;
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function wrapStepError(e: unknown, step: AnyStep): unknown {
  if (e instanceof InstallerError || e instanceof HostActionError) {
    e.message = `${step.title}: ${e.message}`;
    return e;
  }
  return new InstallerError(
    'STEP_FAILED',
    `${step.title}: ${e instanceof Error ? e.message : String(e)}`,
    'This is probably a bug in the installer; please report it with the log file.',
  );
}
