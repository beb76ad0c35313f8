import { existsSync } from 'node:fs';
import type { Answers } from '../engine/answers/index.js';
import type { HostSpec } from '../hosts/index.js';
import { readManifest } from './manifest.js';
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

/**
 * The bundle's file hashes (bundle-relative path -> SHA-256) that the staging step checks each
 * copy against: from the manifest verified above when the run verified it, else read from the
 * manifest as it is (plan and verify change nothing; a saved plan still records the hashes).
 */
export async function bundleHashes(
  answers: Answers,
  verified: VerifyReport | undefined,
): Promise<ReadonlyMap<string, string> | undefined> {
  const manifest =
    verified?.manifest ??
    (answers.paths.bundleDir && existsSync(answers.paths.bundleDir)
      ? await readManifest(answers.paths.bundleDir).then((r) => (r.ok ? r.manifest : undefined))
      : undefined);
  return manifest ? new Map(manifest.files.map((f) => [f.path, f.sha256])) : undefined;
}
