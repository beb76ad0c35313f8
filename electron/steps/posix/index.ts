import { withDependsOn, type Step } from '../../engine/step.js';
import { commonSteps, dataStep } from '../common/index.js';
import { STAGE_STEP, stageStep } from '../common/stage.js';
import { pdfStep } from './pdf.js';
import { preflightStep } from './preflight.js';
import { proxyStep } from './proxy.js';
import { tasksStep } from './tasks.js';
import { workersStep } from './workers.js';

/**
 * What posix steps wait for beyond their own `dependsOn` (the order a sequential run always had,
 * made explicit for a parallel apply; each edge points backwards in it, so plans are unchanged):
 * the pre-flight checks come after the data step and before everything else, and the source
 * archive is unpacked from its staged copy.
 */
const POSIX_EDGES: Record<string, readonly string[]> = {
  preflight: ['data'],
  python: ['preflight'],
  source: ['preflight', STAGE_STEP],
};

/** The posix profile: pre-flight, common steps, workers and the task cluster as supervised
 * processes, nginx in front. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const posixProfile: Step<any>[] = [
  dataStep,
  preflightStep,
  stageStep('preflight'),
  ...commonSteps,
  workersStep,
  pdfStep,
  tasksStep,
  proxyStep,
].map((s) => withDependsOn(s, POSIX_EDGES[s.id] ?? []));
