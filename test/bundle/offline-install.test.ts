import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBundle } from '../../electron/bundle/create.js';
import { makeFixtureCatalog, makeFixtureWheels } from '../../scripts/bundle-fixture-lib.js';
import { startMirror } from '../support/bundle-mirror.js';

const repo = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repo, 'bin', 'qatrack-installer.js');
const steps = path.join(repo, 'test', 'fixtures', 'engine', 'steps.ts');

/** True when this process may create a network namespace (root, or unprivileged user namespaces). */
function canUnshareNet(): boolean {
  try {
    execFileSync('unshare', ['--net', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
// QATRACK_TEST_NO_UNSHARE=1 exercises the preload fallback on a machine that has unshare.
const netns = process.env.QATRACK_TEST_NO_UNSHARE !== '1' && canUnshareNet();
const refuse = path.join(repo, 'test', 'support', 'refuse-network.mjs');

let work: string;
let bundleDir: string;

/**
 * Node inside a fresh network namespace (no interface up: every connection fails), or, where
 * namespaces are not permitted, with a preload that refuses every TCP connection of the process.
 */
const isolated = (args: string[]) =>
  netns
    ? execa('unshare', ['--net', process.execPath, ...args], { reject: false, cwd: repo })
    : execa(process.execPath, ['--import', refuse, ...args], { reject: false, cwd: repo });
const offline = (args: string[]) => isolated([cli, ...args]);

async function answersFor(name: string, bundle: string): Promise<{ answers: string; state: string }> {
  const example = JSON.parse(await readFile(path.join(repo, 'resources/examples/answers.json'), 'utf8'));
  example.paths.bundleDir = bundle;
  const answers = path.join(work, `${name}.answers.json`);
  await writeFile(answers, JSON.stringify(example));
  return { answers, state: path.join(work, `${name}.state.json`) };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'bundle-offline-'));
  const wheels = path.join(work, 'wheels');
  const requirements = await makeFixtureWheels(wheels);
  const fixture = await makeFixtureCatalog(path.join(work, 'src'), { requirements, artifactBytes: 50_000 });
  const mirror = await startMirror(fixture.files);
  bundleDir = path.join(work, 'bundle');
  try {
    await createBundle({
      release: fixture.release,
      arch: 'x64',
      out: bundleDir,
      cacheDir: path.join(work, 'cache'),
      mirror: mirror.url,
      mirrorOnly: true,
      catalogDir: fixture.catalogDir,
      pinsDir: fixture.pinsDir,
      acceptNewPins: true,
      wheelhouse: { build: { pipArgs: ['--no-index', '--find-links', wheels] } },
    });
  } finally {
    await mirror.close();
  }
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe(`install from a bundle with every outbound connection refused (${netns ? 'unshare --net' : 'refusing preload'})`, () => {
  it('the sandbox really has no network (a connection attempt fails inside it)', async () => {
    const r = await isolated([
      '-e',
      "require('node:net').connect(443, '1.1.1.1').on('error', (e) => { console.log(e.code); process.exit(3); }).on('connect', () => process.exit(0))",
    ]);
    expect(r.exitCode).toBe(3);
    expect(r.stdout).toMatch(/ENETUNREACH|EHOSTUNREACH|ECONNREFUSED/);
  });

  it('bundle verify and install succeed offline', async () => {
    const v = await offline(['bundle', 'verify', bundleDir]);
    expect(v.stdout).toContain('OK: 12 files'); // with tools/uv.exe and wheelhouse/requirements.txt
    expect(v.exitCode).toBe(0);

    const { answers, state } = await answersFor('ok', bundleDir);
    const r = await offline([
      'install',
      '--host',
      `sim:${state}`,
      '--answers',
      answers,
      '--yes',
      '--steps-module',
      steps,
      '--json',
    ]);
    expect(r.stderr).not.toMatch(/ENOTFOUND|EAI_AGAIN|ENETUNREACH/);
    expect(r.exitCode).toBe(0);
    // The steps ran: the sim machine now has the program folder.
    expect(await readFile(state, 'utf8')).toContain('QATrack');
  });

  it('a single altered byte aborts before any change, naming the file', async () => {
    const target = path.join(bundleDir, 'artifacts', 'rewrite_amd64_en-US.msi');
    const original = await readFile(target);
    const altered = Buffer.from(original);
    altered[7] = altered[7]! ^ 0x01;
    await writeFile(target, altered);
    try {
      const { answers, state } = await answersFor('altered', bundleDir);
      const r = await offline([
        'install',
        '--host',
        `sim:${state}`,
        '--answers',
        answers,
        '--yes',
        '--steps-module',
        steps,
      ]);
      expect(r.exitCode).toBe(64);
      expect(r.stdout + r.stderr).toContain('BUNDLE_INVALID');
      expect(r.stdout + r.stderr).toContain('artifacts/rewrite_amd64_en-US.msi');
      // Nothing installed: the sim machine was never created or written.
      expect(existsSync(state)).toBe(false);
    } finally {
      await writeFile(target, original);
    }
  });
});
