import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import { Agent, request } from 'undici';

export interface NginxFiles {
  nginx: string;
  prefix: string;
  conf: string;
  errorLog: string;
  pid: string;
}

/**
 * Checks a configuration with `nginx -t`, then reloads the running master gracefully (SIGHUP:
 * "changing configuration ... starting new worker processes with a new configuration, graceful
 * shutdown of old worker processes", nginx.org/en/docs/control.html). The pid is nginx's own pid
 * file, and only that process is signalled.
 */
export async function testAndReloadNginx(f: NginxFiles): Promise<void> {
  const t = await execa(f.nginx, ['-t', '-q', '-p', f.prefix, '-c', f.conf, '-e', f.errorLog], {
    reject: false,
    all: true,
  });
  if (t.exitCode !== 0) throw new Error(`nginx refused ${f.conf}: ${String(t.all).trim()}`);
  const pid = Number((await readFile(f.pid, 'utf8')).trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${f.pid} holds no pid`);
  process.kill(pid, 'SIGHUP');
}

/** GET through nginx's unix-socket server (the upgrade's check, while the public port shows the page). */
export async function getViaSocket(socketPath: string, urlPath: string, host: string) {
  const dispatcher = new Agent({ connect: { socketPath } });
  try {
    const res = await request(`http://localhost${urlPath}`, {
      dispatcher,
      headers: { host },
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    });
    return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
  } finally {
    await dispatcher.close();
  }
}
