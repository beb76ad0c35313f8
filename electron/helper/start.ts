import { InstallerError } from '../engine/errors.js';
import { launchHelper } from './launch.js';
import { HelperServer, type HelperConnection } from './server.js';

export interface StartHelperOptions {
  exe: string;
  preArgs?: string[];
  logFile?: string;
  timeoutMs?: number;
  /** Folder for the socket and token file (the app's own data folder). */
  baseDir?: string;
}

/**
 * Listen, launch the helper once (one UAC prompt), and wait until it has proved itself. Each way
 * this can fail has its own code: HELPER_ELEVATION_CANCELLED (UAC answered No, 1223),
 * HELPER_ELEVATION_BLOCKED (another Win32 error), HELPER_LAUNCH_FAILED (PowerShell did not run),
 * HELPER_CRASHED (the helper ended before connecting), HELPER_TIMEOUT (no connection in N s).
 */
export async function startHelper(o: StartHelperOptions): Promise<HelperConnection> {
  const server = await HelperServer.listen(o.baseDir);
  try {
    const tokenFile = await server.writeTokenFile();
    const launched = launchHelper({ ...o, pipe: server.pipe, tokenFile });
    const failedEarly = launched.exited.then((e) => {
      throw (
        e ??
        new InstallerError(
          'HELPER_CRASHED',
          'The elevated helper ended before it connected (exit code 0).',
          'See helper.log in the log folder, then try again.',
        )
      );
    });
    return await Promise.race([server.waitForHelper(o.timeoutMs ?? 120_000), failedEarly]);
  } finally {
    // The authenticated socket stays open; the listening pipe and the token file go.
    await server.close();
  }
}
