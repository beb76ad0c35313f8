import { copyFile, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { devNull, tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { InstallerError } from '../engine/errors.js';
import { z } from 'zod';
import { normalizeName, splitRequirements, type GitRequirement } from './requirements.js';
import { MARKER_GAPS_SCRIPT, targetMarkerEnvironment } from './target-markers.js';

export type WheelPlatform = 'win_amd64' | 'win32';
export const platformForArch = (arch: 'x64' | 'x86'): WheelPlatform =>
  arch === 'x64' ? 'win_amd64' : 'win32';

export interface WheelhouseOptions {
  requirements: string[];
  platform: WheelPlatform;
  /** Target interpreter version, e.g. "3.9". */
  pythonVersion: string;
  dest: string;
  /** Builder-side Python with pip (default python3). */
  python?: string;
  /** Local checkout folders or sdist archives standing in for git pins, by egg name. */
  gitSources?: Record<string, string>;
  /** Build git pins from their URLs (needs GitHub). */
  allowGit?: boolean;
  /** Leave git pins out (reported in the result), e.g. to measure the index part alone. */
  skipGit?: boolean;
  /** Extra pip arguments for every call, e.g. ['--index-url', URL] or ['--no-index', '--find-links', DIR]. */
  pipArgs?: string[];
  onLog?: (line: string) => void;
  /** Upper bound on download / build-from-sdist rounds. */
  maxRounds?: number;
}

export interface WheelhouseResult {
  wheels: string[];
  /** Requirements that had no wheel for the target and were built on this machine (pure Python). */
  builtFromSdist: string[];
  builtFromGit: string[];
  skippedGit: GitRequirement[];
  bytes: number;
  seconds: number;
}

/** pip with a clean configuration: no machine-wide find-links/constraints leaking into a bundle. */
function pipEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('PIP_') && !['PIP_CERT', 'PIP_DEFAULT_TIMEOUT', 'PIP_INDEX_URL'].includes(k)) continue;
    env[k] = v;
  }
  env.PIP_CONFIG_FILE = devNull;
  env.PIP_DISABLE_PIP_VERSION_CHECK = '1';
  env.PIP_NO_INPUT = '1';
  return env;
}

async function pip(python: string, args: string[], log?: (l: string) => void) {
  const res = await execa(python, ['-m', 'pip', ...args], {
    env: pipEnv(),
    extendEnv: false,
    reject: false,
    all: true,
  });
  if (log) for (const line of res.all.split('\n')) if (line.trim()) log(line);
  return res;
}

/**
 * The requirement pip could not find a target wheel for, from its error output. Either pip says so
 * directly, or, when only some versions lack wheels, it reports a conflict instead: measured with
 * QATrack+ 4.0's pylinac, whose py-linq needs `future<0.19.0,>=0.18.2` and future 0.18.x is an
 * sdist only ("py-linq 1.4.0 depends on future<0.19.0 and >=0.18.2" under "The conflict is caused
 * by:"). That dependency, built into a pure wheel, settles the conflict.
 */
export function unresolvedRequirement(output: string): string | undefined {
  const direct = /No matching distribution found for (\S+)/.exec(output)?.[1];
  if (direct) return direct;
  const cause = output.split('The conflict is caused by:')[1];
  const dep = cause && /^\s*\S+ \S+ depends on ([A-Za-z0-9._-]+)([^\n]*)$/m.exec(cause);
  if (!dep) return undefined;
  const specs = dep[2]!
    .split(' and ')
    .map((s) => s.trim())
    .filter(Boolean);
  return specs.length > 0 && specs.every((s) => /^(?:[<>=!~]=?|===)\s*\S+$/.test(s))
    ? `${dep[1]}${specs.join(',')}`
    : undefined;
}

const isPureWheel = (file: string) =>
  /-(py2\.py3|py3|py2\.py3\.[^-]+)-none-any\.whl$/.test(file) || /-none-any\.whl$/.test(file);

