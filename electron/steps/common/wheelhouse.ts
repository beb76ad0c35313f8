import { createHash } from 'node:crypto';
import { MANIFEST_FILE, manifestSchema } from '../../bundle/manifest.js';
import type { ActionInput } from '../../engine/actions/index.js';
import { InputError } from '../../engine/errors.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { usesDirectory } from '../../engine/answers/sign-in.js';

/**
 * Requirements beyond the release's own: python-ldap for Active Directory sign-in (not in
 * QATrack+ 3.1.1.4's requirements; its wheel comes with `bundle create --extra-wheel`).
 */
export const extraRequirements = (ctx: StepContext): string[] =>
  usesDirectory(ctx.answers.signIn.kind) ? ['python-ldap'] : [];

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

/**
 * The stamp file: a header, the stamp (sha256 of the requirements and of every wheel's name and
 * content), then one `sha256  file` line per wheel, as sha256sum writes them. The per-wheel lines let
 * a later run see which wheels changed and reinstall exactly those.
 */
const STAMP_HEADER = 'qatrack-wheelhouse 2';

export interface WheelhouseStamp {
  stamp: string;
  /** sha256 of each wheel by file name; empty for a stamp of the older format (a bare hash). */
  wheels: Record<string, string>;
}

export function renderStamp(s: WheelhouseStamp): string {
  const lines = Object.keys(s.wheels)
    .sort()
    .map((name) => `${s.wheels[name]}  ${name}`);
  return [STAMP_HEADER, `stamp ${s.stamp}`, ...lines].join('\n') + '\n';
}

export function parseStamp(text: string | undefined): WheelhouseStamp | undefined {
  const lines = (text ?? '').split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return undefined;
  if (lines[0] !== STAMP_HEADER) return { stamp: lines[0]!.trim(), wheels: {} };
  const stamp = /^stamp (.+)$/.exec(lines[1] ?? '')?.[1];
  if (!stamp) return undefined;
  const wheels: Record<string, string> = {};
  for (const l of lines.slice(2)) {
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(l);
    if (m) wheels[m[2]!] = m[1]!;
  }
  return { stamp, wheels };
}

