/**
 * The real QATrack+ release, not the fixture: its source is `git archive` of the release tag from a
 * local mirror of github.com/qatrackplus/qatrackplus, and its wheelhouse is built from the tag's own
 * pinned requirements, the three `-e git+...@COMMIT` pins included, built from mirrors of those
 * repositories at exactly those commits. Nothing of it is committed. Mirrors come from a session's
 * `fetch` (QATRACK_UPSTREAM_MIRRORS, default /work/.mirror, one `<owner>+<name>/repo` per repository).
 * CI has no GitHub, so there the real release cannot be had and the test that uses it is skipped.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { repoRoot, testPython } from './fixture.js';

export const MIRRORS = process.env.QATRACK_UPSTREAM_MIRRORS ?? '/work/.mirror';
const UPSTREAM = path.join(MIRRORS, 'qatrackplus+qatrackplus', 'repo');

export interface GitPin {
  name: string;
  url: string;
  commit: string;
}

export interface RealRelease {
  tag: string;
  /** qatrackplus-<version>.tar.gz with qatrackplus-<version>/ at the top, as a release archive is. */
  archive: string;
  /** Wheels and the requirements.txt the install reads (git pins replaced by the built wheels' names). */
  wheels: string;
  requirements: string[];
  gitPins: GitPin[];
}

const git = (dir: string, args: string[]) => execa('git', ['-C', dir, ...args]);

const show = async (tag: string, file: string) => (await git(UPSTREAM, ['show', `${tag}:${file}`])).stdout;

/** A mirror holding `commit` (a fork may be the one that still has it). */
async function mirrorWith(commit: string): Promise<string | undefined> {
  for (const name of await readdir(MIRRORS).catch(() => [] as string[])) {
    const dir = path.join(MIRRORS, name, 'repo');
    const r = await execa('git', ['-C', dir, 'cat-file', '-e', `${commit}^{commit}`], { reject: false });
    if (r.exitCode === 0) return dir;
  }
  return undefined;
}

/**
 * The tag's requirements as a posix install uses them: requirements/base.txt and postgres.txt (the
 * PostgreSQL driver), and CherryPy from win.txt, whose cheroot is the WSGI server the installer's
 * workers run on every host. `-e git+URL@COMMIT#egg=NAME` lines become git pins.
 */
async function requirementsOf(tag: string): Promise<{ plain: string[]; gitPins: GitPin[] }> {
  const lines = [
    ...(await show(tag, 'requirements/base.txt')).split('\n'),
    ...(await show(tag, 'requirements/postgres.txt')).split('\n'),
    ...(await show(tag, 'requirements/win.txt')).split('\n').filter((l) => /^CherryPy==/i.test(l)),
  ]
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !l.startsWith('-r '));
  const gitPins: GitPin[] = [];
  const plain: string[] = [];
  for (const l of lines) {
    const m = /^-e git\+(\S+?)@([0-9a-f]{40})#egg=(\S+)$/.exec(l);
    if (m) gitPins.push({ url: m[1]!, commit: m[2]!, name: m[3]! });
    else if (!l.startsWith('-e ')) plain.push(l);
  }
  // As the installer's catalog does (resources/catalog/releases/3.1.1.4.json): django-q 1.3.4 imports
  // pkg_resources, which setuptools 81 and later no longer have.
  plain.push('setuptools<81');
  return { plain, gitPins };
}

/** Why the real release cannot be built here, or undefined. */
export async function realReleaseUnavailable(tag: string): Promise<string | undefined> {
  if (!existsSync(UPSTREAM))
    return `no mirror of qatrackplus/qatrackplus in ${MIRRORS} (QATRACK_UPSTREAM_MIRRORS)`;
  const t = await execa('git', ['-C', UPSTREAM, 'rev-parse', '--verify', `${tag}^{commit}`], {
    reject: false,
  });
  if (t.exitCode !== 0) return `the mirror has no tag ${tag}`;
  for (const pin of (await requirementsOf(tag)).gitPins)
    if (!(await mirrorWith(pin.commit))) return `no mirror holds ${pin.name} at ${pin.commit} (${pin.url})`;
  if (!(await testPython())) return 'no Python 3.9 (scripts/test-python.sh)';
  return undefined;
}

