/**
 * `npm run dist:offline -- --bundle DIR [--archive] [--public-key PEM] [--installer EXE] [--output DIR]`
 * makes the air-gapped deliverable: a folder holding the setup .exe beside the verified offline bundle
 * (and, with --archive, one .zip of that folder, which Windows Explorer opens without extra tools):
 *   release/QATrack+ Installer <version> offline/
 *     QATrack+ Installer Setup <version>.exe
 *     bundle/            (manifest.json + every artifact, SHA-256 pinned)
 *     README-OFFLINE.txt (what to do on the air-gapped server)
 * The bundle is verified before anything is copied and again after the copy.
 */
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { execa } from 'execa';
import { verifyBundle, type VerifyReport } from '../electron/bundle/verify.js';
import { dist } from './dist.js';

const projectDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface OfflineOptions {
  bundleDir: string;
  outputDir?: string;
  /** Use this setup .exe instead of building one. */
  installer?: string;
  publicKeyPem?: string;
  archive?: boolean;
  log?: (line: string) => void;
}

export interface OfflineResult {
  folder: string;
  installer: string;
  archive?: string;
  bundleFiles: number;
  bundleBytes: number;
}

function describeFailure(report: VerifyReport): string {
  const parts = [
    ...report.problems,
    ...report.missing.slice(0, 5).map((p) => `missing ${p}`),
    ...report.altered.slice(0, 5).map((a) => `${a.path}: ${a.reason}`),
    ...report.extra.slice(0, 5).map((p) => `not in the manifest: ${p}`),
  ];
  return parts.join('; ');
}

async function verifyOrThrow(
  dir: string,
  publicKeyPem: string | undefined,
  when: string,
): Promise<VerifyReport> {
  const report = await verifyBundle(dir, publicKeyPem ? { publicKeyPem } : {});
  if (!report.ok) {
    throw new Error(
      `BUNDLE_INVALID: the offline bundle ${dir} does not verify (${when}): ${describeFailure(report)}. ` +
        'Rebuild it with `qatrack-installer bundle create` on a connected machine.',
    );
  }
  return report;
}

const README = (
  version: string,
  setup: string,
): string => `QATrack+ Installer ${version} - offline deliverable

1. Copy this whole folder to the server (no network needed there).
2. Run "${setup}" as an administrator (or silently: "${setup}" /S).
3. Open QATrack+ Installer from the Start menu and choose this folder's "bundle" as the offline bundle,
   or deploy unattended with an answers file whose paths.bundleDir is this folder's bundle:
     "C:\\Program Files\\QATrack+ Installer\\QATrack+ Installer.exe" --unattended --answers answers.json
   Exit codes: 0 done, 3010 done (restart Windows), 1602 cancelled, 1603 failed, 1639 invalid answers.
The bundle's manifest.json pins every file by SHA-256; the installer verifies it before use.
`;

export async function distOffline(options: OfflineOptions): Promise<OfflineResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const bundleDir = path.resolve(options.bundleDir);
  const before = await verifyOrThrow(bundleDir, options.publicKeyPem, 'before packaging');
  log(`Bundle verified: ${before.files} files, ${(before.bytes / 1024 / 1024).toFixed(1)} MiB`);

  const pkg = JSON.parse(await readFile(path.join(projectDir, 'package.json'), 'utf8')) as {
    productName: string;
    version: string;
  };
  const outputDir = path.resolve(options.outputDir ?? path.join(projectDir, 'release'));
  const installer = options.installer
    ? path.resolve(options.installer)
    : (await dist({ outputDir, log })).installer;
  if (
    !(await stat(installer).then(
      (s) => s.isFile(),
      () => false,
    ))
  ) {
    throw new Error(`DIST_NO_INSTALLER: ${installer} is not a file.`);
  }

  const folder = path.join(outputDir, `${pkg.productName} ${pkg.version} offline`);
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  await cp(installer, path.join(folder, path.basename(installer)));
  await cp(bundleDir, path.join(folder, 'bundle'), { recursive: true });
  await writeFile(path.join(folder, 'README-OFFLINE.txt'), README(pkg.version, path.basename(installer)));
  const after = await verifyOrThrow(path.join(folder, 'bundle'), options.publicKeyPem, 'after copying');

  let archive: string | undefined;
  if (options.archive) {
    archive = `${folder}.zip`;
    await rm(archive, { force: true });
    // Wheels, MSIs and the setup are compressed already: store-level deflate keeps this quick.
    await execa('7za', ['a', '-tzip', '-mx=1', '-bd', archive, path.basename(folder)], { cwd: outputDir });
    log(`Archive: ${archive} (${((await stat(archive)).size / 1024 / 1024).toFixed(1)} MiB)`);
  }
  log(`Offline deliverable: ${folder}`);
  return {
    folder,
    installer: path.join(folder, path.basename(installer)),
    ...(archive ? { archive } : {}),
    bundleFiles: after.files,
    bundleBytes: after.bytes,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const program = new Command()
    .name('dist:offline')
    .description('Build the air-gapped deliverable: setup .exe beside the verified offline bundle.')
    .requiredOption('--bundle <dir>', 'offline bundle folder (made by `qatrack-installer bundle create`)')
    .option('--output <dir>', 'output folder (default: release/)')
    .option('--installer <exe>', 'use this setup .exe instead of building one')
    .option('--public-key <pem>', 'Ed25519 public key the bundle manifest must be signed with')
    .option('--archive', 'also write one .zip holding the folder');
  program.parse();
  const o = program.opts<{
    bundle: string;
    output?: string;
    installer?: string;
    publicKey?: string;
    archive?: boolean;
  }>();
  try {
    await distOffline({
      bundleDir: o.bundle,
      ...(o.output ? { outputDir: o.output } : {}),
      ...(o.installer ? { installer: o.installer } : {}),
      ...(o.publicKey ? { publicKeyPem: await readFile(o.publicKey, 'utf8') } : {}),
      archive: o.archive === true,
    });
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
