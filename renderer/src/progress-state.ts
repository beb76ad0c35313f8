import type { ProgressEvent } from '../../electron/engine/events.js';

export interface StepProgress {
  id: string;
  title: string;
  status: 'waiting' | 'running' | 'ok' | 'changed' | 'failed' | 'skipped' | 'cancelled' | 'pending';
  fraction: number;
}

export interface RunView {
  steps: StepProgress[];
  overall: number;
  current: string;
  log: string[];
  ended?: { ok: boolean; message: string; rebootRequired: boolean };
}

export const emptyRun = (): RunView => ({ steps: [], overall: 0, current: '', log: [] });

const MAX_LOG = 2000;

/** Folds the engine's progress events into what the progress page shows. */
export function reduceRun(v: RunView, e: ProgressEvent): RunView {
  const log = (line: string) => [...v.log.slice(-(MAX_LOG - 1)), line];
  const setStep = (id: string, patch: Partial<StepProgress>) =>
    v.steps.map((s) => (s.id === id ? { ...s, ...patch } : s));
  switch (e.type) {
    case 'run-start':
      return {
        ...emptyRun(),
        steps: e.steps.map((s) => ({ ...s, status: 'waiting', fraction: 0 })),
        log: [`Started ${e.command}`],
      };
    case 'step-start':
      return {
        ...v,
        steps: setStep(e.step, { status: 'running' }),
        current: e.title,
        log: log(`== ${e.title}`),
      };
    case 'action-start':
      return { ...v, current: e.describe, log: log(`-> ${e.describe}`) };
    case 'action-output':
      return { ...v, log: log(`   ${e.line}`) };
    case 'action-end':
      return e.ok ? v : { ...v, log: log(`   failed after ${Math.round(e.durationMs)} ms`) };
    case 'progress':
      return {
        ...v,
        steps: setStep(e.step, { fraction: e.fraction }),
        overall: e.overall,
        current: e.message || v.current,
      };
    case 'step-end': {
      const done = e.status === 'ok' || e.status === 'changed' || e.status === 'skipped';
      const steps = setStep(e.step, {
        status: e.status,
        fraction: done ? 1 : (v.steps.find((s) => s.id === e.step)?.fraction ?? 0),
      });
      const finished = steps.filter((s) => s.fraction >= 1).length;
      return {
        ...v,
        steps,
        overall: Math.max(v.overall, steps.length ? finished / steps.length : 0),
        log: log(`   ${e.status}${e.message ? `: ${e.message}` : ''}`),
      };
    }
    case 'log':
      return { ...v, log: log(`[${e.level}] ${e.message}`) };
    case 'run-end':
      return {
        ...v,
        overall: e.ok ? 1 : v.overall,
        current: e.message,
        ended: { ok: e.ok, message: e.message, rebootRequired: e.rebootRequired },
        log: log(e.message),
      };
  }
}
