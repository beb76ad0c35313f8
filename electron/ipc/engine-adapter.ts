import { InstallerError } from '../engine/errors.js';
import type { EnginePort } from './service.js';

const unavailable = () =>
  Promise.reject(
    new InstallerError('ENGINE_UNAVAILABLE', 'The install engine is not part of this build yet.'),
  );

/** Connects the wizard's handlers to the engine's runner (filled in when the runner lands). */
export function createEngineAdapter(): EnginePort {
  return { preflight: unavailable, plan: unavailable, run: unavailable, verify: unavailable };
}
