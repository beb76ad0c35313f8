import type { StepContext } from '../../engine/step.js';

/** Where Chrome, Edge or Chromium live when installed the usual way (for QATrack+'s PDF reports). */
export const KNOWN_BROWSERS = {
  win32: [
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
    'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
    'C:\\Program Files\\Microsoft\\Edge\\Application\\msedge.exe',
  ],
  posix: [
    '/usr/bin/google-chrome',
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/microsoft-edge',
  ],
} as const;

/** CHROME_PATH for local_settings.py, or undefined for None (PDF reports disabled). */
export async function resolveChromePath(ctx: StepContext): Promise<string | undefined> {
  const { chrome } = ctx.answers;
  switch (chrome.mode) {
    case 'none':
      return undefined;
    case 'path':
      return chrome.path;
    case 'bundle':
      // Chrome's enterprise MSI installs here (the Windows profile installs it before this step).
      return KNOWN_BROWSERS.win32[0];
    case 'detect': {
      const candidates = KNOWN_BROWSERS[ctx.layout.platform];
      const found = await Promise.all(candidates.map((path) => ctx.host.query({ kind: 'file', path })));
      const i = found.findIndex((f) => f.exists && f.type === 'file');
      return i >= 0 ? candidates[i] : undefined;
    }
  }
}
