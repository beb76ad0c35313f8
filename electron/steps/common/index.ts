import type { Step } from '../../engine/step.js';

/**
 * Steps that run anywhere (real on posix, planned for Windows on sim): Python check, venv,
 * wheelhouse, source, local_settings.py, Django commands. Each profile picks them up.
 */
export const commonSteps: Step<any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
