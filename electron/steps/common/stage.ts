import type { ActionInput } from '../../engine/actions/index.js';
import { defineStep, type StepContext } from '../../engine/step.js';

export const STAGE_STEP = 'stage-artifacts';

/**
 * Built-in principals by SID, as the hardening step grants them: names are localised
 * (Microsoft Learn, "Well-known SIDs": S-1-5-32-544 Administrators, S-1-5-18 Local System).
 */
const ADMINS_AND_SYSTEM = [
  { principal: '*S-1-5-32-544', rights: 'F' as const, inherit: true },
  { principal: '*S-1-5-18', rights: 'F' as const, inherit: true },
];

interface StageProbe {
  folder: boolean;
  /** SHA-256 of each staged copy that exists, by its path. */
  staged: Record<string, string | undefined>;
}

const probeStage = async (ctx: StepContext): Promise<StageProbe> => {
  const [folder, ...files] = await Promise.all([
    ctx.host.query({ kind: 'file', path: ctx.layout.stagingDir }),
    ...ctx.release.staged.map((a) => ctx.host.query({ kind: 'file', path: a.to, sha256: true })),
  ]);
  const staged: StageProbe['staged'] = {};
  ctx.release.staged.forEach((a, i) => {
    const f = files[i];
    staged[a.to] = f?.exists && f.type === 'file' ? f.sha256 : undefined;
  });
  return { folder: folder.exists && folder.type === 'dir', staged };
};

/**
 * Closes the gap between checking the bundle and running its files: every bundle file the installer
 * runs as administrator is copied into a folder only Administrators and SYSTEM can write, hashed
 * there against the manifest verified at the start of the run, and run from there. A copy that is
 * already there with the right hash is kept (a second run copies nothing).
 */
export const stageStep = (preflightId: string) =>
  defineStep<StageProbe>({
    id: STAGE_STEP,
    title: 'Copy the installers from the bundle to a protected folder',
    dependsOn: [preflightId],
    appliesTo: (ctx) => ctx.release.staged.length > 0,
    probe: probeStage,
    plan(ctx, probed) {
      const { layout } = ctx;
      const actions: ActionInput[] = [];
      if (!probed.folder) {
        actions.push(
          layout.platform === 'win32'
            ? { kind: 'mkdir', describe: `Create folder ${layout.stagingDir}`, path: layout.stagingDir }
            : {
                kind: 'mkdir',
                describe: `Create folder ${layout.stagingDir} (owner only)`,
                path: layout.stagingDir,
                mode: 0o700,
              },
        );
        if (layout.platform === 'win32')
          actions.push({
            kind: 'acl',
            describe: `Restrict ${layout.stagingDir} (installers run as administrator) to Administrators and SYSTEM`,
            path: layout.stagingDir,
            protect: true,
            grants: ADMINS_AND_SYSTEM,
          });
      }
      for (const a of ctx.release.staged) {
        const have = probed.staged[a.to];
        if (have !== undefined && (a.sha256 === undefined || have === a.sha256)) continue;
        actions.push({
          kind: 'copy',
          describe: a.sha256
            ? `Copy ${a.from} to ${a.to} and check its SHA-256 ${a.sha256.slice(0, 16)}…`
            : `Copy ${a.from} to ${a.to}`,
          from: a.from,
          to: a.to,
          ...(a.sha256 ? { sha256: a.sha256 } : {}),
        });
      }
      return actions;
    },
    async verify(ctx) {
      const probed = await probeStage(ctx);
      return ctx.release.staged.map((a) => {
        const have = probed.staged[a.to];
        const ok = have !== undefined && (a.sha256 === undefined || have === a.sha256);
        return {
          id: `stage.${a.id}`,
          title: `Staged ${a.id}`,
          ok,
          detail: ok
            ? `${a.to}${a.sha256 ? ' matches the verified bundle' : ''}`
            : have === undefined
              ? `${a.to} is missing`
              : `${a.to} does not match the verified bundle`,
          ...(ok ? {} : { fix: 'Run repair: it copies the file again from the bundle and checks it.' }),
        };
      });
    },
    planUninstall: (ctx, probed) =>
      probed.folder
        ? [
            {
              kind: 'remove',
              describe: `Remove the staged installers ${ctx.layout.stagingDir}`,
              path: ctx.layout.stagingDir,
              recursive: true,
            },
          ]
        : [],
  });
