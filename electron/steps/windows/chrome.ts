import { defineStep } from '../../engine/step.js';
import { KNOWN_BROWSERS } from '../common/chrome.js';
import { artifact, MSIEXEC, setupLogDir } from '../../windows/names.js';
import { SETUP_LOGS_STEP } from './setupLogs.js';

/**
 * Chrome for QATrack+'s PDF reports, from the enterprise MSI in the bundle when the answers ask for
 * it (chrome.mode "bundle"). local_settings.py then points CHROME_PATH at the installed chrome.exe.
 */
const CHROME_EXE = KNOWN_BROWSERS.win32[0];

export const chromeStep = defineStep<{ installed: boolean }>({
  id: 'win-chrome',
  title: 'Google Chrome (PDF reports)',
  dependsOn: ['win-preflight', SETUP_LOGS_STEP],
  appliesTo: (ctx) => ctx.answers.chrome.mode === 'bundle',
  async probe(ctx) {
    return { installed: (await ctx.host.query({ kind: 'file', path: CHROME_EXE })).exists };
  },
  plan(ctx, p) {
    if (p.installed) return [];
    const log = ctx.layout.join(setupLogDir(ctx.layout), 'chrome.log');
    return [
      {
        kind: 'exec',
        describe: `Install Google Chrome (enterprise MSI) for PDF reports (log ${log})`,
        file: MSIEXEC,
        args: ['/i', artifact(ctx.release, 'chrome'), '/qn', '/norestart', '/l*v', log],
        okExitCodes: [0],
        rebootExitCodes: [3010, 1641],
        timeoutMs: 15 * 60_000,
        produces: [
          {
            kind: 'product',
            id: 'chrome',
            version: ctx.release.versions.chrome ?? 'stable',
            name: 'Google Chrome',
          },
          { kind: 'file', path: CHROME_EXE },
        ],
      },
    ];
  },
  async verify(ctx) {
    const { installed } = await this.probe(ctx);
    return [
      {
        id: 'chrome',
        title: 'Google Chrome for PDF reports',
        ok: installed,
        detail: installed ? CHROME_EXE : `${CHROME_EXE} is missing`,
        fix: installed ? undefined : 'Run repair.',
      },
    ];
  },
});
