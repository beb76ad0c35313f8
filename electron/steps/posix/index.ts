import type { Step } from '../../engine/step.js';
import { commonSteps, dataStep } from '../common/index.js';
import { stageStep } from '../common/stage.js';
import { pdfStep } from './pdf.js';
import { preflightStep } from './preflight.js';
import { proxyStep } from './proxy.js';
import { tasksStep } from './tasks.js';
import { workersStep } from './workers.js';

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
];
