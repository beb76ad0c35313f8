import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ActionInput } from '../../../electron/engine/actions/index.js';
import { actionSchema, serviceSpecSchema } from '../../../electron/engine/actions/index.js';
import { MapSecretStore } from '../../../electron/engine/secrets.js';
import { serviceSpecHash } from '../../../electron/engine/actions/spec-hash.js';
import { createSimHost } from '../../../electron/hosts/sim/host.js';
import { CANARY, tempDir } from '../../support/engine-context.js';

const secrets = new MapSecretStore([['database.login.password', CANARY]]);
const ctx = { secrets, signal: new AbortController().signal, timeoutMs: 1000, onOutput: () => undefined };
const open = async (state?: object) => {
  const file = path.join(tempDir(), 'state.json');
  if (state) writeFileSync(file, JSON.stringify(state));
  return { file, host: await createSimHost(file) };
};
const apply = (host: Awaited<ReturnType<typeof createSimHost>>, a: ActionInput) =>
  host.apply(actionSchema.parse(a), ctx);

describe('sim host', () => {
  it('treats Windows paths case-insensitively with either separator', async () => {
    const { host } = await open();
    await apply(host, { kind: 'mkdir', describe: 'x', path: 'C:\\QATrack\\Venv' });
    expect(await host.query({ kind: 'file', path: 'c:/qatrack/venv/' })).toMatchObject({
      exists: true,
      type: 'dir',
    });
    expect(await host.query({ kind: 'listDir', path: 'C:\\QATRACK' })).toEqual({
      exists: true,
      entries: [{ name: 'Venv', type: 'dir' }],
    });
    await apply(host, { kind: 'remove', describe: 'x', path: 'c:\\qatrack', recursive: true });
    expect((await host.query({ kind: 'file', path: 'C:\\QATrack\\Venv' })).exists).toBe(false);
  });

  it('stores written files with secrets masked but hashes the real content, and saves across opens', async () => {
    const { host, file } = await open();
    const content = [
      `DB_PASSWORD = '`,
      { $secret: 'database.login.password', encode: 'python-str' as const },
      `'\n`,
    ];
    await apply(host, {
      kind: 'writeFile',
      describe: 'write',
      path: 'C:\\QATrack\\local_settings.py',
      content,
    });
    await host.close();
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('C4nary');
    const again = await createSimHost(file);
    const f = await again.query({
      kind: 'file',
      path: 'C:\\qatrack\\LOCAL_SETTINGS.py',
      content: true,
      sha256: true,
    });
    const real = `DB_PASSWORD = '${CANARY.replace(/[\\'"]/g, '\\$&')}'\n`;
    expect(f).toMatchObject({
      exists: true,
      content: "DB_PASSWORD = '********'\n",
      sha256: createHash('sha256').update(real).digest('hex'),
    });
    expect(await again.query({ kind: 'file', path: 'C:\\QATrack' })).toMatchObject({
      exists: true,
      type: 'dir',
    });
    await again.close();
  });

  it('refuses to remove a non-empty folder without recursive', async () => {
    const { host } = await open();
    await apply(host, { kind: 'mkdir', describe: 'x', path: 'C:\\A\\B' });
    await expect(apply(host, { kind: 'remove', describe: 'rm', path: 'C:\\A' })).rejects.toThrow(/not empty/);
  });

  it('copies folders and extracts archives', async () => {
    const { host } = await open();
    await apply(host, { kind: 'writeFile', describe: 'w', path: 'C:\\src\\a\\x.txt', content: ['hello'] });
    await apply(host, { kind: 'copy', describe: 'c', from: 'C:\\src', to: 'D:\\dst' });
    expect(await host.query({ kind: 'file', path: 'D:\\dst\\a\\x.txt', content: true })).toMatchObject({
      content: 'hello',
    });
    await apply(host, {
      kind: 'extract',
      describe: 'e',
      archive: 'E:\\b\\src.tar.gz',
      dest: 'C:\\QATrack\\qatrackplus',
      stripComponents: 1,
    });
    expect((await host.query({ kind: 'file', path: 'C:\\QATrack\\qatrackplus' })).exists).toBe(true);
    expect(await host.query({ kind: 'fact', key: 'extracted:c:\\qatrack\\qatrackplus' })).toMatchObject({
      known: true,
      value: { stripComponents: 1 },
    });
  });

  it('applies exec effects: files, products, merged facts; answers probe execs from facts', async () => {
    const { host } = await open();
    await apply(host, {
      kind: 'exec',
      describe: 'Install Python',
      file: 'E:\\python.exe',
      args: ['/quiet', { $secret: 'database.login.password' }],
      produces: [
        { kind: 'file', path: 'C:\\Py\\python.exe' },
        { kind: 'product', id: 'python-3.9', version: '3.9.13' },
        { kind: 'fact', key: 'py', value: { exitCode: 0, stdout: '3.9.13\n', extra: { a: 1 } } },
        { kind: 'fact', key: 'py', value: { extra: { b: 2 } } },
      ],
    });
    expect(await host.query({ kind: 'product', id: 'python-3.9' })).toEqual({
      installed: true,
      version: '3.9.13',
    });
    expect(await host.query({ kind: 'fact', key: 'py' })).toEqual({
      known: true,
      value: { exitCode: 0, stdout: '3.9.13\n', extra: { a: 1, b: 2 } },
    });
    expect(
      await host.query({ kind: 'exec', file: 'C:\\Py\\python.exe', args: ['-V'], simFact: 'py' }),
    ).toEqual({ exitCode: 0, stdout: '3.9.13\n', stderr: '' });
    expect(await host.query({ kind: 'exec', file: 'C:\\nope.exe', args: [] })).toMatchObject({
      exitCode: 127,
      notFound: true,
    });
  });

  it('manages services with a spec hash, and answers ports and HTTP from running services', async () => {
    const { host } = await open({ ports: { '80': { process: 'System', iisSite: 'Default Web Site' } } });
    const spec = { name: 'W1', file: 'C:\\venv\\python.exe', args: ['-m', 'cheroot'], port: 8001 };
    await apply(host, { kind: 'service', describe: 'ensure', op: 'ensure', name: 'W1', spec });
    expect(await host.query({ kind: 'service', name: 'w1' })).toEqual({
      exists: true,
      state: 'stopped',
      specHash: serviceSpecHash(serviceSpecSchema.parse(spec)),
    });
    await expect(
      apply(host, { kind: 'waitHttp', describe: 'wait', url: 'http://127.0.0.1:8001/' }),
    ).rejects.toThrow(/did not answer/);
    await apply(host, { kind: 'service', describe: 'start', op: 'start', name: 'W1' });
    // QATrack+'s login middleware sends / to the login page; the login page itself answers 200.
    await apply(host, { kind: 'waitHttp', describe: 'wait', url: 'http://127.0.0.1:8001/accounts/login/' });
    expect(await host.query({ kind: 'port', port: 8001 })).toMatchObject({
      inUse: true,
      owner: { service: 'W1' },
    });
    expect(await host.query({ kind: 'port', port: 80 })).toMatchObject({
      inUse: true,
      owner: { iisSite: 'Default Web Site' },
    });
    expect(await host.query({ kind: 'http', url: 'http://127.0.0.1:8001/accounts/login/' })).toMatchObject({
      ok: true,
      status: 200,
    });
    expect(await host.query({ kind: 'http', url: 'http://127.0.0.1:8001/' })).toMatchObject({ status: 302 });
    await apply(host, { kind: 'service', describe: 'stop', op: 'stop', name: 'W1' });
    expect(await host.query({ kind: 'http', url: 'http://127.0.0.1:8001/' })).toMatchObject({ ok: false });
    await apply(host, { kind: 'service', describe: 'rm', op: 'remove', name: 'W1' });
    expect(await host.query({ kind: 'service', name: 'W1' })).toEqual({ exists: false });
  });

  it('injects faults a given number of times, honouring exit codes', async () => {
    const { host } = await open({
      faults: [
        { describeIncludes: 'Create folder', times: 2, message: 'disk full' },
        { kind: 'exec', describeIncludes: 'VC++', exitCode: 3010 },
        { kind: 'exec', describeIncludes: 'ODBC', exitCode: 1603 },
      ],
    });
    const mk = { kind: 'mkdir', describe: 'Create folder C:\\A', path: 'C:\\A' } as const;
    await expect(apply(host, mk)).rejects.toThrow(/disk full/);
    await expect(apply(host, mk)).rejects.toThrow(/disk full/);
    await apply(host, mk);
    const vc = await apply(host, {
      kind: 'exec',
      describe: 'Install VC++',
      file: 'E:\\vc.exe',
      rebootExitCodes: [3010],
    });
    expect(vc.rebootRequired).toBe(true);
    expect(host.state.rebootRequired).toBe(true);
    await expect(
      apply(host, { kind: 'exec', describe: 'Install ODBC', file: 'E:\\odbc.msi' }),
    ).rejects.toMatchObject({ code: 'EXEC_FAILED', details: { exitCode: 1603 } });
    expect(host.state.faults).toEqual([]);
  });

  it('read-only hosts (plan) neither lock nor write; a second writer is refused', async () => {
    const { host, file } = await open();
    await expect(createSimHost(file)).rejects.toThrow(/in use by another installer run/);
    const ro = await createSimHost(file, { readOnly: true });
    await expect(apply(ro, { kind: 'mkdir', describe: 'x', path: 'C:\\A' })).rejects.toThrow(/read-only/);
    await ro.close();
    expect(existsSync(file)).toBe(false);
    await host.close();
  });

  it('rejects a state file that does not match the schema, naming the field', async () => {
    const file = path.join(tempDir(), 'state.json');
    writeFileSync(file, JSON.stringify({ services: { W1: { state: 'paused' } } }));
    const err = await createSimHost(file).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SIM_STATE_INVALID' });
    expect((err as any).issues.map((i: any) => i.path)).toContain('services.W1.state');
  });
});
