/**
 * What the app asks Windows to run to get its one elevated helper, checked byte for byte: the
 * absolute Windows PowerShell path, a constant script (-EncodedCommand), and on stdin only the app's
 * own exe and fixed helper flags. No .bat, no cmd.exe, no answer, no password, no token.
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { HELPER_FLAG } from '../../electron/helper/entry.js';
import {
  ELEVATE_SCRIPT,
  elevationCommand,
  elevationFailure,
  helperArgs,
  launchHelper,
} from '../../electron/helper/launch.js';

const EXE = 'C:\\Program Files\\QATrack+ Installer\\QATrack+ Installer.exe';
const PIPE = '\\\\.\\pipe\\qatrack-installer-0f8fad5b-d9cb-469f-a165-70867728950e';
const TOKEN_FILE = 'C:\\Users\\it-admin\\AppData\\Roaming\\QATrack+ Installer\\qatrack-helper-x\\token-1';
const LOG = 'C:\\Users\\it-admin\\AppData\\Roaming\\QATrack+ Installer\\logs\\helper.log';
const options = { exe: EXE, pipe: PIPE, tokenFile: TOKEN_FILE, logFile: LOG };

describe('elevation command', () => {
  it('runs Windows PowerShell by absolute path with a constant encoded script', () => {
    const c = elevationCommand(options);
    expect(c.file).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(c.args.slice(0, -1)).toEqual([
      '-NoLogo',
      '-NoProfile',
      '-NonInteractive',
      '-ExecutionPolicy',
      'Bypass',
      '-EncodedCommand',
    ]);
    const script = Buffer.from(c.args.at(-1)!, 'base64').toString('utf16le');
    expect(script).toBe(ELEVATE_SCRIPT);
    // ShellExecuteEx "runas" on the app's own exe: the UAC prompt names the signed app.
    expect(script).toContain('Start-Process -FilePath $in.exe -ArgumentList $in.args -Verb RunAs');
    expect(script).toContain('ConvertTo-Json -Compress');
    expect(script).not.toMatch(/\.bat|cmd\.exe|%TEMP%/i);
  });

  it('passes only the app exe and fixed helper flags, quoted for CommandLineToArgvW', () => {
    const c = elevationCommand(options);
    expect(c.stdinJson).toEqual({
      exe: EXE,
      args: `${HELPER_FLAG} --pipe ${PIPE} --token-file ` + `"${TOKEN_FILE}" --log "${LOG}"`,
    });
    expect(helperArgs(options)).toEqual([
      HELPER_FLAG,
      '--pipe',
      PIPE,
      '--token-file',
      TOKEN_FILE,
      '--log',
      LOG,
    ]);
    const everything = JSON.stringify(c);
    for (const banned of ['answers', 'password', '.bat', 'secret']) expect(everything).not.toContain(banned);
    // The token itself never travels on a command line: the helper reads it from the file and deletes it.
    expect(everything).not.toMatch(/[0-9a-f]{64}/);
  });

  it('refuses paths with quotes rather than quoting them into a command', () => {
    expect(() => elevationCommand({ ...options, exe: 'C:\\a"b\\app.exe' })).toThrow(
      /HELPER_PATH_UNSAFE|quotes/,
    );
  });
});

describe('elevation failures say what failed', () => {
  it('1223 is "answered No", another Win32 error is "blocked", no answer is "launcher failed"', () => {
    expect(elevationFailure({ win32: 1223, message: 'The operation was canceled by the user' }).code).toBe(
      'HELPER_ELEVATION_CANCELLED',
    );
    const blocked = elevationFailure({ win32: 1260, message: 'blocked by group policy' });
    expect(blocked.code).toBe('HELPER_ELEVATION_BLOCKED');
    expect(blocked.message).toContain('Win32 error 1260');
    const none = elevationFailure(undefined, 'spawn powershell.exe ENOENT');
    expect(none.code).toBe('HELPER_LAUNCH_FAILED');
    expect(none.message).toContain('ENOENT');
    for (const e of [blocked, none]) expect(e.message).not.toMatch(/cancel/i);
  });

  describe('launchHelper on Windows (spawn stand-in answering as the fixed script does)', () => {
    const realPlatform = process.platform;
    afterEach(() => Object.defineProperty(process, 'platform', { value: realPlatform }));

    function fakeSpawn(stdout: string, code = 0) {
      const calls: { file: string; args: readonly string[]; stdin: string }[] = [];
      const impl = ((file: string, args: readonly string[]) => {
        const child = new EventEmitter() as EventEmitter & {
          stdout: PassThrough;
          stderr: PassThrough;
          stdin: PassThrough;
        };
        child.stdout = new PassThrough();
        child.stderr = new PassThrough();
        child.stdin = new PassThrough();
        const call = { file, args, stdin: '' };
        calls.push(call);
        child.stdin.on('data', (d: Buffer) => (call.stdin += d.toString()));
        child.stdin.on('finish', () => {
          child.stdout.end(stdout);
          setImmediate(() => child.emit('close', code));
        });
        return child;
      }) as unknown as typeof import('node:child_process').spawn;
      return { impl, calls };
    }

    it('reports a refused prompt as cancelled, with the exact command it ran', async () => {
      Object.defineProperty(process, 'platform', { value: 'win32' });
      const { impl, calls } = fakeSpawn(
        '{"ok":false,"win32":1223,"message":"The operation was canceled by the user."}',
      );
      const e = await launchHelper(options, impl).exited;
      expect((e as { code?: string }).code).toBe('HELPER_ELEVATION_CANCELLED');
      expect(calls).toHaveLength(1);
      expect(calls[0]!.file).toBe(elevationCommand(options).file);
      expect(JSON.parse(calls[0]!.stdin)).toEqual(elevationCommand(options).stdinJson);
    });

    it('a helper that starts and then disappears is reported as crashed with its PID', async () => {
      Object.defineProperty(process, 'platform', { value: 'win32' });
      // A PID that does not exist (process.kill(pid, 0) answers ESRCH).
      const { impl } = fakeSpawn('{"ok":true,"pid":2147483646}');
      const e = await launchHelper(options, impl).exited;
      expect((e as { code?: string }).code).toBe('HELPER_CRASHED');
      expect(e!.message).toContain('PID 2147483646');
    });

    it('PowerShell that prints no JSON is a launcher failure, not a cancellation', async () => {
      Object.defineProperty(process, 'platform', { value: 'win32' });
      const { impl } = fakeSpawn('', 1);
      const e = await launchHelper(options, impl).exited;
      expect((e as { code?: string }).code).toBe('HELPER_LAUNCH_FAILED');
    });
  });
});
