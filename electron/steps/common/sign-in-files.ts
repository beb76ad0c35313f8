import type { ActionInput } from '../../engine/actions/index.js';
import { InstallerError } from '../../engine/errors.js';
import type { FileResult } from '../../engine/queries.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { directoryCaPath } from './render-sign-in.js';

/**
 * The directory's CA certificate (signIn.caFile) copied under the install folder, where
 * local_settings.py's AD_CERT_FILE points: the answers' file may sit on a share or a USB stick that is
 * gone tomorrow. Compared by SHA-256, so a renewed CA file is copied again. On Windows the hardening
 * step restricts it like local_settings.py.
 */

interface SignInFilesProbe {
  source?: FileResult;
  target?: FileResult;
  targetDir?: FileResult;
}

const caFileOf = (ctx: StepContext) => {
  const s = ctx.answers.signIn;
  return s.kind === 'activeDirectory' || s.kind === 'windowsIntegrated' ? s.caFile : undefined;
};

async function probe(ctx: StepContext): Promise<SignInFilesProbe> {
  const from = caFileOf(ctx);
  if (!from) return {};
  const to = directoryCaPath(ctx.layout);
  const [source, target, targetDir] = await Promise.all([
    ctx.host.query({ kind: 'file', path: from, sha256: true }),
    ctx.host.query({ kind: 'file', path: to, sha256: true }),
    ctx.host.query({ kind: 'file', path: ctx.layout.join(ctx.layout.installDir, 'certs') }),
  ]);
  return { source, target, targetDir };
}

export const signInFilesStep = defineStep<SignInFilesProbe>({
  id: 'sign-in-files',
  title: "Directory server's CA certificate",
  dependsOn: ['source'],
  probe,
  plan(ctx, p): ActionInput[] {
    const from = caFileOf(ctx);
    if (!from || !p.source) return [];
    if (!p.source.exists || p.source.type !== 'file')
      throw new InstallerError(
        'SIGN_IN_CA_FILE_MISSING',
        `The directory server's CA certificate file ${from} (signIn.caFile) does not exist on this server.`,
        'Copy the PEM file of the CA that signed the domain controllers’ certificates there, or correct signIn.caFile.',
      );
    const to = directoryCaPath(ctx.layout);
    if (p.target?.exists && p.target.type === 'file' && p.target.sha256 === p.source.sha256) return [];
    const actions: ActionInput[] = [];
    if (!p.targetDir?.exists)
      actions.push({
        kind: 'mkdir',
        describe: `Create folder ${ctx.layout.join(ctx.layout.installDir, 'certs')}`,
        path: ctx.layout.join(ctx.layout.installDir, 'certs'),
      });
    actions.push({
      kind: 'copy',
      describe: `Copy the directory server's CA certificate ${from} to ${to} (AD_CERT_FILE)`,
      from,
      to,
      sha256: p.source.sha256,
    });
    return actions;
  },
  async verify(ctx) {
    const from = caFileOf(ctx);
    if (!from) return [];
    const p = await probe(ctx);
    const ok = Boolean(p.target?.exists && p.source?.exists && p.target.sha256 === p.source.sha256);
    return [
      {
        id: 'sign-in.ca-file',
        title: "Directory server's CA certificate in place",
        ok,
        detail: ok
          ? directoryCaPath(ctx.layout)
          : p.target?.exists
            ? 'differs from signIn.caFile'
            : 'missing',
        fix: ok ? undefined : 'Run `repair`.',
      },
    ];
  },
});
