import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../engine/errors.js';
import { hashFiles } from './hash-pool.js';
import { checkSignature, MANIFEST_FILE, readManifest, SIGNATURE_FILE, type Manifest } from './manifest.js';

export interface AlteredFile {
  path: string;
  expectedSha256: string;
  actualSha256?: string;
  expectedSize: number;
  actualSize?: number;
  reason: string;
}

export interface VerifyReport {
  ok: boolean;
  dir: string;
  manifest?: Manifest;
  /** Problems with the manifest or signature themselves. */
  problems: string[];
  missing: string[];
  extra: string[];
  altered: AlteredFile[];
  files: number;
  bytes: number;
  ms: number;
}

export interface VerifyOptions {
  /** Ed25519 public key (PEM); when given, manifest.sig must verify. */
  publicKeyPem?: string;
  threads?: number;
}

/** Every regular file under dir, relative with forward slashes (symlinks reported as such). */
async function listFiles(dir: string): Promise<{ files: string[]; odd: string[] }> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files: string[] = [];
  const odd: string[] = [];
  for (const e of entries) {
    const rel = path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/');
    if (e.isFile()) files.push(rel);
    else if (!e.isDirectory()) odd.push(rel);
  }
  return { files, odd };
}

/**
 * Check a bundle folder against its manifest: the manifest's own hash, the optional signature, and
 * every file's presence, size and SHA-256 (hashed in parallel on all cores). Changes nothing.
 */
export async function verifyBundle(dir: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const started = Date.now();
  const report: VerifyReport = {
    ok: false,
    dir,
    problems: [],
    missing: [],
    extra: [],
    altered: [],
    files: 0,
    bytes: 0,
    ms: 0,
  };
  const read = await readManifest(dir);
  if (!read.ok) {
    report.problems.push(read.problem);
    report.ms = Date.now() - started;
    return report;
  }
  report.manifest = read.manifest;
  if (read.manifest.missingRequirements?.length) {
    report.problems.push(
      `the wheelhouse is incomplete (built with --skip-git): ${read.manifest.missingRequirements.join(', ')} missing`,
    );
  }
  if (opts.publicKeyPem) {
    const problem = await checkSignature(dir, read.raw, opts.publicKeyPem);
    if (problem) report.problems.push(problem);
  }

  const { files: onDisk, odd } = await listFiles(dir);
  const expected = new Map(read.manifest.files.map((f) => [f.path, f]));
  const present = new Set(onDisk);
  for (const rel of onDisk) {
    if (rel === MANIFEST_FILE || rel === SIGNATURE_FILE) continue;
    if (!expected.has(rel)) report.extra.push(rel);
  }
  report.extra.push(...odd.filter((rel) => !expected.has(rel)));

  const toHash: { file: string; size: number }[] = [];
  for (const f of read.manifest.files) {
    if (!present.has(f.path)) {
      report.missing.push(f.path);
      continue;
    }
    const st = await lstat(path.join(dir, f.path));
    if (st.size !== f.size) {
      report.altered.push({
        path: f.path,
        expectedSha256: f.sha256,
        expectedSize: f.size,
        actualSize: st.size,
        reason: `size ${st.size} bytes, expected ${f.size}`,
      });
      continue;
    }
    toHash.push({ file: path.join(dir, f.path), size: f.size });
  }

  const hashes = await hashFiles(toHash, opts.threads);
  for (const f of read.manifest.files) {
    const outcome = hashes.get(path.join(dir, f.path));
    if (!outcome) continue;
    if ('error' in outcome) {
      report.altered.push({
        path: f.path,
        expectedSha256: f.sha256,
        expectedSize: f.size,
        reason: outcome.error,
      });
      continue;
    }
    report.files += 1;
    report.bytes += outcome.size;
    if (outcome.sha256 !== f.sha256) {
      report.altered.push({
        path: f.path,
        expectedSha256: f.sha256,
        actualSha256: outcome.sha256,
        expectedSize: f.size,
        actualSize: outcome.size,
        reason: `SHA-256 ${outcome.sha256}, expected ${f.sha256}`,
      });
    }
  }
  report.missing.sort();
  report.extra.sort();
  report.altered.sort((a, b) => (a.path < b.path ? -1 : 1));
  report.ok =
    report.problems.length === 0 &&
    report.missing.length === 0 &&
    report.extra.length === 0 &&
    report.altered.length === 0;
  report.ms = Date.now() - started;
  return report;
}

/** Human lines naming every problem, for the CLI and the install pre-check error. */
export function describeReport(r: VerifyReport): string[] {
  return [
    ...r.problems,
    ...r.missing.map((p) => `missing: ${p}`),
    ...r.extra.map((p) => `extra (not in the manifest): ${p}`),
    ...r.altered.map((a) => `altered: ${a.path} (${a.reason})`),
  ];
}

/**
 * The install/repair pre-check: throws before anything changes when the bundle does not verify,
 * naming every bad file.
 */
export async function assertBundleIntact(dir: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const report = await verifyBundle(dir, opts);
  if (!report.ok) {
    const lines = describeReport(report);
    throw new InputError(
      'BUNDLE_INVALID',
      `The offline bundle at ${dir} does not match its manifest; nothing was installed.\n  ${lines.join('\n  ')}`,
      lines.map((message) => ({ path: 'paths.bundleDir', message })),
      'Copy the bundle again from the machine that built it (or rebuild it with `bundle create`), then run `bundle verify` on it.',
    );
  }
  return report;
}
