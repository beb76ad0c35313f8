import path from 'node:path';
import { app, dialog, shell } from 'electron';
import { runUnattendedFromArgv } from '../cli/unattended.js';
import { helperMain, isHelperInvocation } from '../helper/entry.js';
import { testSqlServer } from '../ipc/db-test.js';
import { createEngineAdapter } from '../ipc/engine-adapter.js';
import { createHandlers } from '../ipc/service.js';
import { createHostOpener, targetHostSpec } from './hosts.js';
import { wireIpc } from './ipc.js';
import { registerAppScheme, serveAppPages } from './protocol.js';
import { hardenApp, hardenSession } from './security.js';
import { createMainWindow } from './window.js';

/**
 * Electron entry. Main stays thin: it hardens Electron, serves the renderer, and wires IPC to the
 * plain-Node handlers in electron/ipc. The same executable is the elevated helper when started
 * with --qatrack-helper (so the RunAsNode fuse can stay off).
 */
if (isHelperInvocation(process.argv)) {
  app.disableHardwareAcceleration();
  app.dock?.hide();
  void app.whenReady().then(async () => app.exit(await helperMain(process.argv)));
} else if (process.argv.includes('--unattended')) {
  // IT automation and the NSIS uninstaller: no window, no questions, MSI-style exit code
  // (0, 3010, 1602, 1603, 1639) and the log path printed (electron/cli/unattended.ts).
  app.disableHardwareAcceleration();
  void app.whenReady().then(async () => app.exit((await runUnattendedFromArgv(process.argv)) ?? 0));
} else if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  startApp();
}

function startApp(): void {
  app.enableSandbox();
  registerAppScheme();
  hardenApp();

  const appRoot = app.getAppPath();
  const dataDir = app.getPath('userData');
  const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);

  let mainWindow: Electron.BrowserWindow | undefined;
  const ipc = wireIpc(
    createHandlers({
      engine: createEngineAdapter({ hostSpec: targetHostSpec, logDir: path.join(dataDir, 'logs') }),
      openHost: createHostOpener(dataDir, path.join(dataDir, 'logs', 'helper.log')),
      dataDir,
      async chooseSavePath(kind, defaultName) {
        const r = await dialog.showSaveDialog({
          defaultPath: path.join(app.getPath('documents'), defaultName),
          filters:
            kind === 'plan'
              ? [{ name: 'Plan (text)', extensions: ['txt'] }]
              : [{ name: kind === 'answers' ? 'Answers file' : 'Support bundle', extensions: ['json'] }],
        });
        return r.canceled ? undefined : r.filePath;
      },
      async chooseFolder(_purpose, defaultPath) {
        const r = await dialog.showOpenDialog({
          properties: ['openDirectory', 'createDirectory', 'promptToCreate'],
          ...(defaultPath ? { defaultPath } : {}),
        });
        return r.canceled ? undefined : r.filePaths[0];
      },
      closeWindow: () => mainWindow?.close(),
      async openExternal(url) {
        await shell.openExternal(url);
        return true;
      },
      async openFolder(folder) {
        return (await shell.openPath(folder)) === '';
      },
      testDatabase: (req) => testSqlServer(req),
      emit: (payload) => ipc.emit(payload),
    }),
    log,
  );

  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  app.on('window-all-closed', () => app.quit());

  void app.whenReady().then(() => {
    hardenSession();
    serveAppPages(path.join(appRoot, 'dist', 'renderer'));
    mainWindow = createMainWindow(path.join(appRoot, 'dist', 'preload', 'index.cjs'));
    ipc.trust(mainWindow);
  });
}
