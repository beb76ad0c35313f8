import { createHash } from 'node:crypto';
import type { ActionInput } from '../../engine/actions/index.js';
import { renderTemplatedText } from '../../engine/secret-text.js';
import type { TemplatedText } from '../../engine/secrets.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { resolveChromePath } from './chrome.js';
import { renderLocalSettings } from './render-local-settings.js';
import { resolveTimeZone } from './time-zone.js';

/** Creates the key file only if it is missing (O_EXCL), so a rerun never changes the key. */
const MAKE_KEY_SCRIPT = [
  'import os, secrets, sys',
  'try:',
  '    fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)',
  'except FileExistsError:',
  '    sys.exit(0)',
  'os.write(fd, secrets.token_urlsafe(50).encode("ascii"))',
  'os.close(fd)',
].join('\n');

export const secretKeyPath = (ctx: StepContext) => ctx.layout.secretKeyFile;

export interface LocalSettingsProbe {
  content: TemplatedText;
  expectedSha256: string;
  actualSha256?: string;
  hasKey: boolean;
}

export async function probeLocalSettings(ctx: StepContext): Promise<LocalSettingsProbe> {
  const [timeZone, chromePath, file, key] = await Promise.all([
    resolveTimeZone(ctx),
    resolveChromePath(ctx),
    ctx.host.query({ kind: 'file', path: ctx.layout.localSettings, sha256: true }),
    ctx.host.query({ kind: 'file', path: secretKeyPath(ctx) }),
  ]);
  const content = renderLocalSettings({
    answers: ctx.answers,
    layout: ctx.layout,
    versions: ctx.release.versions,
    settings: ctx.release.settings,
    timeZone,
    chromePath,
  });
  const expectedSha256 = createHash('sha256')
    .update(renderTemplatedText(content, ctx.secrets), 'utf8')
    .digest('hex');
  return {
    content,
    expectedSha256,
    actualSha256: file.exists ? file.sha256 : undefined,
    hasKey: key.exists && key.type === 'file',
  };
}

/**
 * QATrack+'s local_settings.py: database connections, hosts, time zone, e-mail. Compared with the
 * file on disk by sha256 of the rendered text (secrets included), so a changed password rewrites it.
 */
export const localSettingsStep = defineStep<LocalSettingsProbe>({
  id: 'local-settings',
  title: 'QATrack+ settings (local_settings.py)',
  dependsOn: ['source', 'venv'],
  probe: probeLocalSettings,
  plan(ctx, probed): ActionInput[] {
    const actions: ActionInput[] = [];
    if (!probed.hasKey)
      actions.push({
        kind: 'exec',
        describe: `Generate a random Django SECRET_KEY into ${secretKeyPath(ctx)} (on the server, never shown)`,
        file: ctx.layout.venvPython,
        args: ['-c', MAKE_KEY_SCRIPT, secretKeyPath(ctx)],
        timeoutMs: 60_000,
        produces: [{ kind: 'file', path: secretKeyPath(ctx) }],
      });
    if (probed.actualSha256 !== probed.expectedSha256)
      actions.push({
        kind: 'writeFile',
        describe: `Write ${ctx.layout.localSettings} (database ${ctx.answers.database.name}, hosts ${ctx.answers.site.hostNames.join(', ')})`,
        path: ctx.layout.localSettings,
        content: probed.content,
        mode: 0o640,
      });
    return actions;
  },
  async verify(ctx) {
    const p = await probeLocalSettings(ctx);
    const ok = p.hasKey && p.actualSha256 === p.expectedSha256;
    return [
      {
        id: 'local-settings',
        title: 'local_settings.py matches the answers',
        ok,
        detail: ok ? ctx.layout.localSettings : p.actualSha256 ? 'differs from the answers' : 'missing',
        fix: ok ? undefined : 'Run `repair`.',
      },
    ];
  },
});
