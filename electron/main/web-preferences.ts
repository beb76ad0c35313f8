import type { WebPreferences } from 'electron';

/**
 * Every security-relevant preference spelled out, even where it is Electron's default, so a future
 * default change or a careless edit shows up in review and in the unit test (checklist items 2-4,
 * 6, 8-11). Type-only Electron import: testable in plain Node.
 */
export const secureWebPreferences = (preload: string, isPackaged: boolean): WebPreferences => ({
  preload,
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
  devTools: !isPackaged,
});
