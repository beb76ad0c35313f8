import { InstallerError } from '../../engine/errors.js';
import type { Host } from '../host.js';

/** Real execution on Windows Server. (Implemented by the Windows step catalog work.) */
export function createWindowsHost(): Host {
  throw new InstallerError('HOST_UNAVAILABLE', 'The windows host is not built yet.');
}
