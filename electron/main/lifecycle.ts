/**
 * The main window's life: shown when its first paint is ready, or after a fallback delay if
 * `ready-to-show` never comes (Electron docs, BrowserWindow "Showing the window gracefully": the
 * event is emitted "if the renderer has rendered the page for the first time", so a renderer that
 * never paints would leave a process and no window); a page that fails to load or a renderer that
 * dies gets a dialog with Retry; a second launch brings the window back (restore + show + focus).
 * Written against the small slice of Electron's API it uses, so tests drive it with a stand-in.
 */

export interface LifecycleWebContents {
  on(
    event: 'did-fail-load',
    listener: (e: unknown, code: number, description: string, url: string, isMainFrame: boolean) => void,
  ): unknown;
  on(
    event: 'render-process-gone',
    listener: (e: unknown, details: { reason: string; exitCode: number }) => void,
  ): unknown;
}

export interface LifecycleWindow {
  readonly webContents: LifecycleWebContents;
  once(event: 'ready-to-show', listener: () => void): unknown;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isVisible(): boolean;
  isDestroyed(): boolean;
  loadURL(url: string): Promise<void>;
}

export interface LifecycleDeps {
  /** Electron's dialog.showMessageBox; resolves with the index of the button chosen. */
  showMessageBox(
    win: LifecycleWindow,
    o: {
      type: 'error';
      title: string;
      message: string;
      detail: string;
      buttons: string[];
      defaultId: number;
      cancelId: number;
    },
  ): Promise<{ response: number }>;
  quit(): void;
  log(message: string): void;
  /** Show the window anyway after this long without `ready-to-show` (default 10 s). */
  fallbackMs?: number;
  setTimer?: (fn: () => void, ms: number) => void;
}

/** net::ERR_ABORTED: a navigation replaced by another one (not a failure to report). */
const ERR_ABORTED = -3;

export function attachWindowLifecycle(win: LifecycleWindow, url: string, deps: LifecycleDeps): void {
  const setTimer = deps.setTimer ?? ((fn, ms) => void setTimeout(fn, ms).unref?.());
  const fallbackMs = deps.fallbackMs ?? 10_000;
  let asking = false;

  const showNow = () => {
    if (win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  win.once('ready-to-show', showNow);
  setTimer(() => {
    if (!win.isDestroyed() && !win.isVisible()) {
      deps.log(`window: no ready-to-show after ${fallbackMs / 1000} s; showing it anyway`);
      showNow();
    }
  }, fallbackMs);

  const offerRetry = async (message: string, detail: string) => {
    if (asking || win.isDestroyed()) return;
    asking = true;
    showNow();
    try {
      const { response } = await deps.showMessageBox(win, {
        type: 'error',
        title: 'QATrack+ Installer',
        message,
        detail,
        buttons: ['Retry', 'Quit'],
        defaultId: 0,
        cancelId: 1,
      });
      if (response === 0) {
        deps.log('window: retry');
        await win.loadURL(url).catch((e: unknown) => deps.log(`window: retry failed: ${String(e)}`));
      } else deps.quit();
    } finally {
      asking = false;
    }
  };

  win.webContents.on('did-fail-load', (_e, code, description, failedUrl, isMainFrame) => {
    if (!isMainFrame || code === ERR_ABORTED) return;
    deps.log(`window: did-fail-load ${code} ${description} ${failedUrl}`);
    void offerRetry(
      'The installer window could not load its page.',
      `${description || 'Unknown error'} (error ${code}) while loading ${failedUrl}. Retry, or quit and reinstall QATrack+ Installer if it keeps happening.`,
    );
  });
  win.webContents.on('render-process-gone', (_e, details) => {
    if (details.reason === 'clean-exit') return;
    deps.log(`window: render-process-gone ${details.reason} exit ${details.exitCode}`);
    void offerRetry(
      'The installer window stopped working.',
      `Its page process ended (${details.reason}, exit code ${details.exitCode}). Retry reloads it; a running install continues in the background.`,
    );
  });
}

/** `second-instance`: the wizard is already open, bring it to the front (even if hidden). */
export function focusExisting(win: LifecycleWindow | undefined): boolean {
  if (!win || win.isDestroyed()) return false;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
  return true;
}
