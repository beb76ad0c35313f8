import type { HostKind } from '../engine/host.js';
import type { Step } from '../engine/step.js';
import { posixProfile } from './posix/index.js';
import { windowsProfile } from './windows/index.js';

export type Profile = 'windows' | 'posix';

/** `sim` simulates a Windows Server, so it gets the Windows profile. */
export const profileForHost = (host: HostKind): Profile => (host === 'posix' ? 'posix' : 'windows');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const stepsFor = (profile: Profile): Step<any>[] =>
  profile === 'posix' ? posixProfile : windowsProfile;
