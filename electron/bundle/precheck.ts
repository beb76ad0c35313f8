import { existsSync } from 'node:fs';
import type { Answers } from '../engine/answers/index.js';
import type { HostSpec } from '../hosts/index.js';
import { assertBundleIntact, type VerifyReport } from './verify.js';

/**
 * Install and repair from an offline bundle verify the whole bundle first, so a single altered byte
 * aborts (InputError BUNDLE_INVALID, naming the file) before the host is touched. The bundle lives on
 * the machine the installer runs on; a sim host's bundle path is checked only when it exists here.
 */
export async function verifyBundleBeforeChange(
  command: string,
  answers: Answers,
  hostSpec: HostSpec,
): Promise<VerifyReport | undefined> {
  const dir = answers.paths.bundleDir;
  if (!dir || (command !== 'install' && command !== 'repair')) return undefined;
  if (hostSpec.kind === 'sim' && !existsSync(dir)) return undefined;
  return assertBundleIntact(dir);
}
