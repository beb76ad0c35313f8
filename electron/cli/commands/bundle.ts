import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
// The bundle modules (HTTP client, hashing workers) load only when a bundle command runs, so they
// do not slow down plan/install startup.
import type { CreateOptions } from '../../bundle/create.js';
import type { DownloadEvent } from '../../bundle/download.js';
import { EXIT, InputError } from '../../engine/errors.js';
import type { CliCommand } from './types.js';

interface CreateFlags {
  release: string;
  arch: string;
  out: string;
  extraWheel?: string[];
  mirror?: string;
  mirrorOnly?: boolean;
  cache?: string;
  include?: string;
  sqlexpressMedia?: string;
  acceptNewPins?: boolean;
  wheelhouse?: string;
  gitSource?: string[];
  allowGit?: boolean;
  skipGit?: boolean;
  python?: string;
  indexUrl?: string;
  signKey?: string;
  catalogDir?: string;
  pinsDir?: string;
  json?: boolean;
}

interface VerifyFlags {
  publicKey?: string;
  json?: boolean;
}

const write = (s: string) => process.stdout.write(s);
const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

function readKey(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new InputError('KEY_UNREADABLE', `Cannot read the key file ${file}.`, [
      { path: flag, message: 'must be a readable PEM file' },
    ]);
  }
}

function parseGitSources(values: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0)
      throw new InputError('OPTION_INVALID', `--git-source ${v} is not NAME=PATH.`, [
        { path: '--git-source', message: 'must be NAME=PATH, e.g. django-mssql-backend=/src/dmb.tar.gz' },
      ]);
    out[v.slice(0, eq)] = path.resolve(v.slice(eq + 1));
  }
  return out;
}

/** Terminal progress: one line per finished file, plus a live total on a TTY. */
function terminalProgress(json: boolean): (e: DownloadEvent) => void {
  if (json) return (e) => write(`${JSON.stringify(e)}\n`);
  const live = new Map<string, { bytes: number; rate: number }>();
  const tty = process.stdout.isTTY === true;
  return (e) => {
    if (e.type === 'download-progress') {
      live.set(e.name, { bytes: e.bytes, rate: e.rate });
      if (tty) {
        const bytes = [...live.values()].reduce((n, v) => n + v.bytes, 0);
        const rate = [...live.values()].reduce((n, v) => n + v.rate, 0);
        write(`\r  downloading ${live.size} file(s): ${mib(bytes)} at ${mib(rate)}/s   `);
      }
      return;
    }
    if (tty) write('\r\x1b[K');
    if (e.type === 'download-done') {
      live.delete(e.name);
      write(`  ${e.fromCache ? 'cached ' : 'fetched'} ${e.name} (${mib(e.size)}) sha256 ${e.sha256}\n`);
    } else if (e.type === 'download-retry') write(`  retry ${e.name} (attempt ${e.attempt}): ${e.error}\n`);
    else if (e.type === 'download-rejected')
      write(`  REJECTED ${e.name} from ${e.url}: sha256 ${e.actual}, expected ${e.expected}\n`);
  };
}

async function runCreate(f: CreateFlags): Promise<number> {
  if (f.arch !== 'x64' && f.arch !== 'x86')
    throw new InputError('OPTION_INVALID', `--arch ${f.arch} is not supported.`, [
      { path: '--arch', message: 'must be x64 or x86' },
    ]);
  const { assertKnownRelease } = await import('../../engine/release.js');
  if (f.catalogDir) assertKnownRelease(f.release, '--release', path.resolve(f.catalogDir));
  else assertKnownRelease(f.release, '--release');
  const out = path.resolve(f.out);
  const options: CreateOptions = {
    release: f.release,
    arch: f.arch,
    out,
    cacheDir: path.resolve(f.cache ?? path.join(path.dirname(out), '.qatrack-bundle-cache')),
    mirror: f.mirror,
    mirrorOnly: f.mirrorOnly,
    include: f.include
      ? f.include
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [],
    media: f.sqlexpressMedia ? { sqlexpress: path.resolve(f.sqlexpressMedia) } : undefined,
    acceptNewPins: f.acceptNewPins,
    wheelhouse: f.wheelhouse
      ? { from: path.resolve(f.wheelhouse) }
      : {
          build: {
            python: f.python,
            gitSources: parseGitSources(f.gitSource),
            allowGit: f.allowGit,
            skipGit: f.skipGit,
            pipArgs: f.indexUrl ? ['--index-url', f.indexUrl] : undefined,
          },
        },
    signingKeyPem: f.signKey ? readKey(f.signKey, '--sign-key') : undefined,
    extraWheels: (f.extraWheel ?? []).map((w) => path.resolve(w)),
    catalogDir: f.catalogDir,
    pinsDir: f.pinsDir,
    onEvent: terminalProgress(f.json === true),
    onLog: f.json ? undefined : (l) => /building|taken from the cache/.test(l) && write(`  ${l}\n`),
  };
  const { createBundle } = await import('../../bundle/create.js');
  const r = await createBundle(options);
  const total = r.manifest.files.reduce((n, x) => n + x.size, 0);
  if (f.json) {
    write(
      `${JSON.stringify({ type: 'bundle-created', out, files: r.manifest.files.length, bytes: total, ms: r.ms, newPins: r.newPins, pinsFile: r.pinsFile, manifestSha256: r.manifest.manifestSha256 })}\n`,
    );
  } else {
    write(
      `Bundle ${out}: ${r.manifest.files.length} files, ${mib(total)} (${r.wheelhouse.wheels} wheels), in ${(r.ms / 1000).toFixed(1)} s.\n`,
    );
    write(`manifest sha256 ${r.manifest.manifestSha256}\n`);
    if (r.wheelhouse.build?.skippedGit.length)
      write(
        `WARNING: git pins left out (--skip-git): ${r.wheelhouse.build.skippedGit.map((g) => g.name).join(', ')}; this wheelhouse is incomplete.\n`,
      );
    if (r.newPins.length) {
      write(`New pins written to ${r.pinsFile} — review and commit them:\n`);
      for (const p of r.newPins) write(`  ${p.key} ${p.sha256} (${p.size} bytes)\n`);
    }
  }
  return EXIT.ok;
}

