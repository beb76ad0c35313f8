import { readFile, readdir, readlink } from 'node:fs/promises';
import net from 'node:net';
import type { PortResult } from '../../engine/queries.js';

/** True when something already listens on address:port (we try to bind it ourselves). */
export function isPortBound(port: number, address = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'EADDRINUSE' || err.code === 'EACCES'),
    );
    server.once('listening', () => server.close(() => resolve(false)));
    server.listen({ port, host: address, exclusive: true });
  });
}

/** Socket inodes listening on `port` (any address), from /proc/net/tcp{,6}. */
async function listeningInodes(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (!local || cols[3] !== '0A') continue; // 0A = LISTEN
      if (parseInt(local.split(':')[1] ?? '', 16) === port && cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** Which process holds the port, where /proc lets us see it (other users' fds need root). */
async function portHolder(port: number): Promise<{ pid: number; process?: string } | undefined> {
  const inodes = await listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const fds = await readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${entry}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1]!)) {
        const comm = await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => undefined);
        return { pid: Number(entry), process: comm?.trim() };
      }
    }
  }
  return undefined;
}

export async function queryPort(port: number, address = '127.0.0.1'): Promise<PortResult> {
  if (!(await isPortBound(port, address))) return { inUse: false };
  const owner = await portHolder(port);
  return owner ? { inUse: true, owner } : { inUse: true };
}
