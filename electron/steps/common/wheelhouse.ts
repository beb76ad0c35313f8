import { createHash } from 'node:crypto';
import type { ActionInput } from '../../engine/actions/index.js';
import { InputError } from '../../engine/errors.js';
import { defineStep, type StepContext } from '../../engine/step.js';

/** Written into the venv after a successful install: what was installed from where. */
export const wheelhouseStampPath = (ctx: StepContext) =>
  ctx.layout.join(ctx.layout.venvDir, 'qatrack-wheelhouse.sha256');

const CHECK_FACT = 'wheelhouse.pipCheck';

/**
 * What `pip check` does (every installed distribution's requirements are installed in a matching
 * version), in a fifth of its time: it reads the metadata directly instead of loading pip. Uses
 * pip's vendored `packaging`; without it, only the presence of each requirement is checked.
 */
export const CONSISTENCY_CHECK = [
  'import sys',
  'from importlib import metadata',
  'try:',
  '    from pip._vendor.packaging.requirements import Requirement',
  '    from pip._vendor.packaging.utils import canonicalize_name',
  'except ImportError:',
  '    Requirement = None',
  '    canonicalize_name = lambda n: n.lower().replace("_", "-").replace(".", "-")',
  'dists = {canonicalize_name(d.metadata["Name"]): d for d in metadata.distributions()}',
  'bad = []',
  'for name, d in sorted(dists.items()):',
  '    for r in d.requires or []:',
  '        if Requirement is None:',
  '            if ";" in r: continue',
  '            dep_name = r.split(" ")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].split("!")[0].split("~")[0]',
  '            if canonicalize_name(dep_name) not in dists: bad.append("%s requires %s" % (name, r))',
  '            continue',
  '        req = Requirement(r)',
  '        if req.marker and not req.marker.evaluate({"extra": ""}): continue',
  '        dep = dists.get(canonicalize_name(req.name))',
  '        if dep is None or not req.specifier.contains(dep.version, prereleases=True):',
  '            bad.append("%s requires %s" % (name, r))',
  'print("\\n".join(bad) or "No broken requirements found.")',
  'sys.exit(1 if bad else 0)',
].join('\n');

export interface WheelhouseProbe {
  /** The requirements file used (inside the wheelhouse, else the source tree). */
  requirements?: string;
  /** sha256 of the requirements + the wheelhouse listing; undefined when the wheelhouse cannot be read. */
  expectedStamp?: string;
  installedStamp?: string;
  /** No broken requirements, as `pip check` (only checked when the stamp matches). */
  consistent: boolean;
  wheelhouseIssue?: string;
}

/** The requirements file: the bundle's `wheelhouse/requirements.txt`, else the release's own file. */
async function findRequirements(ctx: StepContext, wheelhouse: string) {
  const candidates = [
    ctx.layout.join(wheelhouse, 'requirements.txt'),
    ctx.layout.join(
      ctx.layout.sourceDir,
      'requirements',
      ctx.layout.platform === 'win32' ? 'win.txt' : 'base.txt',
    ),
  ];
  for (const path of candidates) {
    const f = await ctx.host.query({ kind: 'file', path, content: true });
    if (f.exists && f.type === 'file' && f.content !== undefined) return { path, content: f.content };
  }
  return undefined;
}

/** The wheels in the wheelhouse folder, or why it cannot be used. */
export async function listWheelhouse(
  ctx: StepContext,
): Promise<{ issue: string } | { dir: string; wheels: string[] }> {
  const dir = ctx.release.wheelhouseDir;
  if (!dir) return { issue: 'no wheelhouse folder is configured' };
  const listing = await ctx.host.query({ kind: 'listDir', path: dir });
  if (!listing.exists) return { issue: `${dir} does not exist or cannot be read` };
  const wheels = listing.entries
    .filter((e) => e.type === 'file' && /\.(whl|tar\.gz|zip)$/i.test(e.name))
    .map((e) => e.name);
  if (wheels.length === 0) return { issue: `${dir} holds no wheels` };
  return { dir, wheels };
}

/** Why the wheelhouse cannot be used, or the requirements file and the stamp it would give. */
async function readWheelhouse(
  ctx: StepContext,
): Promise<{ issue: string } | { requirements: string; stamp: string }> {
  const listed = await listWheelhouse(ctx);
  if ('issue' in listed) return listed;
  const req = await findRequirements(ctx, listed.dir);
  if (!req) return { issue: `no requirements.txt in ${listed.dir}` };
  const stamp = createHash('sha256')
    .update(req.content)
    .update('\0')
    .update(listed.wheels.join('\n'))
    .digest('hex');
  return { requirements: req.path, stamp };
}

