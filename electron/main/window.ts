import { app, BrowserWindow } from 'electron';
import { APP_ORIGIN } from '../ipc/sender-guard.js';
import { secureWebPreferences } from './web-preferences.js';

export function createMainWindow(preload: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1040,
    height: 760,
    minWidth: 800,
    minHeight: 600,
    title: 'QATrack+ Installer',
    show: false,
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(preload, app.isPackaged),
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}