export interface WheelhouseProbe {
  /** The requirements file used (inside the wheelhouse, else the source tree). */
  requirements?: string;
  /** What the stamp should be for this wheelhouse; undefined when the wheelhouse cannot be read. */
  expected?: WheelhouseStamp;
  installed?: WheelhouseStamp;
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

/**
 * sha256 of every wheel: from the bundle's manifest when the wheelhouse is the bundle's own
 * (install and repair verify every file of the bundle against it before any change), else read
 * from the file itself. A wheel the manifest does not list is read too.
 */
async function wheelHashes(
  ctx: StepContext,
  dir: string,
  wheels: string[],
): Promise<{ issue: string } | { hashes: Record<string, string> }> {
  const known: Record<string, string> = {};
  const bundle = ctx.answers.paths.bundleDir;
  if (bundle && ctx.layout.join(bundle, 'wheelhouse') === dir) {
    const f = await ctx.host.query({
      kind: 'file',
      path: ctx.layout.join(bundle, MANIFEST_FILE),
      content: true,
    });
    let raw: unknown;
    try {
      raw = f.exists && f.content ? JSON.parse(f.content) : undefined;
    } catch {
      raw = undefined;
    }
    const manifest = manifestSchema.safeParse(raw);
    if (manifest.success)
      for (const m of manifest.data.files)
        if (m.path.startsWith('wheelhouse/')) known[m.path.slice('wheelhouse/'.length)] = m.sha256;
  }
  const hashes: Record<string, string> = {};
  for (const name of wheels) {
    if (known[name]) {
      hashes[name] = known[name];
      continue;
    }
    const f = await ctx.host.query({ kind: 'file', path: ctx.layout.join(dir, name), sha256: true });
    if (!f.exists || !f.sha256) return { issue: `${ctx.layout.join(dir, name)} cannot be read` };
    hashes[name] = f.sha256;
  }
  return { hashes };
}

/** Why the wheelhouse cannot be used, or the requirements file and the stamp it would give. */
async function readWheelhouse(
  ctx: StepContext,
): Promise<{ issue: string } | { requirements: string; expected: WheelhouseStamp }> {
  const listed = await listWheelhouse(ctx);
  if ('issue' in listed) return listed;
  const req = await findRequirements(ctx, listed.dir);
  if (!req) return { issue: `no requirements.txt in ${listed.dir}` };
  const hashed = await wheelHashes(ctx, listed.dir, listed.wheels);
  if ('issue' in hashed) return { issue: hashed.issue };
  const h = createHash('sha256').update(req.content).update('\0');
  for (const name of [...listed.wheels].sort()) h.update(`${hashed.hashes[name]}  ${name}\n`);
  // A changed sign-in choice (python-ldap wanted now) changes the stamp, so the install runs again.
  for (const extra of extraRequirements(ctx)) h.update(`+${extra}\n`);
  return { requirements: req.path, expected: { stamp: h.digest('hex'), wheels: hashed.hashes } };
}

export async function probeWheelhouse(ctx: StepContext): Promise<WheelhouseProbe> {
  const stampFile = await ctx.host.query({ kind: 'file', path: wheelhouseStampPath(ctx), content: true });
  const installed = stampFile.exists ? parseStamp(stampFile.content) : undefined;
  let wh = await readWheelhouse(ctx);
  if ('issue' in wh && ctx.layout.platform === 'win32' && ctx.release.wheelhouseDir) {
    // Windows: the bundle (checked by its own step) may not be on the machine at plan time.
    wh = {
      requirements: ctx.layout.join(ctx.release.wheelhouseDir, 'requirements.txt'),
      expected: { stamp: [`release ${ctx.release.id}`, ...extraRequirements(ctx)].join(' +'), wheels: {} },
    };
  }
  if ('issue' in wh) return { consistent: false, installed, wheelhouseIssue: wh.issue };
  let consistent = false;
  if (installed?.stamp === wh.expected.stamp) {
    const check = await ctx.host.query({
      kind: 'exec',
      file: ctx.layout.venvPython,
      args: ['-c', CONSISTENCY_CHECK],
      timeoutMs: 60_000,
      simFact: CHECK_FACT,
    });
    consistent = check.exitCode === 0;
  }
  return { requirements: wh.requirements, expected: wh.expected, installed, consistent };
}

/** Wheels installed before whose content changed since (same file name, another sha256). */
export const changedWheels = (p: WheelhouseProbe): string[] =>
  p.expected && p.installed
    ? Object.keys(p.expected.wheels)
        .filter(
          (n) => p.installed!.wheels[n] !== undefined && p.installed!.wheels[n] !== p.expected!.wheels[n],
        )
        .sort()
    : [];

/**
 * Installs QATrack+'s Python packages offline from the wheelhouse (never the network), with the
 * bundle's `uv` when there is one (much faster), else pip, both isolated from any user or machine
 * configuration. A stamp in the venv records what was installed, wheel by wheel, so a rerun with the
 * same wheelhouse plans nothing, and a wheel whose content changed is reinstalled.
 */
export const wheelhouseStep = defineStep<WheelhouseProbe>({
  id: 'wheelhouse',
  title: 'Python packages (offline wheelhouse)',
  dependsOn: ['venv', 'source'],
  probe: probeWheelhouse,
  plan(ctx, probed): ActionInput[] {
    if (!probed.expected || !probed.requirements) {
      throw new InputError(
        'WHEELHOUSE_MISSING',
        `The wheelhouse cannot be used: ${probed.wheelhouseIssue ?? 'unknown problem'}.`,
        [{ path: 'paths.wheelhouseDir', message: probed.wheelhouseIssue ?? 'cannot be read' }],
        'Point paths.wheelhouseDir (or paths.bundleDir) at a readable folder of wheels with a requirements.txt.',
      );
    }
    if (probed.installed?.stamp === probed.expected.stamp && probed.consistent) return [];
    return planInstall(ctx, probed);
  },
  async verify(ctx) {
    const p = await probeWheelhouse(ctx);
    const ok = p.installed !== undefined && p.installed.stamp === p.expected?.stamp && p.consistent;
    const changed = changedWheels(p);
    return [
      {
        id: 'wheelhouse',
        title: 'Python packages installed from the wheelhouse',
        ok,
        detail: ok
          ? 'installed, every requirement satisfied'
          : (p.wheelhouseIssue ??
            (changed.length
              ? `changed in the wheelhouse since they were installed: ${changed.join(', ')}`
              : 'not installed, outdated or broken')),
        fix: ok ? undefined : 'Run `repair`.',
      },
    ];
  },
});

/**
 * pip and uv read configuration from the machine, the user and the environment (extra find-links,
 * index URLs, constraints): an "offline, from the bundle only" install must not. pip: `--isolated`
 * ignores the user's files and PIP_* variables, and PIP_CONFIG_FILE set to os.devnull skips every
 * configuration file, the machine's too (pip's "Configuration" docs). uv: `--no-config` skips every
 * uv.toml, and `--offline --no-index` keep it off the network. Both: any PIP_* / UV_* variable of the
 * installer's environment is removed before the program starts.
 */
export const pipIsolation = (ctx: StepContext) => ({
  env: { PIP_CONFIG_FILE: ctx.layout.platform === 'win32' ? 'nul' : '/dev/null' },
  envStrip: ['PIP_'],
});

function planInstall(ctx: StepContext, p: WheelhouseProbe): ActionInput[] {
  const { layout, release } = ctx;
  const wheelhouse = release.wheelhouseDir!;
  const expected = p.expected!;
  const changed = changedWheels(p);
  // Without a record of what is in the venv (first install, or the stamp was lost), every package
  // is reinstalled from the wheelhouse: the same work as a first install, and nothing else stays.
  const all = p.installed === undefined || Object.keys(p.installed.wheels).length === 0;
  const offline = ['--no-index', '--find-links', wheelhouse];
  type Exec = Extract<ActionInput, { kind: 'exec' }>;
  const uv = (describe: string, args: string[]): Exec => ({
    kind: 'exec',
    describe,
    file: release.uvExe!,
    // --compile-bytecode: as pip does; services then start without compiling (and a service
    // account that may not write to the program folder never has to).
    args: [
      'pip',
      'install',
      '--no-config',
      '--python',
      layout.venvPython,
      '--offline',
      '--compile-bytecode',
      ...offline,
      ...args,
    ],
    env: { UV_NO_PROGRESS: '1' },
    envStrip: ['UV_', 'PIP_'],
    timeoutMs: 900_000,
  });
  const pip = (describe: string, args: string[]): Exec => ({
    kind: 'exec',
    describe,
    file: layout.venvPython,
    args: [
      '-m',
      'pip',
      '--isolated',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      ...offline,
      ...args,
    ],
    ...pipIsolation(ctx),
    timeoutMs: 1_800_000,
  });
  const tool = release.uvExe ? uv : pip;
  const toolName = release.uvExe ? 'uv' : 'pip';
  const force = release.uvExe ? '--reinstall' : '--force-reinstall';
  const install = tool(
    `${all ? 'Install (reinstalling any already there)' : 'Install'} Python packages from ${wheelhouse} into ${layout.venvDir} with ${toolName} (offline, no machine or user configuration)`,
    [...(all ? [force] : []), '-r', p.requirements!, ...extraRequirements(ctx)],
  );
  install.produces = [
    {
      kind: 'fact',
      key: CHECK_FACT,
      value: { exitCode: 0, stdout: 'No broken requirements found.\n', stderr: '' },
    },
  ];
  const actions: ActionInput[] = [install];
  if (!all && changed.length)
    actions.push(
      tool(`Reinstall ${changed.join(', ')} (changed in ${wheelhouse} since installed) with ${toolName}`, [
        force,
        '--no-deps',
        ...changed.map((n) => layout.join(wheelhouse, n)),
      ]),
    );
  actions.push({
    kind: 'writeFile',
    describe: `Record the installed wheelhouse (sha256 of each wheel) in ${wheelhouseStampPath(ctx)}`,
    path: wheelhouseStampPath(ctx),
    content: [renderStamp(expected)],
  });
  return actions;
}
