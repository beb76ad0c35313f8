import { describe, expect, it, vi } from 'vitest';
import { IpcRouter, type Handlers } from '../../electron/ipc/router.js';
import { TrustedSenders, isAppUrl, type SenderInfo } from '../../electron/ipc/sender-guard.js';

const CANARY = 'Canary-pw-9d1!';

function setup() {
  const senders = new TrustedSenders();
  senders.add(7);
  const checkPort = vi.fn(({ port }: { port: number }) =>
    Promise.resolve({ port, inUse: port === 80, owner: 'IIS' }),
  );
  const handlers = { checkPort } as unknown as Handlers;
  const refused: string[] = [];
  const router = new IpcRouter(
    handlers,
    senders,
    (e) => ({ code: 'X', message: (e as Error).message }),
    (r) => refused.push(r),
  );
  return { router, senders, checkPort, refused };
}

const main = (url = 'app://bundle/index.html', id = 7): SenderInfo => ({
  sender: { id },
  senderFrame: { url, parent: null },
});

describe('IPC router', () => {
  it('serves a trusted main frame of our own page with a validated answer', async () => {
    const { router, checkPort } = setup();
    const r = await router.handle('installer:checkPort', main(), { port: 80 });
    expect(r).toEqual({ ok: true, value: { port: 80, inUse: true, owner: 'IIS' } });
    expect(checkPort).toHaveBeenCalledWith({ port: 80 });
  });

  it.each<[string, SenderInfo]>([
    ['an unknown webContents', main('app://bundle/index.html', 8)],
    ['a destroyed frame', { sender: { id: 7 }, senderFrame: null }],
    ['a sub-frame', { sender: { id: 7 }, senderFrame: { url: 'app://bundle/index.html', parent: {} } }],
    ['a remote page', main('https://evil.example/')],
    ['a file:// page', main('file:///C:/index.html')],
    ['a look-alike host', main('app://bundle.evil/index.html')],
    ['credentials in the URL', main('app://bundle@evil/index.html')],
    ['a garbage URL', main('not a url')],
  ])('refuses %s without calling the handler', async (_name, sender) => {
    const { router, checkPort, refused } = setup();
    const r = (await router.handle('installer:checkPort', sender, { port: 80 })) as any;
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('IPC_UNTRUSTED_SENDER');
    expect(checkPort).not.toHaveBeenCalled();
    expect(refused).toHaveLength(1);
  });

  it('forgets a window once it is removed', async () => {
    const { router, senders } = setup();
    senders.remove(7);
    const r = (await router.handle('installer:checkPort', main(), { port: 80 })) as any;
    expect(r.error.code).toBe('IPC_UNTRUSTED_SENDER');
  });

  it.each([
    ['a string port', { port: '80' }],
    ['a port out of range', { port: 70000 }],
    ['an extra field', { port: 80, exec: 'calc.exe' }],
    ['no object', 'port=80'],
    ['null', null],
  ])('refuses a request with %s', async (_name, body) => {
    const { router, checkPort } = setup();
    const r = (await router.handle('installer:checkPort', main(), body)) as any;
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('IPC_BAD_REQUEST');
    expect(checkPort).not.toHaveBeenCalled();
  });

  it('refuses unknown channels', async () => {
    const { router } = setup();
    const r = (await router.handle('installer:runShell', main(), {})) as any;
    expect(r.error.code).toBe('IPC_UNKNOWN_CHANNEL');
    const r2 = (await router.handle('other:checkPort', main(), { port: 80 })) as any;
    expect(r2.error.code).toBe('IPC_UNKNOWN_CHANNEL');
  });

  it('never echoes a password from a malformed request', async () => {
    const { router } = setup();
    const r = await router.handle('installer:testDatabaseConnection', main(), {
      server: 'sql01',
      authMode: 'sql',
      user: 'sa',
      password: CANARY,
      port: 'x' + CANARY,
    });
    expect(JSON.stringify(r)).not.toContain(CANARY);
    expect((r as any).error.issues[0].path).toBe('port');
  });

  it('turns a handler failure into a typed error and refuses a handler answer of the wrong shape', async () => {
    const senders = new TrustedSenders();
    senders.add(1);
    const handlers = {
      checkPort: () => Promise.reject(new Error('boom')),
      openLogFolder: () => Promise.resolve({ opened: 'yes', leaked: CANARY }),
    } as unknown as Handlers;
    const router = new IpcRouter(handlers, senders, (e) => ({ code: 'E', message: (e as Error).message }));
    const a = (await router.handle('installer:checkPort', main('app://bundle/', 1), { port: 1 })) as any;
    expect(a).toEqual({ ok: false, error: { code: 'E', message: 'boom' } });
    const b = await router.handle('installer:openLogFolder', main('app://bundle/', 1), {});
    expect((b as any).error.code).toBe('IPC_BAD_RESPONSE');
    expect(JSON.stringify(b)).not.toContain(CANARY);
  });

  it('lists one ipcMain channel per contract method', () => {
    const { router } = setup();
    expect(router.channels()).toContain('installer:apply');
    expect(router.channels().every((c) => c.startsWith('installer:'))).toBe(true);
  });

  it('parses app URLs strictly', () => {
    expect(isAppUrl('app://bundle/index.html#/review')).toBe(true);
    expect(isAppUrl('app://bundle:8080/')).toBe(false);
    expect(isAppUrl('app://other/index.html')).toBe(false);
  });
});