async function runVerify(dir: string, f: VerifyFlags): Promise<number> {
  const { describeReport, verifyBundle } = await import('../../bundle/verify.js');
  const r = await verifyBundle(path.resolve(dir), {
    publicKeyPem: f.publicKey ? readKey(f.publicKey, '--public-key') : undefined,
  });
  const { manifest: _m, ...summary } = r;
  if (f.json) write(`${JSON.stringify(summary)}\n`);
  else {
    const rate = r.ms > 0 ? r.bytes / 1048576 / (r.ms / 1000) : 0;
    if (r.ok)
      write(
        `OK: ${r.files} files, ${mib(r.bytes)} match the manifest (${r.ms} ms, ${rate.toFixed(0)} MiB/s).\n`,
      );
    else {
      write(`FAILED: the bundle at ${r.dir} does not match its manifest:\n`);
      for (const line of describeReport(r)) write(`  ${line}\n`);
      write('What to do: copy the bundle again from the machine that built it, or rebuild it.\n');
    }
  }
  // A bundle that does not verify is bad input for an install: 64, like invalid answers.
  return r.ok ? EXIT.ok : EXIT.invalidInput;
}

/** `bundle create` (connected machine) and `bundle verify` (anywhere, offline). */
export const bundleCommand: CliCommand = (program: Command, done) => {
  const bundle = program
    .command('bundle')
    .description('build and check offline bundles for air-gapped servers');
  bundle
    .command('create')
    .description('download every artifact and wheel for a release into a folder with a manifest')
    .option('--release <release>', 'QATrack+ release from the catalog, e.g. 3.1.1.4 or 4.0.x', '3.1.1.4')
    .option('--arch <arch>', 'Python bitness on the target: x64 or x86', 'x64')
    .requiredOption('--out <dir>', 'new or empty folder for the bundle')
    .option('--mirror <url>', 'internal mirror base URL, tried before the vendor URLs (same paths)')
    .option('--mirror-only', 'use only the mirror')
    .option('--cache <dir>', 'download cache (default: .qatrack-bundle-cache beside --out)')
    .option('--include <ids>', 'optional artifacts to add, comma-separated: sqlexpress,chrome')
    .option(
      '--sqlexpress-media <file>',
      'SQLEXPR_x64_ENU.exe prepared on Windows with SQL2022-SSEI-Expr.exe /ACTION=Download /MEDIATYPE=Core (implies --include sqlexpress)',
    )
    .option(
      '--accept-new-pins',
      'pin artifacts without a published SHA-256 by this download (review the pins file)',
    )
    .option('--wheelhouse <dir>', 'use this prepared wheelhouse instead of running pip')
    .option(
      '--extra-wheel <file...>',
      'add this wheel to the wheelhouse as it is, pinned by its SHA-256 in the manifest (e.g. python-ldap for Active Directory: PyPI has no Windows wheel)',
    )
    .option('--git-source <name=path...>', 'local checkout or archive for a git-pinned requirement')
    .option('--allow-git', 'build git-pinned requirements from GitHub')
    .option('--skip-git', 'leave git-pinned requirements out (incomplete wheelhouse, for measuring)')
    .option('--python <exe>', 'builder Python with pip (default python3)')
    .option('--index-url <url>', 'Python package index for the wheelhouse (e.g. an internal PyPI mirror)')
    .option('--sign-key <pem>', 'Ed25519 private key: write a detached manifest.sig')
    .option('--json', 'events and the result as JSON lines')
    .addOption(new Option('--catalog-dir <dir>', 'catalog folder (tests)').hideHelp())
    .addOption(new Option('--pins-dir <dir>', 'pins folder (tests)').hideHelp())
    .action(async (f: CreateFlags) => done(await runCreate(f), f));
  bundle
    .command('verify <dir>')
    .description('check every file of a bundle against its manifest (names missing, extra, altered files)')
    .option('--public-key <pem>', 'Ed25519 public key the manifest signature must verify with')
    .option('--json', 'result as JSON')
    .action(async (dir: string, f: VerifyFlags) => done(await runVerify(dir, f), f));
};
