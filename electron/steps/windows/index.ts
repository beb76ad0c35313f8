import type { Step } from '../../engine/step.js';

/** The Windows Server profile (used by the `windows` and `sim` hosts): the whole step catalog. */
export const windowsProfile: Step<any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
