import { describe, expect, it } from 'vitest';
import { CancelledError, EXIT, InputError, InstallerError } from '../../electron/engine/errors.js';
import {
  MSI_EXIT,
  msiExitCodeForError,
  msiExitCodeForResult,
  runUnattended,
} from '../../electron/engine/msi-exit.js';
import { parseUnattendedArgs } from '../../electron/engine/unattended-args.js';

describe('MSI-style exit codes for unattended runs', () => {
  it('maps each engine outcome to the code IT automation expects', () => {
    expect(msiExitCodeForResult({ exitCode: EXIT.ok, rebootRequired: false })).toBe(0);
    expect(msiExitCodeForResult({ exitCode: EXIT.ok, rebootRequired: true })).toBe(3010);
    expect(msiExitCodeForResult({ exitCode: EXIT.rebootRequired, rebootRequired: true })).toBe(3010);
    expect(msiExitCodeForResult({ exitCode: EXIT.cancelled, rebootRequired: false })).toBe(1602);
    expect(msiExitCodeForResult({ exitCode: EXIT.failure, rebootRequired: true })).toBe(1603);
    expect(msiExitCodeForResult({ exitCode: EXIT.invalidInput, rebootRequired: false })).toBe(1639);
    // An apply that still has changes pending did not converge.
    expect(msiExitCodeForResult({ exitCode: EXIT.changesPending, rebootRequired: false })).toBe(1603);
  });

  it('maps escaped errors by kind', () => {
    expect(msiExitCodeForError(new CancelledError())).toBe(MSI_EXIT.cancelled);
    expect(msiExitCodeForError(new InputError('ANSWERS_INVALID', 'bad'))).toBe(MSI_EXIT.invalidCommandLine);
    expect(msiExitCodeForError(new InstallerError('SQL_LOGIN', 'login failed'))).toBe(MSI_EXIT.failed);
    expect(msiExitCodeForError(new TypeError('boom'))).toBe(MSI_EXIT.failed);
  });

  it('prints the log path first and a summary with code and log path last, and never throws', async () => {
    const lines: string[] = [];
    const logPath = 'C:\\ProgramData\\QATrack+\\logs\\run-1.log';
    const code = await runUnattended(
      () =>
        Promise.reject(new InstallerError('IIS_ARR', 'ARR proxy is disabled.', 'Enable it in IIS Manager.')),
      { logPath, write: (l) => lines.push(l) },
    );
    expect(code).toBe(1603);
    expect(lines[0]).toBe(`Log: ${logPath}`);
    expect(lines[1]).toBe('Error IIS_ARR: ARR proxy is disabled. Enable it in IIS Manager.');
    expect(lines.at(-1)).toBe(`QATrack+ Installer failed (exit code 1603). Log: ${logPath}`);

    const ok: string[] = [];
    const reboot = await runUnattended(() => Promise.resolve({ exitCode: 0, rebootRequired: true }), {
      logPath,
      write: (l) => ok.push(l),
    });
    expect(reboot).toBe(3010);
    expect(ok.at(-1)).toContain('restart Windows');
  });
});

describe('unattended command line', () => {
  it('is ignored when --unattended is absent (the wizard opens)', () => {
    expect(parseUnattendedArgs(['--mode=repair'])).toBeNull();
  });

  it('reads mode, answers, log and the keep-data answer, ignoring Chromium switches', () => {
    expect(
      parseUnattendedArgs([
        '--no-sandbox',
        '--unattended',
        '--answers',
        'C:\\a.json',
        '--log-file',
        'C:\\r.log',
      ]),
    ).toEqual({ mode: 'install', answersFile: 'C:\\a.json', logFile: 'C:\\r.log', keepData: true });
    expect(parseUnattendedArgs(['--unattended', '--mode=uninstall', '--remove-data'])).toEqual({
      mode: 'uninstall',
      keepData: false,
    });
  });

  it('names the field that is wrong', () => {
    expect(() => parseUnattendedArgs(['--unattended'])).toThrow(/--answers is required/);
    expect(() => parseUnattendedArgs(['--unattended', '--answers', 'a.json', '--mode', 'destroy'])).toThrow(
      /--mode/,
    );
    expect(() =>
      parseUnattendedArgs(['--unattended', '--mode=uninstall', '--keep-data', '--remove-data']),
    ).toThrow(/--remove-data use either/);
  });
});
