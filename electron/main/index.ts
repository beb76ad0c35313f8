import path from 'node:path';
import { app, dialog, shell, type BrowserWindow } from 'electron';
import { runUnattendedFromArgv } from '../cli/unattended.js';
import { configureResources } from '../engine/resources.js';
import { applierFor, machineDataDir, RememberedStore } from '../engine/remembered.js';
import { helperMain, isHelperInvocation } from '../helper/entry.js';
import { createHost } from '../hosts/index.js';
import { testSqlServer } from '../ipc/db-test.js';
import { createElevatedEngine } from '../ipc/elevated-engine.js';
import { createEngineAdapter } from '../ipc/engine-adapter.js';
import { createHandlers } from '../ipc/service.js';
import { createUpgradeEngine, posixUpgradeKit } from '../ipc/upgrade-engine.js';
import { windowsUpgradeKit } from '../ipc/upgrade-windows-kit.js';
import { APP_ORIGIN } from '../ipc/sender-guard.js';
import { appPaths, helperUserData } from './app-paths.js';
import { createHostOpener, realHostSpec, targetHostSpec } from './hosts.js';
import { wireIpc } from './ipc.js';
import { attachWindowLifecycle, focusExisting } from './lifecycle.js';
import { registerAppScheme, serveAppPages } from './protocol.js';
import { hardenApp, hardenSession } from './security.js';
import { parseStartArgs } from './start-mode.js';
import { createMainWindow } from './window.js';

/**
 * Electron entry and composition root. Main stays thin: it tells the engine where the app's
 * resources are (beside app.asar when packaged), hardens Electron, serves the renderer, and wires
 * IPC to the plain-Node handlers in electron/ipc. The same executable is the elevated helper when
 * started with --qatrack-helper (so the RunAsNode fuse can stay off).
 */
const paths = appPaths({
  isPackaged: app.isPackaged,
  appPath: app.getAppPath(),
  resourcesPath: process.resourcesPath,
  userData: app.getPath('userData'),
});
configureResources(paths.resourcesDir);
const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);
const remembered = () => new RememberedStore({ dir: machineDataDir(), legacyFile: paths.legacyAnswersFile });

if (isHelperInvocation(process.argv)) {
  // A second Chromium browser process: its own profile folder, never the open wizard's.
  app.setPath('userData', helperUserData(app.getPath('userData')));
  app.disableHardwareAcceleration();
  app.dock?.hide();
  void app.whenReady().then(async () => app.exit(await helperMain(process.argv)));
} else if (process.argv.includes('--unattended')) {
  // IT automation and the NSIS uninstaller: no window, no questions, MSI-style exit code
  // (0, 3010, 1602, 1603, 1639) and the log path printed (electron/cli/unattended.ts).
  app.disableHardwareAcceleration();
  void app.whenReady().then(async () => {
    const start = parseStartArgs(process.argv);
    const host = start.ok ? start.host : undefined;
    // The unattended process runs elevated on the real machine: it sets the ACL itself.
    const applier =
      !host && realHostSpec.kind === 'windows' ? applierFor(await createHost(realHostSpec)) : undefined;
    const code = await runUnattendedFromArgv(process.argv, {
      remembered: remembered(),
      applier,
      ...(host ? { runOptions: { host } } : {}),
    });
    app.exit(code ?? 0);
  });
} else if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  startApp();
}

function startApp(): void {
  const start = parseStartArgs(process.argv);
  if (!start.ok) {
    // Bad input: say which flag and what is allowed, change nothing, exit 64.
    void app.whenReady().then(() => {
      dialog.showErrorBox(
        'QATrack+ Installer',
        `Invalid command line:\n${start.issues.map((i) => `${i.path} ${i.message}`).join('\n')}`,
      );
      app.exit(64);
    });
    return;
  }
  app.enableSandbox();
  registerAppScheme();
  hardenApp();

  const dataDir = app.getPath('userData');
  const hostSpec = targetHostSpec(start.host);
  const { openHost, ensureHelper } = createHostOpener(
    dataDir,
    path.join(paths.logDir, 'helper.log'),
    hostSpec,
  );
  const inApp = createEngineAdapter({ hostSpec, logDir: paths.logDir });

  let mainWindow: Electron.BrowserWindow | undefined;
  const ipc = wireIpc(
    createHandlers({
      // Real machine: the elevated helper plans what Review shows and applies it; sim: all in the app.
      engine: hostSpec.kind === 'sim' ? inApp : createElevatedEngine(inApp, ensureHelper, hostSpec),
      openHost,
      dataDir,
      remembered: remembered(),
      ...(start.mode ? { startMode: start.mode } : {}),
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
      // Windows authentication is tested the way provisioning connects: through the host.
      testDatabase: (req) => testSqlServer(req, { readHost: () => openHost('read') }),
      emit: (payload) => ipc.emit(payload),
      // The Windows kit reads and changes the target through the host (sim state or this server).
      upgrade: createUpgradeEngine({
        hostSpec,
        logDir: paths.logDir,
        kits: {
          posix: posixUpgradeKit,
          sim: windowsUpgradeKit(hostSpec),
          windows: windowsUpgradeKit(hostSpec),
        },
      }),
      emitUpgrade: (payload) => ipc.emitUpgrade(payload),
    }),
    log,
  );

  app.on('second-instance', () => {
    focusExisting(mainWindow);
  });
  app.on('window-all-closed', () => app.quit());

  void app.whenReady().then(() => {
    hardenSession();
    serveAppPages(paths.rendererDir);
    const url = `${APP_ORIGIN}/index.html`;
    mainWindow = createMainWindow(paths.preload);
    attachWindowLifecycle(mainWindow, url, {
      showMessageBox: (win, o) => dialog.showMessageBox(win as BrowserWindow, o),
      quit: () => app.quit(),
      log,
    });
    ipc.trust(mainWindow);
    void mainWindow.loadURL(url).catch((e: unknown) => log(`window: load failed: ${String(e)}`));
  });
}
