import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../../electron/engine/layout.js';
import { loadCatalog, resolveRelease } from '../../../electron/engine/release.js';
import { createAllowList } from '../../../electron/helper/allow-list.js';
import { exampleAnswers } from '../../support/windows-sim.js';

/** Where the elevated helper may write: the layout's folders, and registry keys the catalog names. */
function allowFor(edit: (a: any) => void = () => undefined) {
  const a = exampleAnswers(edit);
  const layout = computeLayout(a.answers, 'win32');
  const release = resolveRelease(a.answers, layout, loadCatalog('3.1.1.4'));
  return { allow: createAllowList({ platform: 'win32', layout, release, answers: a.answers }), layout };
}

const write = (path: string) => ({ kind: 'writeFile', describe: `Write ${path}`, path, content: ['x'] });

describe('elevated helper write confinement', () => {
  it('allows the install, data and backup folders; refuses the Windows folder, other drives and traversal', () => {
    const { allow, layout } = allowFor();
    for (const p of [layout.localSettings, layout.join(layout.dataDir, 'logs', 'x.log'), layout.backupDir])
      expect(allow.checkAction(write(p)), p).toMatchObject({ ok: true });
    for (const p of [
      'C:\\Windows\\System32\\drivers\\etc\\hosts',
      'C:\\QATrackEvil\\x.txt', // a sibling whose name starts like the install folder
      layout.join(layout.installDir, '..', 'Windows', 'x.dll'),
      'relative\\x.txt',
    ])
      expect(allow.checkAction(write(p)), p).toMatchObject({ ok: false, code: 'HELPER_PATH_REFUSED' });
    // copy's destination and extract's destination are writes too; copy's source is a read.
    expect(
      allow.checkAction({ kind: 'copy', describe: 'c', from: 'E:\\bundle\\a.exe', to: 'C:\\Windows\\a.exe' }),
    ).toMatchObject({ code: 'HELPER_PATH_REFUSED' });
    expect(
      allow.checkAction({ kind: 'acl', describe: 'a', path: 'C:\\Windows', protect: true, grants: [] }),
    ).toMatchObject({ code: 'HELPER_PATH_REFUSED' });
  });

  it('a layout rooted in the Windows folder or a drive root confines nothing, so nothing is allowed', () => {
    const { allow } = allowFor((a) => (a.paths.installDir = 'C:\\Windows\\QATrack'));
    expect(allow.checkAction(write('C:\\Windows\\QATrack\\x.txt'))).toMatchObject({
      code: 'HELPER_PATH_REFUSED',
    });
    const root = allowFor((a) => (a.paths.dataDir = 'D:\\')).allow;
    expect(root.checkAction(write('D:\\boot.ini'))).toMatchObject({ code: 'HELPER_PATH_REFUSED' });
  });

  it('registry writes only under the SQL Server Express instance key the catalog version names', () => {
    const express = allowFor((a) => {
      a.database.mode = 'express';
      a.database.server = 'localhost';
      a.database.instance = 'QATRACK';
    }).allow;
    const reg = (key: string) => ({ kind: 'registry', describe: 'r', op: 'set', key, name: 'X', value: '1' });
    // versions.sqlexpress in the 3.1.1.4 catalog is SQL Server 2022 (major 16).
    const key = 'HKLM\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\MSSQL16.QATRACK\\MSSQLServer';
    expect(express.checkAction(reg(key))).toMatchObject({ ok: true });
    expect(express.checkAction(reg(`${key}\\SuperSocketNetLib\\Tcp\\IPAll`))).toMatchObject({ ok: true });
    for (const k of [
      'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run',
      'HKLM\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\MSSQL16.OTHER\\MSSQLServer',
      `${key}\\..\\..\\..\\Windows`,
    ])
      expect(express.checkAction(reg(k)), k).toMatchObject({ code: 'HELPER_REGISTRY_REFUSED' });
    // An existing SQL Server: no SQL Server key at all.
    expect(allowFor().allow.checkAction(reg(key))).toMatchObject({ code: 'HELPER_REGISTRY_REFUSED' });
  });

  it("the installed-release Uninstall key is allowed in every mode, and no other program's", () => {
    const { allow } = allowFor();
    const reg = (key: string, op = 'set') => ({
      kind: 'registry',
      describe: 'r',
      op,
      key,
      name: 'X',
      value: '1',
    });
    const uninstall = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall';
    expect(allow.checkAction(reg(`${uninstall}\\QATrack+`))).toMatchObject({ ok: true });
    expect(allow.checkAction({ ...reg(`${uninstall}\\QATrack+`, 'deleteKey'), name: '' })).toMatchObject({
      ok: true,
    });
    for (const k of [`${uninstall}\\QATrack+ Other`, `${uninstall}\\{GUID-OF-ANOTHER}`, uninstall])
      expect(allow.checkAction(reg(k)), k).toMatchObject({ code: 'HELPER_REGISTRY_REFUSED' });
  });
});
