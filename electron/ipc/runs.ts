import { randomUUID } from 'node:crypto';
import type { ProgressEvent } from '../engine/events.js';
import { InstallerError } from '../engine/errors.js';

export type RunState = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunSummary {
  runId: string;
  state: RunState;
  remaining: string[];
  message: string;
}

interface Run {
  id: string;
  state: RunState;
  message: string;
  abort: AbortController;
  steps: { id: string; title: string }[];
  finished: Set<string>;
}

/**
 * Tracks runs started from the wizard: one at a time, cancellable, and able to say which steps had
 * not finished ("what is left") when a run stops.
 */
export class RunManager {
  readonly #runs = new Map<string, Run>();

  start(
    body: (
      signal: AbortSignal,
      onEvent: (e: ProgressEvent) => void,
    ) => Promise<{ ok: boolean; message: string }>,
    emit: (runId: string, e: ProgressEvent) => void,
  ): string {
    if ([...this.#runs.values()].some((r) => r.state === 'running')) {
      throw new InstallerError(
        'RUN_BUSY',
        'Another run is still in progress.',
        'Wait for it to finish or cancel it.',
      );
    }
    const run: Run = {
      id: randomUUID(),
      state: 'running',
      message: 'Starting',
      abort: new AbortController(),
      steps: [],
      finished: new Set(),
    };
    this.#runs.set(run.id, run);
    const onEvent = (e: ProgressEvent) => {
      if (e.type === 'run-start') run.steps = e.steps;
      if (e.type === 'step-end' && e.status !== 'cancelled' && e.status !== 'pending')
        run.finished.add(e.step);
      emit(run.id, e);
    };
    void body(run.abort.signal, onEvent).then(
      (r) => {
        run.state = run.abort.signal.aborted ? 'cancelled' : r.ok ? 'succeeded' : 'failed';
        run.message = r.message;
      },
      (e: unknown) => {
        run.state = run.abort.signal.aborted ? 'cancelled' : 'failed';
        run.message = e instanceof Error ? e.message : String(e);
        emit(run.id, {
          type: 'run-end',
          ok: false,
          exitCode: 1,
          message: run.message,
          rebootRequired: false,
          ...(e instanceof InstallerError ? { code: e.code } : {}),
        });
      },
    );
    return run.id;
  }

  cancel(runId: string): RunSummary {
    const run = this.#get(runId);
    if (run.state === 'running') run.abort.abort();
    return this.summary(runId);
  }

  summary(runId: string): RunSummary {
    const run = this.#get(runId);
    return {
      runId,
      state: run.state === 'running' && run.abort.signal.aborted ? 'running' : run.state,
      remaining: run.steps.filter((s) => !run.finished.has(s.id)).map((s) => s.title),
      message: run.message,
    };
  }

  #get(runId: string): Run {
    const run = this.#runs.get(runId);
    if (!run) throw new InstallerError('RUN_UNKNOWN', 'No such run.');
    return run;
  }
}
