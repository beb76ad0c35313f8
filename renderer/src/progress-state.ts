import type { ProgressEvent } from '../../electron/engine/events.js';
import type { Plan } from '../../electron/ipc/contract.js';
import { plainText } from './words.js';

export interface StepProgress {
  id: string;
  title: string;
  status: 'waiting' | 'running' | 'ok' | 'changed' | 'failed' | 'skipped' | 'cancelled' | 'pending';
  /** Actions this step has to do (from the plan, then from the run's own count). */
  planned: number;
  /** Actions finished. */
  done: number;
  /** Changes the step reported when it ended. */
  changed: number;
}

export interface RunView {
  steps: StepProgress[];
  /** Share of the planned actions that are done, 0..1: steps with nothing to do do not count. */
  overall: number;
  current: string;
  log: string[];
  startedAt?: number;
  endedAt?: number;
  /** The plan's rough estimate, seconds. */
  estimateSeconds?: number;
  /** Changes the reviewed plan announced. */
  plannedChanges?: number;
  /** `code`: a run refused before it started (PLAN_STALE: the machine changed since Review). */
  ended?: { ok: boolean; message: string; rebootRequired: boolean; code?: string };
}

export const emptyRun = (startedAt?: number): RunView => ({
  steps: [],
  overall: 0,
  current: '',
  log: [],
  ...(startedAt ? { startedAt } : {}),
});

/** The reviewed plan's action counts and estimate, before the first event arrives. */
export function seedPlan(v: RunView, plan: Plan | undefined): RunView {
  if (!plan) return v;
  return {
    ...v,
    estimateSeconds: plan.estimateSeconds,
    plannedChanges: plan.changes,
    steps: plan.steps.map((s) => ({
      id: s.id,
      title: s.title,
      status: 'waiting',
      planned: s.actions.length,
      done: 0,
      changed: 0,
    })),
  };
}

const MAX_LOG = 2000;
const clock = (at: number) => new Date(at).toLocaleTimeString('en-GB', { hour12: false });

const overallOf = (steps: StepProgress[]) => {
  const planned = steps.reduce((n, s) => n + s.planned, 0);
  if (!planned) {
    const ended = steps.filter((s) => !['waiting', 'running'].includes(s.status)).length;
    return steps.length ? ended / steps.length : 0;
  }
  return steps.reduce((n, s) => n + Math.min(s.done, s.planned), 0) / planned;
};

/** Folds the engine's progress events into what the progress page shows; `at` stamps the log. */
export function reduceRun(v: RunView, e: ProgressEvent, at: number = Date.now()): RunView {
  const line = (text: string) => `[${clock(at)}] ${plainText(text)}`;
  const log = (text: string) => [...v.log.slice(-(MAX_LOG - 1)), line(text)];
  const setStep = (id: string, patch: (s: StepProgress) => Partial<StepProgress>) =>
    v.steps.map((s) => (s.id === id ? { ...s, ...patch(s) } : s));
  switch (e.type) {
    case 'run-start': {
      const known = new Map(v.steps.map((s) => [s.id, s]));
      return {
        ...v,
        startedAt: v.startedAt ?? at,
        steps: e.steps.map((s) => ({
          id: s.id,
          title: s.title,
          status: 'waiting',
          planned: known.get(s.id)?.planned ?? 0,
          done: 0,
          changed: 0,
        })),
        log: [...v.log, line(`Started ${e.command}`)],
      };
    }
    case 'step-start':
      return {
        ...v,
        steps: setStep(e.step, () => ({ status: 'running' })),
        current: plainText(e.title),
        log: log(`== ${e.title}`),
      };
    case 'action-start': {
      // The run plans again on the machine as it is now: its count wins over the reviewed plan's.
      const steps = setStep(e.step, () => ({ planned: e.total }));
      return {
        ...v,
        steps,
        overall: overallOf(steps),
        current: plainText(e.describe),
        log: log(`-> ${e.describe}`),
      };
    }
    case 'action-output':
      return { ...v, log: log(`   ${e.line}`) };
    case 'action-end': {
      const steps = setStep(e.step, (s) => ({ done: Math.max(s.done, e.index + 1) }));
      return {
        ...v,
        steps,
        overall: overallOf(steps),
        log: e.ok ? v.log : log(`   failed after ${Math.round(e.durationMs)} ms`),
      };
    }
    case 'progress':
      return { ...v, current: e.message ? plainText(e.message) : v.current };
    case 'step-end': {
      const steps = setStep(e.step, (s) => ({
        status: e.status,
        changed: e.changed,
        // A step that ended with nothing to do has nothing planned any more.
        planned: e.status === 'ok' || e.status === 'skipped' ? 0 : s.planned,
        done: e.status === 'changed' ? Math.max(s.done, s.planned) : s.done,
      }));
      return {
        ...v,
        steps,
        overall: overallOf(steps),
        log: log(`   ${e.status}${e.message ? `: ${e.message}` : ''}`),
      };
    }
    case 'log':
      return { ...v, log: log(`[${e.level}] ${e.message}`) };
    case 'run-end':
      return {
        ...v,
        endedAt: at,
        overall: e.ok ? 1 : v.overall,
        current: plainText(e.message),
        ended: {
          ok: e.ok,
          message: plainText(e.message),
          rebootRequired: e.rebootRequired,
          ...(e.code ? { code: e.code } : {}),
        },
        log: log(e.message),
      };
  }
}

/** Changes made in this run (what steps reported). */
export const changesMade = (v: RunView) => v.steps.reduce((n, s) => n + s.changed, 0);
