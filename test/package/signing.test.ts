import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_TIMESTAMP_URL,
  osslsigncodeArgs,
  signFile,
  signingConfigFromEnv,
  UNSIGNED_WARNING,
} from '../../scripts/dist/signing.js';

const product = { description: 'QATrack+ Installer', url: 'https://qatrackplus.com' };
const dir = await mkdtemp(path.join(os.tmpdir(), 'qatrack-sign-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('code-signing configuration', () => {
  it('without a certificate: no config, and signing a file warns that the build is unsigned', async () => {
    expect(await signingConfigFromEnv({}, product)).toBeNull();
    const exe = path.join(dir, 'app.exe');
    await writeFile(exe, 'MZ not really');
    const warnings: string[] = [];
    expect(await signFile(exe, null, (m) => warnings.push(m))).toBe(false);
    expect(warnings).toEqual([`${UNSIGNED_WARNING} (file: ${exe})`]);
    expect(UNSIGNED_WARNING).toMatch(/^WARNING: UNSIGNED BUILD/);
    expect(await readFile(exe, 'utf8')).toBe('MZ not really');
  });

  it('with a certificate: SHA-256, an RFC 3161 timestamp by default, the password only via a file', async () => {
    const pfx = path.join(dir, 'c.pfx');
    const pass = path.join(dir, 'pass.txt');
    await writeFile(pfx, 'x');
    await writeFile(pass, 'canary-S3cret\n');
    const config = await signingConfigFromEnv(
      { QATRACK_SIGN_PFX: pfx, QATRACK_SIGN_PASSWORD_FILE: pass },
      product,
    );
    expect(config?.timestampUrl).toBe(DEFAULT_TIMESTAMP_URL);
    const args = osslsigncodeArgs(config!, 'in.exe', 'out.exe');
    expect(args.slice(args.indexOf('-h'), args.indexOf('-h') + 2)).toEqual(['-h', 'sha256']);
    expect(args.slice(args.indexOf('-ts'), args.indexOf('-ts') + 2)).toEqual(['-ts', DEFAULT_TIMESTAMP_URL]);
    expect(args.slice(args.indexOf('-readpass'), args.indexOf('-readpass') + 2)).toEqual(['-readpass', pass]);
    expect(args.join(' ')).not.toContain('canary-S3cret');
    expect(args).not.toContain('-pass');
  });

  it('names the variable that is wrong', async () => {
    await expect(
      signingConfigFromEnv({ QATRACK_SIGN_PFX: path.join(dir, 'missing.pfx') }, product),
    ).rejects.toThrow(/QATRACK_SIGN_PFX points to .*missing\.pfx, which is not a file/);
    await expect(
      signingConfigFromEnv({ QATRACK_SIGN_PFX: 'x', QATRACK_SIGN_TIMESTAMP_URL: 'ftp://ts' }, product),
    ).rejects.toThrow(/QATRACK_SIGN_TIMESTAMP_URL is invalid/);
  });
});
