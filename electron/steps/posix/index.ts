import type { Step } from '../../engine/step.js';

/** The posix profile: common steps + workers as supervised processes + nginx in front. */
export const posixProfile: Step<any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
