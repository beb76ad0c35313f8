/**
 * One `npm run dist` (stand-in Electron runtime, throwaway signing certificate) shared by every
 * packaging test file: built once per content of its inputs into `.cache/packed-dist/<sha256>/`,
 * under a lock so two test files (vitest forks) never build at the same time. A later test run with
 * unchanged sources reuses it. Returns where the setup, the unpacked app and the build log are.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import lockfile from 'proper-lockfile';
import { dist, type DistResult } from '../../../scripts/dist.js';

const repo = path.resolve(import.meta.dirname, '../../..');
/** What goes into the packed app or the setup. */
const INPUTS = ['package.json', 'package-lock.json', 'electron', 'renderer', 'build', 'scripts', 'resources'];

export interface SharedDist extends DistResult {
  dir: string;
  winUnpacked: string;
  asar: string;
  /** Throwaway code-signing certificate (PEM) the build was signed with. */
  certPem: string;
  /** The build's output lines (the password never appears in them). */
  log: string[];
  /** True when this call built it (false: reused from the cache). */
  built: boolean;
}

async function inputsHash(): Promise<string> {
  const { stdout } = await execa('git', ['ls-files', '-co', '--exclude-standard', '--', ...INPUTS], {
    cwd: repo,
  });
  const hash = createHash('sha256');
  for (const file of stdout.split('\n').filter(Boolean).sort()) {
    const full = path.join(repo, file);
    if (!existsSync(full)) continue;
    hash
      .update(file)
      .update('\0')
      .update(await readFile(full))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

async function makeCertificate(dir: string) {
  const certPem = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const pfx = path.join(dir, 'sign.pfx');
  const pass = path.join(dir, 'pfx-pass.txt');
  await writeFile(pass, 'canary-Pfx-Passw0rd!\n', { mode: 0o600 });
  await execa('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    certPem,
    '-days',
    '2',
    '-subj',
    '/CN=QATrack Installer Test Signing',
    '-addext',
    'extendedKeyUsage=codeSigning',
  ]);
  await execa('openssl', [
    'pkcs12',
    '-export',
    '-out',
    pfx,
    '-inkey',
    key,
    '-in',
    certPem,
    '-passout',
    `file:${pass}`,
  ]);
  await rm(key);
  return { certPem, pfx, pass };
}

/** Builds of other source states, older than 6 hours (other worktrees may still use newer ones). */
async function pruneOld(root: string, keep: string): Promise<void> {
  for (const name of await readdir(root)) {
    if (name === keep || !/^[0-9a-f]{16}$/.test(name)) continue;
    const s = await stat(path.join(root, name)).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > 6 * 3600_000)
      await rm(path.join(root, name), { recursive: true, force: true });
  }
}

export async function sharedDist(): Promise<SharedDist> {
  const root = path.join(repo, '.cache', 'packed-dist');
  await mkdir(root, { recursive: true });
  const key = await inputsHash();
  const dir = path.join(root, key);
  const release = path.join(dir, 'release');
  const done = path.join(dir, 'result.json');
  const release_ = await lockfile.lock(root, {
    retries: { retries: 600, minTimeout: 1000, maxTimeout: 1000 },
    stale: 900_000,
  });
  try {
    let built = false;
    if (!existsSync(done)) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      const cert = await makeCertificate(dir);
      // Always from fresh sources: the packed main, preload and renderer of this very tree.
      await execa('npm', ['run', 'build:app'], { cwd: repo });
      const log: string[] = [];
      const saved = { ...process.env };
      Object.assign(process.env, {
        QATRACK_SIGN_PFX: cert.pfx,
        QATRACK_SIGN_PASSWORD_FILE: cert.pass,
        QATRACK_SIGN_TIMESTAMP_URL: 'none', // no network here; production uses an RFC 3161 server
      });
      let result: DistResult;
      try {
        result = await dist({ outputDir: release, log: (l) => log.push(l) });
      } finally {
        for (const k of ['QATRACK_SIGN_PFX', 'QATRACK_SIGN_PASSWORD_FILE', 'QATRACK_SIGN_TIMESTAMP_URL'])
          if (saved[k] === undefined) delete process.env[k];
          else process.env[k] = saved[k];
      }
      await writeFile(done, JSON.stringify({ result, certPem: cert.certPem, log }, null, 2));
      built = true;
      await pruneOld(root, key);
    }
    const saved = JSON.parse(await readFile(done, 'utf8')) as {
      result: DistResult;
      certPem: string;
      log: string[];
    };
    const winUnpacked = path.join(release, 'win-unpacked');
    return {
      ...saved.result,
      dir,
      winUnpacked,
      asar: path.join(winUnpacked, 'resources', 'app.asar'),
      certPem: saved.certPem,
      log: saved.log,
      built,
    };
  } finally {
    await release_();
  }
}