/** Build one requirement (a spec or a local path) into a wheel; only pure-Python wheels fit another OS. */
async function buildPureWheel(
  python: string,
  spec: string,
  dest: string,
  pipArgs: string[],
  log?: (l: string) => void,
): Promise<string> {
  const work = await mkdtemp(path.join(tmpdir(), 'wheel-build-'));
  try {
    const res = await pip(
      python,
      ['wheel', '--no-deps', '--no-binary=:all:', '-w', work, ...pipArgs, spec],
      log,
    );
    if (res.exitCode !== 0) {
      throw new InstallerError(
        'WHEELHOUSE_BUILD_FAILED',
        `Could not build a wheel for ${spec}: ${res.all.split('\n').slice(-3).join(' ')}`,
        'Check that the package builds with pip on this machine, or provide a wheel for the target platform.',
      );
    }
    const built = (await readdir(work)).filter((f) => f.endsWith('.whl'));
    const wheel = built[0];
    if (!wheel)
      throw new InstallerError('WHEELHOUSE_BUILD_FAILED', `pip wheel produced nothing for ${spec}.`);
    if (!isPureWheel(wheel)) {
      throw new InstallerError(
        'WHEELHOUSE_NOT_PORTABLE',
        `${spec} has no wheel for the target platform and builds to ${wheel}, which contains compiled code for this machine, not Windows.`,
        'Build that wheel on a Windows machine (pip wheel) and pass its folder, or pin a version that publishes Windows wheels.',
      );
    }
    await rename(path.join(work, wheel), path.join(dest, wheel));
    return wheel;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * A direct wheel URL pin: copied from the local file given for it (which must carry the URL's file
 * name, so it is the same build), or downloaded with the target's tags checked by pip.
 */
async function fetchDirectWheel(
  python: string,
  g: GitRequirement,
  local: string | undefined,
  o: WheelhouseOptions,
  pipArgs: string[],
): Promise<void> {
  const file = decodeURIComponent(new URL(g.url).pathname.split('/').pop()!);
  if (local) {
    if (path.basename(local) !== file)
      throw new InstallerError(
        'WHEELHOUSE_WHEEL_MISMATCH',
        `--git-source ${g.name}=${local} is not the pinned wheel ${file}.`,
        `Download ${g.url} and pass that file.`,
      );
    await copyFile(local, path.join(o.dest, file));
    return;
  }
  const res = await pip(
    python,
    ['download', '--no-deps', ...targetArgs(o), '-d', o.dest, ...pipArgs, g.line],
    o.onLog,
  );
  if (res.exitCode !== 0)
    throw new InstallerError(
      'WHEELHOUSE_UNRESOLVED',
      `Could not download ${g.url} for ${o.platform}: ${
        res.all
          .split('\n')
          .filter((l) => l.startsWith('ERROR'))
          .join(' ') || res.all.slice(-300)
      }`,
      `Download it on a machine that reaches GitHub and pass --git-source ${g.name}=FILE.whl.`,
    );
}

const targetArgs = (o: Pick<WheelhouseOptions, 'platform' | 'pythonVersion'>) => [
  '--only-binary=:all:',
  '--platform',
  o.platform,
  '--python-version',
  o.pythonVersion,
  '--implementation',
  'cp',
];

/**
 * Fill `dest` with wheels for the target platform so `pip install --no-index --find-links dest`
 * resolves every requirement: target wheels from the index, pure-Python wheels built here for
 * requirements that only ship sdists, git pins built from a local checkout (or GitHub when allowed).
 * Ends with a dry resolution against the folder alone.
 */
export async function buildWheelhouse(o: WheelhouseOptions): Promise<WheelhouseResult> {
  const started = Date.now();
  const python = o.python ?? 'python3';
  const pipArgs = o.pipArgs ?? [];
  await mkdir(o.dest, { recursive: true });
  const { index, git } = splitRequirements(o.requirements);
  const result: WheelhouseResult = {
    wheels: [],
    builtFromSdist: [],
    builtFromGit: [],
    skippedGit: [],
    bytes: 0,
    seconds: 0,
  };

  const gitNames: string[] = [];
  const missing: GitRequirement[] = [];
  for (const g of git) {
    const local = o.gitSources?.[g.name] ?? o.gitSources?.[normalizeName(g.name)];
    if (o.skipGit && !local) {
      result.skippedGit.push(g);
      continue;
    }
    if (g.wheel && (local || o.allowGit)) {
      await fetchDirectWheel(python, g, local, o, pipArgs);
    } else if (local) {
      await buildPureWheel(python, local, o.dest, pipArgs, o.onLog);
    } else if (o.allowGit) {
      await buildPureWheel(python, g.line, o.dest, pipArgs, o.onLog);
    } else {
      missing.push(g);
      continue;
    }
    result.builtFromGit.push(g.name);
    gitNames.push(g.name);
  }
  if (missing.length > 0) {
    throw new InstallerError(
      'WHEELHOUSE_GIT_PINS',
      `These requirements are pinned to GitHub (git repositories or release wheels) and need it: ${missing
        .map((g) => (g.wheel ? `${g.name} (${g.url})` : `${g.name} (${g.url}@${g.ref ?? 'default branch'})`))
        .join(', ')}.`,
      'On a machine that reaches GitHub add --allow-git; otherwise download each wheel, or clone each repository at that commit, and pass --git-source NAME=PATH (a .whl, a folder or a .tar.gz/.zip).',
    );
  }

  const reqFile = path.join(o.dest, '..', `.requirements-${o.platform}.txt`);
  // Requirements only the target needs (Windows markers), found after each pass: see target-markers.ts.
  const forTarget: string[] = [];
  for (let pass = 0; ; pass++) {
    await writeFile(reqFile, [...index, ...gitNames, ...forTarget].join('\n') + '\n');
    await downloadRounds(o, python, pipArgs, reqFile, result);
    const gaps = await markerGaps(python, o);
    if (gaps.length === 0) break;
    if (pass >= 10 || gaps.every((g) => forTarget.includes(g))) {
      throw new InstallerError(
        'WHEELHOUSE_UNRESOLVED',
        `pip could not fetch the requirements that only ${o.platform} needs: ${gaps.join(', ')}.`,
        'Pin a version that publishes wheels for the target, or build the missing wheel on Windows and add it.',
      );
    }
    o.onLog?.(`needed on ${o.platform} only (environment markers): ${gaps.join(', ')}`);
    forTarget.push(...gaps.filter((g) => !forTarget.includes(g)));
  }
  await rm(reqFile, { force: true });
  await checkWheelhouse({ ...o, requirements: [...index, ...gitNames] });
  for (const f of (await readdir(o.dest)).sort()) {
    if (!f.endsWith('.whl')) continue;
    result.wheels.push(f);
    result.bytes += (await stat(path.join(o.dest, f))).size;
  }
  result.seconds = (Date.now() - started) / 1000;
  return result;
}

/** `pip download` rounds until the requirements resolve, building pure wheels for sdist-only ones. */
async function downloadRounds(
  o: WheelhouseOptions,
  python: string,
  pipArgs: string[],
  reqFile: string,
  result: WheelhouseResult,
): Promise<void> {
  const rounds = o.maxRounds ?? 20;
  for (let round = 0; ; round++) {
    const res = await pip(
      python,
      ['download', ...targetArgs(o), '--find-links', o.dest, '-d', o.dest, ...pipArgs, '-r', reqFile],
      o.onLog,
    );
    if (res.exitCode === 0) break;
    const spec = unresolvedRequirement(res.all);
    if (!spec || round >= rounds || result.builtFromSdist.includes(spec)) {
      throw new InstallerError(
        'WHEELHOUSE_UNRESOLVED',
        `pip could not resolve the requirements for ${o.platform} (Python ${o.pythonVersion}): ${
          res.all
            .split('\n')
            .filter((l) => l.startsWith('ERROR'))
            .join(' ') || res.all.slice(-500)
        }`,
        'Pin a version that publishes wheels for the target, or build the missing wheel on Windows and add it.',
      );
    }
    o.onLog?.(`no ${o.platform} wheel for ${spec}: building it from its source distribution`);
    await buildPureWheel(python, spec, o.dest, pipArgs, o.onLog);
    result.builtFromSdist.push(spec);
  }
}

/** Requirements that some wheel in the folder needs on the target and the folder does not hold. */
export async function markerGaps(
  python: string,
  o: Pick<WheelhouseOptions, 'platform' | 'pythonVersion' | 'dest'>,
): Promise<string[]> {
  const res = await execa(
    python,
    ['-c', MARKER_GAPS_SCRIPT, o.dest, JSON.stringify(targetMarkerEnvironment(o.platform, o.pythonVersion))],
    { env: pipEnv(), extendEnv: false, reject: false },
  );
  if (res.exitCode !== 0) {
    throw new InstallerError(
      'WHEELHOUSE_CHECK_FAILED',
      `Could not read the wheels' requirements in ${o.dest}: ${res.stderr.split('\n').slice(-2).join(' ')}`,
      'The builder needs python3 with pip (pip provides the requirement parser).',
    );
  }
  return z.array(z.string()).parse(JSON.parse(res.stdout));
}

/**
 * The folder alone must resolve every requirement for the target: the same pip resolution with the
 * index switched off (what `pip install --no-index --find-links` will do on the server).
 */
export async function checkWheelhouse(
  o: Pick<WheelhouseOptions, 'requirements' | 'platform' | 'pythonVersion' | 'dest' | 'python'>,
): Promise<void> {
  const work = await mkdtemp(path.join(tmpdir(), 'wheelhouse-check-'));
  try {
    const reqFile = path.join(work, 'requirements.txt');
    await writeFile(reqFile, o.requirements.join('\n') + '\n');
    const check = await pip(o.python ?? 'python3', [
      'download',
      ...targetArgs(o),
      '--no-index',
      '--find-links',
      o.dest,
      '-d',
      path.join(work, 'resolved'),
      '-r',
      reqFile,
    ]);
    if (check.exitCode !== 0) {
      throw new InstallerError(
        'WHEELHOUSE_INCOMPLETE',
        `The wheelhouse ${o.dest} does not resolve offline for ${o.platform}: ${check.all
          .split('\n')
          .filter((l) => l.startsWith('ERROR'))
          .join(' ')}`,
        'Add the missing wheels (bundle create builds them when run without --wheelhouse).',
      );
    }
    // pip's check above evaluates markers for this machine, not the target: see target-markers.ts.
    const gaps = await markerGaps(o.python ?? 'python3', o);
    if (gaps.length > 0) {
      throw new InstallerError(
        'WHEELHOUSE_INCOMPLETE',
        `The wheelhouse ${o.dest} lacks what only ${o.platform} needs (environment markers): ${gaps.join(', ')}.`,
        'Add the missing wheels (bundle create builds them when run without --wheelhouse).',
      );
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
