import { ipcMain, type BrowserWindow } from 'electron';
import { eventChannelOf, events, type EventName, type EventOf } from '../ipc/contract.js';
import { IpcRouter, type Handlers } from '../ipc/router.js';
import { toIpcError } from '../ipc/service.js';
import { TrustedSenders } from '../ipc/sender-guard.js';

/** Registers one ipcMain handler per contract channel; all of them go through the router's checks. */
export function wireIpc(handlers: Handlers, log: (m: string) => void) {
  const senders = new TrustedSenders();
  const router = new IpcRouter(handlers, senders, toIpcError, (reason) => log(`IPC refused: ${reason}`));
  for (const channel of router.channels()) {
    ipcMain.handle(channel, (event, request: unknown) => router.handle(channel, event, request));
  }
  let window: BrowserWindow | undefined;
  const send = <E extends EventName>(name: E, payload: EventOf<E>) => {
    const checked = events[name].safeParse(payload);
    if (checked.success && window && !window.isDestroyed())
      window.webContents.send(eventChannelOf(name), checked.data);
  };
  return {
    trust(win: BrowserWindow) {
      window = win;
      const id = win.webContents.id;
      senders.add(id);
      win.webContents.once('destroyed', () => senders.remove(id));
    },
    /** Sends a validated event to our window only. */
    emit(payload: EventOf<'progress'>) {
      send('progress', payload);
    },
    emitUpgrade(payload: EventOf<'upgrade'>) {
      send('upgrade', payload);
    },
  };
}
