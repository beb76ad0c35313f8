import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHost, parseHostSpec } from '../../../electron/hosts/index.js';
import { tempDir } from '../../support/engine-context.js';

describe('host factory', () => {
  it('parses windows, posix and sim:FILE (made absolute)', () => {
    expect(parseHostSpec('windows')).toEqual({ kind: 'windows' });
    expect(parseHostSpec('posix')).toEqual({ kind: 'posix' });
    expect(parseHostSpec('sim:rel/state.json')).toEqual({
      kind: 'sim',
      file: path.resolve('rel/state.json'),
    });
  });

  it('defaults to windows on Windows and requires --host elsewhere', () => {
    expect(parseHostSpec(undefined, 'win32')).toEqual({ kind: 'windows' });
    expect(() => parseHostSpec(undefined, 'linux')).toThrow(/--host is required on linux/);
  });

  it.each(['sim:', 'sim', 'ssh:server', 'Windows'])('refuses %j naming what is allowed', (spec) => {
    expect(() => parseHostSpec(spec)).toThrow(expect.objectContaining({ code: 'HOST_INVALID' }));
  });

  it('creates a sim host that reports itself as a Windows target', async () => {
    const host = await createHost(`sim:${path.join(tempDir(), 's.json')}`, { readOnly: true });
    expect([host.kind, host.platform]).toEqual(['sim', 'win32']);
    expect(await host.query({ kind: 'os' })).toMatchObject({
      platform: 'win32',
      name: 'Windows Server 2022 Datacenter',
    });
    await host.close();
  });
});
