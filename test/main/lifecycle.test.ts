/**
 * The main window's lifecycle handlers and the wizard's start arguments, driven with an Electron
 * stand-in that follows Electron 45's documented events: BrowserWindow 'ready-to-show', webContents
 * 'did-fail-load' (errorCode, errorDescription, validatedURL, isMainFrame) and
 * 'render-process-gone' ({reason, exitCode}) (docs/api/browser-window.md, docs/api/web-contents.md).
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { appPaths, helperUserData } from '../../electron/main/app-paths.js';
import { attachWindowLifecycle, focusExisting, type LifecycleWindow } from '../../electron/main/lifecycle.js';
import { parseStartArgs } from '../../electron/main/start-mode.js';

class FakeWindow extends EventEmitter implements LifecycleWindow {
  readonly webContents = new EventEmitter() as unknown as LifecycleWindow['webContents'] & EventEmitter;
  visible = false;
  minimized = false;
  destroyed = false;
  calls: string[] = [];
  loads: string[] = [];
  show() {
    this.visible = true;
    this.calls.push('show');
  }
  focus() {
    this.calls.push('focus');
  }
  restore() {
    this.minimized = false;
    this.calls.push('restore');
  }
  isMinimized() {
    return this.minimized;
  }
  isVisible() {
    return this.visible;
  }
  isDestroyed() {
    return this.destroyed;
  }
  loadURL(url: string) {
    this.loads.push(url);
    return Promise.resolve();
  }
}

const URL_ = 'app://bundle/index.html';

function setup(answer = 0) {
  const win = new FakeWindow();
  const timers: (() => void)[] = [];
  const boxes: { message: string; detail: string; buttons: string[] }[] = [];
  const logs: string[] = [];
  let quit = 0;
  attachWindowLifecycle(win, URL_, {
    showMessageBox: (_w, o) => {
      boxes.push(o);
      return Promise.resolve({ response: answer });
    },
    quit: () => void quit++,
    log: (m) => logs.push(m),
    fallbackMs: 7000,
    setTimer: (fn) => void timers.push(fn),
  });
  return { win, timers, boxes, logs, quits: () => quit };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('window lifecycle', () => {
  it('shows the window on ready-to-show', () => {
    const { win } = setup();
    expect(win.visible).toBe(false);
    win.emit('ready-to-show');
    expect(win.calls).toEqual(['show', 'focus']);
  });

  it('shows it anyway when ready-to-show never comes (fallback), and says so in the log', () => {
    const { win, timers, logs } = setup();
    timers.forEach((t) => t());
    expect(win.visible).toBe(true);
    expect(logs[0]).toContain('no ready-to-show after 7 s');
  });

  it('the fallback does nothing when the window is already shown', () => {
    const { win, timers, logs } = setup();
    win.emit('ready-to-show');
    timers.forEach((t) => t());
    expect(win.calls).toEqual(['show', 'focus']);
    expect(logs).toEqual([]);
  });

  it('a page that fails to load gets an error dialog; Retry loads it again', async () => {
    const { win, boxes } = setup(0);
    win.webContents.emit('did-fail-load', {}, -6, 'ERR_FILE_NOT_FOUND', URL_, true);
    await flush();
    expect(win.visible).toBe(true);
    expect(boxes).toHaveLength(1);
    expect(boxes[0]!.buttons).toEqual(['Retry', 'Quit']);
    expect(boxes[0]!.detail).toContain('ERR_FILE_NOT_FOUND (error -6)');
    expect(win.loads).toEqual([URL_]);
  });

  it('Quit quits; an aborted navigation or a subframe failure is not reported', async () => {
    const { win, boxes, quits } = setup(1);
    win.webContents.emit('did-fail-load', {}, -3, 'ERR_ABORTED', URL_, true);
    win.webContents.emit('did-fail-load', {}, -6, 'ERR_FILE_NOT_FOUND', 'app://bundle/x', false);
    await flush();
    expect(boxes).toHaveLength(0);
    win.webContents.emit('did-fail-load', {}, -6, 'ERR_FILE_NOT_FOUND', URL_, true);
    await flush();
    expect(quits()).toBe(1);
    expect(win.loads).toEqual([]);
  });

  it('a renderer that dies gets the dialog with its reason; a clean exit does not', async () => {
    const { win, boxes } = setup(0);
    win.webContents.emit('render-process-gone', {}, { reason: 'clean-exit', exitCode: 0 });
    await flush();
    expect(boxes).toHaveLength(0);
    win.webContents.emit('render-process-gone', {}, { reason: 'launch-failed', exitCode: 18 });
    await flush();
    expect(boxes[0]!.detail).toContain('launch-failed, exit code 18');
    expect(win.loads).toEqual([URL_]);
  });

  it('second-instance restores, shows and focuses the existing window', () => {
    const win = new FakeWindow();
    win.minimized = true;
    expect(focusExisting(win)).toBe(true);
    expect(win.calls).toEqual(['restore', 'show', 'focus']);
    expect(focusExisting(undefined)).toBe(false);
    win.destroyed = true;
    expect(focusExisting(win)).toBe(false);
  });
});

describe('start arguments (Add/Remove Programs, the Repair shortcut)', () => {
  // The command lines build/installer.nsi writes: ModifyPath, RepairPath and the shortcut.
  const exe = 'C:\\Program Files\\QATrack+ Installer\\QATrack+ Installer.exe';
  it('--mode=reconfigure / --mode=repair / --mode repair open that wizard mode', () => {
    expect(parseStartArgs([exe, '--mode=reconfigure'])).toEqual({ ok: true, mode: 'reconfigure' });
    expect(parseStartArgs([exe, '--mode=repair'])).toEqual({ ok: true, mode: 'repair' });
    expect(parseStartArgs([exe, '--mode', 'repair'])).toEqual({ ok: true, mode: 'repair' });
    expect(parseStartArgs([exe])).toEqual({ ok: true });
    // Chromium switches Windows or a shortcut may add are ignored.
    expect(parseStartArgs([exe, '--allow-file-access-from-files', '--mode=repair'])).toEqual({
      ok: true,
      mode: 'repair',
    });
  });

  it('a bad mode or host names the flag and what is allowed', () => {
    expect(parseStartArgs([exe, '--mode=explode'])).toEqual({
      ok: false,
      issues: [
        {
          path: '--mode',
          message: 'must be one of install, repair, reconfigure, uninstall, bundle, upgrade',
        },
      ],
    });
    const r = parseStartArgs([exe, '--host', 'windows']);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.issues[0]!.path).toBe('--host');
  });
});

describe('packed app paths', () => {
  it('packaged: the catalog beside app.asar (process.resourcesPath), renderer and preload inside it', () => {
    const p = appPaths({
      isPackaged: true,
      appPath: 'C:\\Program Files\\QATrack+ Installer\\resources\\app.asar',
      resourcesPath: 'C:\\Program Files\\QATrack+ Installer\\resources',
      userData: 'C:\\Users\\a\\AppData\\Roaming\\QATrack+ Installer',
    });
    expect(p.resourcesDir).toBe('C:\\Program Files\\QATrack+ Installer\\resources');
    expect(p.rendererDir.replaceAll('\\', '/')).toMatch(/resources\/app\.asar\/dist\/renderer$/);
    expect(p.preload.replaceAll('\\', '/')).toMatch(/resources\/app\.asar\/dist\/preload\/index\.cjs$/);
  });

  it('unpackaged: the project resources folder; the helper gets its own userData', () => {
    const p = appPaths({
      isPackaged: false,
      appPath: '/src/app',
      resourcesPath: '/opt/electron/resources',
      userData: '/u',
    });
    expect(p.resourcesDir).toBe('/src/app/resources');
    expect(helperUserData('C:\\Users\\a\\AppData\\Roaming\\QATrack+ Installer')).toBe(
      'C:\\Users\\a\\AppData\\Roaming\\QATrack+ Installer Helper',
    );
  });
});
