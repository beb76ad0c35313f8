/**
 * The machine's remembered answers: what is written where, with which ACL, and by which route.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadAnswers } from '../../../electron/engine/answers/index.js';
import { computeLayout } from '../../../electron/engine/layout.js';
import {
  applierFor,
  forgetActions,
  machineDataDir,
  rememberActions,
  rememberedText,
} from '../../../electron/engine/remembered.js';
import { createAllowList } from '../../../electron/helper/allow-list.js';
import type { Host } from '../../../electron/engine/host.js';

const example = () => JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
const DIR = 'C:\\ProgramData\\QATrack+ Installer';

describe('remembered answers', () => {
  it('are a valid answers file with env references in place of every secret', () => {
    const text = rememberedText(example());
    for (const secret of ['Ch4nge-me', 'Reports-pw', 'Admin-pw', 'Smtp-pw'])
      expect(text).not.toContain(secret);
    const back = JSON.parse(text);
    expect(back.database.login.password).toEqual({ env: 'QATRACK_SECRET_DATABASE_LOGIN_PASSWORD' });
    // With the variables set, it loads like any answers file IT writes.
    const env = {
      QATRACK_SECRET_DATABASE_LOGIN_PASSWORD: 'a-Password-1',
      QATRACK_SECRET_DATABASE_READONLY_LOGIN_PASSWORD: 'b-Password-2',
      QATRACK_SECRET_ADMIN_PASSWORD: 'c-Password-3',
      QATRACK_SECRET_EMAIL_PASSWORD: 'd-Password-4',
    };
    expect(loadAnswers(back, { env }).ok).toBe(true);
  });

  it('on Windows: the file, then Administrators + SYSTEM full control only, inheritance removed', () => {
    const [write, dirAcl, fileAcl] = rememberActions(DIR, example());
    expect(write).toMatchObject({ kind: 'writeFile', path: `${DIR}\\last-answers.json` });
    for (const acl of [dirAcl, fileAcl]) {
      expect(acl).toMatchObject({ kind: 'acl', protect: true });
      expect(
        (acl as { grants: { principal: string; rights: string }[] }).grants.map(
          (g) => `${g.principal}:${g.rights}`,
        ),
      ).toEqual(['*S-1-5-32-544:F', '*S-1-5-18:F']);
    }
    expect(dirAcl).toMatchObject({ path: DIR });
    expect(fileAcl).toMatchObject({ path: `${DIR}\\last-answers.json` });
    expect(forgetActions(DIR)).toEqual([
      expect.objectContaining({ kind: 'remove', path: `${DIR}\\last-answers.json` }),
    ]);
  });

  it('pass the elevated helper allow-list with its machine folder as a write root, and only then', () => {
    const loaded = loadAnswers(example());
    if (!loaded.ok) throw new Error('example answers');
    const input = {
      platform: 'win32' as const,
      layout: computeLayout(loaded.answers, 'win32'),
      release: { id: '3.1.1.4', artifacts: {}, staged: [], versions: {} },
    };
    // The helper writes them itself after a run (electron/helper/plan-guard.ts), in its own folder.
    const allow = createAllowList({ ...input, extraWriteRoots: [DIR] });
    const confined = createAllowList(input);
    for (const a of [...rememberActions(DIR, example()), ...forgetActions(DIR)]) {
      expect(allow.checkAction(a), a.kind).toMatchObject({ ok: true });
      expect(confined.checkAction(a), a.kind).toMatchObject({ ok: false, code: 'HELPER_PATH_REFUSED' });
    }
  });

  it('go through the host on a real Windows machine only; sim and posix targets keep a local file', async () => {
    const applied: string[] = [];
    const host = (kind: Host['kind']): Host => ({
      kind,
      platform: kind === 'posix' ? 'posix' : 'win32',
      query: () => Promise.reject(new Error('no')),
      apply: (a) => {
        applied.push(a.kind);
        return Promise.resolve({});
      },
      close: () => Promise.resolve(),
    });
    expect(applierFor(host('sim'))).toBeUndefined();
    expect(applierFor(host('posix'))).toBeUndefined();
    await applierFor(host('windows'))!(rememberActions(DIR, example()));
    expect(applied).toEqual(['writeFile', 'acl', 'acl']);
    expect(machineDataDir({ PROGRAMDATA: 'E:\\PD' }, 'win32')).toBe('E:\\PD\\QATrack+ Installer');
  });
});
