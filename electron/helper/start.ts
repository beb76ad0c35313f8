import { launchHelper } from './launch.js';
import { HelperServer, type HelperConnection } from './server.js';

export interface StartHelperOptions {
  exe: string;
  preArgs?: string[];
  name: string;
  logFile?: string;
  timeoutMs?: number;
  /** Folder for the socket and token file (the app's own data folder). */
  baseDir?: string;
}

/** Listen, launch the helper once (one UAC prompt), and wait until it has proved itself. */
export async function startHelper(o: StartHelperOptions): Promise<HelperConnection> {
  const server = await HelperServer.listen(o.baseDir);
  try {
    const tokenFile = await server.writeTokenFile();
    const launched = launchHelper({ ...o, pipe: server.pipe, tokenFile });
    const failedEarly = launched.exited.then((e) => {
      throw e ?? new Error('The helper ended before it connected.');
    });
    return await Promise.race([server.waitForHelper(o.timeoutMs ?? 120_000), failedEarly]);
  } finally {
    // The authenticated socket stays open; the listening pipe and the token file go.
    await server.close();
  }
}
