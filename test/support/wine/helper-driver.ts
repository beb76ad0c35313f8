/**
 * Runs inside Windows node.exe (bundled by test/wine/helper-pipe.test.ts): plays the app's side of
 * the elevated-helper protocol on a real Windows named pipe (\\.\pipe\qatrack-installer-<uuid>) and
 * starts the real helper as a second node.exe, as main does (minus UAC). Prints one JSON report.
 *   node.exe helper-driver.js <helper.js> <work dir (Windows path)>
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HelperServer } from '../../../electron/helper/server.js';

const [helperJs, work] = process.argv.slice(2) as [string, string];

/** node.exe under Wine needs real files for its standard handles. */
function startHelper(pipe: string, tokenFile: string, name: string) {
  const empty = path.join(work, 'empty.txt');
  writeFileSync(empty, '');
  const fds = [
    openSync(empty, 'r'),
    openSync(path.join(work, `${name}.out`), 'w'),
    openSync(path.join(work, `${name}.err`), 'w'),
  ];
  const child = spawn(
    process.execPath,
    [
      helperJs,
      '--qatrack-helper',
      '--pipe',
      pipe,
      '--token-file',
      tokenFile,
      '--log',
      path.join(work, `${name}.log`),
    ],
    { stdio: fds },
  );
  fds.forEach((fd) => closeSync(fd));
  return new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
}

const report: Record<string, unknown> = { platform: process.platform };

// 1. The right token: accepted, token file deleted; hanging up makes the helper exit 0.
{
  const server = await HelperServer.listen(work);
  report.pipe = server.pipe;
  const tokenFile = await server.writeTokenFile();
  const exited = startHelper(server.pipe, tokenFile, 'ok');
  const link = await server.waitForHelper(60_000);
  report.acceptedPid = link.pid > 0;
  report.tokenFileDeleted = !existsSync(tokenFile);
  // 2. A raw action list: the helper takes none from the app (HELPER_ACTION_LIST_REFUSED).
  const refused = await link.sendRaw((id) => ({
    type: 'apply',
    id,
    actions: [{ kind: 'formatDisk', describe: 'format C:' }],
  }));
  report.refusedOk = refused.ok;
  report.refusedCode = refused.error?.code;
  // 3. Disconnect.
  link.close();
  report.exitAfterDisconnect = await exited;
  await server.close();
}

// 4. A forged token: hung up on, the helper exits, the server counts the refusal.
{
  const server = await HelperServer.listen(work);
  const forged = path.join(work, 'forged-token');
  writeFileSync(forged, 'ab'.repeat(32));
  const exited = startHelper(server.pipe, forged, 'forged');
  const waited = await server.waitForHelper(15_000).then(
    () => 'accepted',
    (e: Error) => e.message,
  );
  report.forgedExit = await exited;
  report.forgedWait = waited;
  report.forgedRefused = server.refused;
  await server.close();
}

process.stdout.write(JSON.stringify(report) + '\n');
