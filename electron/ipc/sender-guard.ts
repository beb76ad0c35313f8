/**
 * Who may talk to main over IPC (Electron security checklist item 17). Plain data in, boolean out, so
 * it is unit-tested with forged senders: only a main frame of one of our own windows showing a page
 * of our own `app://bundle` origin is trusted.
 */

export const APP_SCHEME = 'app';
export const APP_HOST = 'bundle';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** The parts of an IpcMainInvokeEvent the guard looks at (kept structural for tests). */
export interface SenderInfo {
  sender: { id: number };
  /** Null when the frame navigated away or was destroyed. */
  senderFrame: { url: string; parent: unknown } | null;
}

export class TrustedSenders {
  readonly #ids = new Set<number>();

  /** Called when one of our windows is created; forget it again when it is destroyed. */
  add(webContentsId: number): void {
    this.#ids.add(webContentsId);
  }
  remove(webContentsId: number): void {
    this.#ids.delete(webContentsId);
  }

  isTrusted(event: SenderInfo): boolean {
    if (!this.#ids.has(event.sender.id)) return false;
    const frame = event.senderFrame;
    if (!frame || frame.parent !== null) return false;
    return isAppUrl(frame.url);
  }
}

/** Parses with URL (never startsWith): `app://bundle.evil/` or `app://bundle@evil/` do not pass. */
export function isAppUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return (
    url.protocol === `${APP_SCHEME}:` &&
    url.host === APP_HOST &&
    url.username === '' &&
    url.password === '' &&
    url.port === ''
  );
}