/** pip as the test wheelhouse script runs it: PyPI alone, whatever this machine's pip config says. */
function pipEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PIP_CONFIG_FILE: '/dev/null' };
  for (const k of [
    'PIP_FIND_LINKS',
    'PIP_EXTRA_INDEX_URL',
    'PIP_CONSTRAINT',
    'PIP_INDEX_URL',
    'PIP_NO_INDEX',
  ])
    delete env[k];
  return env;
}

/**
 * Builds (once, cached in .cache by the tag's requirements and the Python) the release archive and
 * its wheelhouse. `pip wheel` builds the sdist-only pins (pure Python) and takes binary wheels for
 * the rest; the git pins are built from `git archive` of their commits.
 */
export async function realRelease(tag: string, log: (l: string) => void = () => {}): Promise<RealRelease> {
  const python = await testPython();
  if (!python) throw new Error('no Python 3.9 (scripts/test-python.sh)');
  const version = tag.replace(/^v/, '');
  const { plain, gitPins } = await requirementsOf(tag);
  const { stdout: pyver } = await execa(python, ['-c', 'import sys; print(sys.version_info[:2])']);
  const key = createHash('sha256')
    .update(JSON.stringify({ tag, plain, gitPins, pyver }))
    .digest('hex')
    .slice(0, 16);
  const dest = path.join(repoRoot, '.cache', `real-release-${version}-${key}`);
  const wheels = path.join(dest, 'wheels');
  const archive = path.join(dest, `qatrackplus-${version}.tar.gz`);
  const names = gitPins.map((p) => p.name);
  const requirements = [...plain, ...names];
  if (!existsSync(path.join(dest, '.complete'))) {
    const tmp = `${dest}.tmp-${process.pid}`;
    await rm(tmp, { recursive: true, force: true });
    await mkdir(path.join(tmp, 'wheels'), { recursive: true });
    const t0 = Date.now();
    await git(UPSTREAM, [
      'archive',
      '--format=tar.gz',
      `--prefix=qatrackplus-${version}/`,
      '-o',
      path.join(tmp, path.basename(archive)),
      tag,
    ]);
    const work = await mkdtemp(path.join(os.tmpdir(), 'qatrack-real-pins-'));
    try {
      for (const pin of gitPins) {
        const src = path.join(work, pin.name);
        await mkdir(src);
        const tarFile = path.join(work, `${pin.name}.tar`);
        await git((await mirrorWith(pin.commit))!, ['archive', '--format=tar', '-o', tarFile, pin.commit]);
        await execa('tar', ['-xf', tarFile, '-C', src]);
        await execa(
          python,
          [
            '-m',
            'pip',
            '--isolated',
            'wheel',
            '-q',
            '--use-pep517',
            '--no-deps',
            '-w',
            path.join(tmp, 'wheels'),
            src,
          ],
          { env: pipEnv() },
        );
        log(`built ${pin.name} from ${pin.commit.slice(0, 12)}`);
      }
      const reqIn = path.join(work, 'requirements.in');
      await writeFile(reqIn, `${plain.join('\n')}\n`);
      await execa(
        python,
        [
          '-m',
          'pip',
          '--isolated',
          'wheel',
          '-q',
          '--disable-pip-version-check',
          // Old setup.py-only sdists (django-admin-views 0.8.0, pylinac-qatrackplus...) need setuptools
          // and wheel to build; PEP 517 isolation brings them.
          '--use-pep517',
          '-w',
          path.join(tmp, 'wheels'),
          '-r',
          reqIn,
        ],
        { env: pipEnv() },
      );
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    await writeFile(path.join(tmp, 'wheels', 'requirements.txt'), `${requirements.join('\n')}\n`);
    await writeFile(path.join(tmp, '.complete'), `${Math.round((Date.now() - t0) / 1000)} s\n`);
    await rm(dest, { recursive: true, force: true });
    await rename(tmp, dest);
    log(`wheelhouse built in ${Math.round((Date.now() - t0) / 1000)} s`);
  }
  return { tag, archive, wheels, requirements, gitPins };
}
