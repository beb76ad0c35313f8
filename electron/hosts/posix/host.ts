import { InstallerError } from '../../engine/errors.js';
import type { Host } from '../host.js';

export interface PosixHostOptions {
  /** Where supervised service pid/spec files live (default: derived per service from its spec). */
  runDir?: string;
}

/** Real execution on Linux/macOS for the steps that run anywhere. (Implemented by the posix work.) */
export function createPosixHost(_options: PosixHostOptions = {}): Host {
  throw new InstallerError('HOST_UNAVAILABLE', 'The posix host is not built yet.');
}
