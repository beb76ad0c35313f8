import { contextBridge, ipcRenderer } from 'electron';
import {
  channelOf,
  contract,
  eventChannelOf,
  events,
  methods,
  type EventName,
  type EventOf,
  type InstallerApi,
  type Method,
} from '../ipc/contract.js';

/**
 * The whole surface the page gets: `window.installer`, one function per contract channel plus a
 * progress subscription. No ipcRenderer, no event objects, no Node. Answers from main are validated
 * here before the page sees them. Bundled into one CJS file (sandboxed preloads cannot import).
 */
const invoke = async (method: Method, request: unknown): Promise<unknown> => {
  const raw: unknown = await ipcRenderer.invoke(channelOf(method), request);
  const checked = contract[method].response.safeParse(raw);
  return checked.success
    ? checked.data
    : { ok: false, error: { code: 'IPC_BAD_RESPONSE', message: 'The installer sent an unexpected answer.' } };
};

const api = Object.fromEntries(
  methods.map((m) => [m, (request: unknown) => invoke(m, request)]),
) as unknown as Omit<InstallerApi, 'onProgress' | 'onUpgrade'>;

/** One main -> page event stream, each payload checked against its schema before the page sees it. */
function subscribe<E extends EventName>(name: E, listener: (payload: EventOf<E>) => void): () => void {
  const channel = eventChannelOf(name);
  const handler = (_event: unknown, payload: unknown) => {
    const checked = events[name].safeParse(payload);
    if (checked.success) listener(checked.data as EventOf<E>);
  };
  ipcRenderer.on(channel, handler);
  return () => {
    ipcRenderer.off(channel, handler);
  };
}

const installer: InstallerApi = {
  ...api,
  onProgress: (listener) => subscribe('progress', listener),
  onUpgrade: (listener) => subscribe('upgrade', listener),
};

contextBridge.exposeInMainWorld('installer', installer);
