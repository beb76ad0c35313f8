import type { StepContext } from '../../engine/step.js';

/** Supervised service names and ports of the posix profile. */
export const workerName = (n: number) => `qatrack-worker-${n}`;
export const PROXY_SERVICE = 'qatrack-proxy';
export const TASKS_SERVICE = 'qatrack-tasks';
export const MAX_WORKERS = 32;

export const workerPorts = (ctx: StepContext) =>
  Array.from({ length: ctx.answers.workers.count }, (_, i) => ({
    n: i + 1,
    name: workerName(i + 1),
    port: ctx.answers.workers.basePort + i + 1,
  }));