export async function probeWheelhouse(ctx: StepContext): Promise<WheelhouseProbe> {
  const stampFile = await ctx.host.query({ kind: 'file', path: wheelhouseStampPath(ctx), content: true });
  const installedStamp = stampFile.exists ? stampFile.content?.trim() : undefined;
  let wh = await readWheelhouse(ctx);
  if ('issue' in wh && ctx.layout.platform === 'win32' && ctx.release.wheelhouseDir) {
    // Windows: the bundle (checked by its own step) may not be on the machine at plan time.
    wh = {
      requirements: ctx.layout.join(ctx.release.wheelhouseDir, 'requirements.txt'),
      stamp: `release ${ctx.release.id}`,
    };
  }
  if ('issue' in wh) return { consistent: false, installedStamp, wheelhouseIssue: wh.issue };
  let consistent = false;
  if (installedStamp === wh.stamp) {
    const check = await ctx.host.query({
      kind: 'exec',
      file: ctx.layout.venvPython,
      args: ['-c', CONSISTENCY_CHECK],
      timeoutMs: 60_000,
      simFact: CHECK_FACT,
    });
    consistent = check.exitCode === 0;
  }
  return { requirements: wh.requirements, expectedStamp: wh.stamp, installedStamp, consistent };
}

/**
 * Installs QATrack+'s Python packages offline from the wheelhouse (never the network), with the
 * bundle's `uv` when there is one (much faster), else pip. A stamp in the venv records what was
 * installed, so a rerun with the same wheelhouse plans nothing.
 */
export const wheelhouseStep = defineStep<WheelhouseProbe>({
  id: 'wheelhouse',
  title: 'Python packages (offline wheelhouse)',
  dependsOn: ['venv', 'source'],
  probe: probeWheelhouse,
  plan(ctx, probed): ActionInput[] {
    if (!probed.expectedStamp || !probed.requirements) {
      throw new InputError(
        'WHEELHOUSE_MISSING',
        `The wheelhouse cannot be used: ${probed.wheelhouseIssue ?? 'unknown problem'}.`,
        [{ path: 'paths.wheelhouseDir', message: probed.wheelhouseIssue ?? 'cannot be read' }],
        'Point paths.wheelhouseDir (or paths.bundleDir) at a readable folder of wheels with a requirements.txt.',
      );
    }
    if (probed.installedStamp === probed.expectedStamp && probed.consistent) return [];
    return planInstall(ctx, probed.requirements, probed.expectedStamp);
  },
  async verify(ctx) {
    const p = await probeWheelhouse(ctx);
    const ok = p.installedStamp !== undefined && p.installedStamp === p.expectedStamp && p.consistent;
    return [
      {
        id: 'wheelhouse',
        title: 'Python packages installed from the wheelhouse',
        ok,
        detail: ok
          ? 'installed, every requirement satisfied'
          : (p.wheelhouseIssue ?? 'not installed, outdated or broken'),
        fix: ok ? undefined : 'Run `repair`.',
      },
    ];
  },
});

function planInstall(ctx: StepContext, requirements: string, stamp: string): ActionInput[] {
  const { layout, release } = ctx;
  const wheelhouse = release.wheelhouseDir!;
  const common = ['--no-index', '--find-links', wheelhouse, '-r', requirements];
  const install: ActionInput = release.uvExe
    ? {
        kind: 'exec',
        describe: `Install Python packages from ${wheelhouse} into ${layout.venvDir} with uv (offline)`,
        file: release.uvExe,
        // --compile-bytecode: as pip does; services then start without compiling (and a service
        // account that may not write to the program folder never has to).
        args: ['pip', 'install', '--python', layout.venvPython, '--offline', '--compile-bytecode', ...common],
        env: { UV_NO_PROGRESS: '1' },
        timeoutMs: 900_000,
      }
    : {
        kind: 'exec',
        describe: `Install Python packages from ${wheelhouse} into ${layout.venvDir} with pip (offline)`,
        file: layout.venvPython,
        args: ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...common],
        timeoutMs: 1_800_000,
      };
  install.produces = [
    {
      kind: 'fact',
      key: CHECK_FACT,
      value: { exitCode: 0, stdout: 'No broken requirements found.\n', stderr: '' },
    },
  ];
  return [
    install,
    {
      kind: 'writeFile',
      describe: `Record the installed wheelhouse in ${wheelhouseStampPath(ctx)}`,
      path: wheelhouseStampPath(ctx),
      content: [stamp + '\n'],
    },
  ];
}
