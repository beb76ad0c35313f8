import { app, BrowserWindow } from 'electron';
import { secureWebPreferences } from './web-preferences.js';

/** The wizard window, hidden until lifecycle.ts shows it (ready-to-show, or its fallback). */
export function createMainWindow(preload: string): BrowserWindow {
  return new BrowserWindow({
    width: 1040,
    height: 760,
    minWidth: 800,
    minHeight: 600,
    title: 'QATrack+ Installer',
    show: false,
    autoHideMenuBar: true,
    webPreferences: secureWebPreferences(preload, app.isPackaged),
  });
}
