import type { ActionInput } from '../../engine/actions/index.js';
import { InputError } from '../../engine/errors.js';
import { defineStep, type StepContext } from '../../engine/step.js';

/** Records which archive the source tree came from (its sha256), so a new archive re-extracts. */
export const sourceStampPath = (ctx: StepContext) =>
  ctx.layout.join(ctx.layout.sourceDir, '.qatrack-source.sha256');

export interface SourceProbe {
  archive?: string;
  /** sha256 of the archive, or `release <id>` on Windows when the bundle is not on the machine yet. */
  expectedStamp?: string;
  installedStamp?: string;
  /** manage.py is present (the tree is not half-extracted or deleted). */
  hasManagePy: boolean;
  issue?: string;
  /**
   * Code folders of other releases that uninstall removes too: `<installDir>/releases` (where an
   * upgrade stages each new release) and, once the running release lives there, the replaced
   * release's own code and venv in the install folder (kept for a manual rollback).
   */
  otherReleases?: string[];
}

async function probeOtherReleases(ctx: StepContext): Promise<string[]> {
  const { layout } = ctx;
  const inRoot = layout.join(layout.installDir, 'qatrackplus');
  const candidates = [
    layout.join(layout.installDir, 'releases'),
    ...(layout.sourceDir === inRoot ? [] : [inRoot, layout.join(layout.installDir, 'venv')]),
  ];
  const found = await Promise.all(candidates.map((path) => ctx.host.query({ kind: 'file', path })));
  return candidates.filter((_, i) => found[i]!.exists);
}

export async function probeSource(ctx: StepContext): Promise<SourceProbe> {
  const { layout, release } = ctx;
  const [stamp, manage, otherReleases] = await Promise.all([
    ctx.host.query({ kind: 'file', path: sourceStampPath(ctx), content: true }),
    ctx.host.query({ kind: 'file', path: layout.managepy }),
    probeOtherReleases(ctx),
  ]);
  const installedStamp = stamp.exists ? stamp.content?.trim() : undefined;
  const hasManagePy = manage.exists && manage.type === 'file';
  const archive = release.sourceArchive;
  const others = otherReleases.length ? { otherReleases } : {};
  if (!archive)
    return { ...others, installedStamp, hasManagePy, issue: 'no QATrack+ release archive is configured' };
  let file = await ctx.host.query({ kind: 'file', path: archive, sha256: true });
  // Not staged yet (a first plan): the bundle file the staging step will copy and check.
  const stagedFrom = release.staged.find((s) => s.to === archive)?.from;
  if (!file.exists && stagedFrom)
    file = await ctx.host.query({ kind: 'file', path: stagedFrom, sha256: true });
  if (file.exists && file.type === 'file' && file.sha256)
    return { ...others, archive, expectedStamp: file.sha256, installedStamp, hasManagePy };
  if (layout.platform === 'win32')
    return { ...others, archive, expectedStamp: `release ${release.id}`, installedStamp, hasManagePy };
  return {
    ...others,
    archive,
    installedStamp,
    hasManagePy,
    issue: `${archive} does not exist or cannot be read`,
  };
}

/**
 * Places the QATrack+ source from the release archive (top-level folder stripped). Files the
 * archive does not contain, local_settings.py above all, are never deleted.
 */
export const sourceStep = defineStep<SourceProbe>({
  id: 'source',
  title: 'QATrack+ source',
  dependsOn: [],
  probe: probeSource,
  plan(ctx, probed): ActionInput[] {
    if (!probed.expectedStamp || !probed.archive)
      throw new InputError(
        'SOURCE_MISSING',
        `The QATrack+ release archive cannot be used: ${probed.issue ?? 'unknown problem'}.`,
        [{ path: 'paths.sourceArchive', message: probed.issue ?? 'cannot be read' }],
        'Point paths.sourceArchive (or paths.bundleDir) at the release .tar.gz or .zip.',
      );
    // The stamp lives inside the tree, so a deleted tree re-extracts too.
    if (probed.installedStamp === probed.expectedStamp) return [];
    const { layout } = ctx;
    return [
      {
        kind: 'extract',
        describe: `Unpack ${probed.archive} into ${layout.sourceDir} (local_settings.py is kept)`,
        archive: probed.archive,
        dest: layout.sourceDir,
        stripComponents: 1,
      },
      {
        kind: 'writeFile',
        describe: `Record the unpacked release in ${sourceStampPath(ctx)}`,
        path: sourceStampPath(ctx),
        content: [probed.expectedStamp + '\n'],
      },
    ];
  },
  planUninstall: (ctx, probed) => [
    ...(probed.installedStamp !== undefined || probed.hasManagePy
      ? [
          {
            kind: 'remove' as const,
            describe: `Remove the QATrack+ program files ${ctx.layout.sourceDir} (with local_settings.py)`,
            path: ctx.layout.sourceDir,
            recursive: true,
          },
        ]
      : []),
    ...(probed.otherReleases ?? []).map((dir) => ({
      kind: 'remove' as const,
      describe: `Remove ${dir} (releases staged or replaced by an upgrade)`,
      path: dir,
      recursive: true,
    })),
  ],
  async verify(ctx) {
    const p = await probeSource(ctx);
    const ok = p.hasManagePy && p.installedStamp !== undefined && p.installedStamp === p.expectedStamp;
    return [
      {
        id: 'source',
        title: 'QATrack+ source in place',
        ok,
        detail: ok
          ? `${ctx.layout.sourceDir} matches ${p.archive}`
          : (p.issue ?? 'missing or from another archive'),
        fix: ok ? undefined : 'Run `repair`.',
      },
    ];
  },
});
