import { app, BrowserWindow, type WebPreferences } from 'electron';
import { APP_ORIGIN } from '../ipc/sender-guard.js';

/** Every security-relevant preference spelled out, even where it is the default (checklist 2-4, 6, 8-11). */
export const secureWebPreferences = (preload: string): WebPreferences => ({
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
  devTools: !app.isPackaged,
});

export function createMainWindow(preload: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1040,
    height: 760,
    minWidth: 800,
    minHeight: 600,
    title: 'QATrack+ Installer',
    show: false,
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(preload),
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}
