import { chown, mkdtemp, readFile, appendFile, rm, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

/** A throw-away PostgreSQL cluster on 127.0.0.1 (unix socket in its temp dir), stopped by PID. */
export interface TestPostgres {
  port: number;
  dir: string;
  pid: number;
  /** Run SQL as the cluster's superuser, given on stdin (never on a command line). */
  sql(text: string, database?: string): Promise<string>;
  stop(): Promise<void>;
}

export const PG_BIN = [
  '/usr/lib/postgresql/15/bin',
  '/usr/lib/postgresql/16/bin',
  '/usr/lib/postgresql/17/bin',
].find((d) => existsSync(path.join(d, 'initdb')));

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** PostgreSQL refuses to run as root: run its tools as the `postgres` user when we are root. */
const asPostgres = (file: string, args: string[]) =>
  process.getuid?.() === 0
    ? (['runuser', ['-u', 'postgres', '--', file, ...args]] as const)
    : ([file, args] as const);

export async function startPostgres(): Promise<TestPostgres> {
  if (!PG_BIN) throw new Error('PostgreSQL server binaries not found (apt-get install postgresql)');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'qatrack-pg-'));
  const data = path.join(dir, 'data');
  await mkdir(data);
  if (process.getuid?.() === 0) {
    const { stdout } = await execa('id', ['-u', 'postgres']);
    const { stdout: gid } = await execa('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout), Number(gid));
    await chown(data, Number(stdout), Number(gid));
  }
  const [f1, a1] = asPostgres(path.join(PG_BIN, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  await execa(f1, [...a1]);
  const port = await freePort();
  await appendFile(
    path.join(data, 'postgresql.conf'),
    `\nlisten_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir}'\nfsync = off\n`,
  );
  const [f2, a2] = asPostgres(path.join(PG_BIN, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    path.join(dir, 'server.log'),
    '-w',
    'start',
  ]);
  await execa(f2, [...a2]);
  const pid = Number((await readFile(path.join(data, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const sql = async (text: string, database = 'postgres') => {
    const [f, a] = asPostgres('/usr/bin/psql', [
      '-h',
      dir,
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      database,
      '-v',
      'ON_ERROR_STOP=1',
      '-q',
      '-A',
      '-t',
      '-f',
      '-',
    ]);
    return (await execa(f, [...a], { input: text })).stdout;
  };
  const stop = async () => {
    try {
      process.kill(pid, 'SIGINT'); // fast shutdown
    } catch {
      /* already gone */
    }
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        break;
      }
    }
    await rm(dir, { recursive: true, force: true });
  };
  return { port, dir, pid, sql, stop };
}

/**
 * What a DBA would hand over: a database owned by the read/write login and a read-only login with
 * SELECT on everything that login creates. Passwords are dollar-quoted and sent on stdin.
 */
export async function createQatrackDatabase(
  pg: TestPostgres,
  db: { name: string; user: string; password: string; readonlyUser: string; readonlyPassword: string },
) {
  const q = (s: string) => {
    if (s.includes('$pw$')) throw new Error('password contains the dollar-quote tag');
    return `$pw$${s}$pw$`;
  };
  await pg.sql(
    [
      `CREATE ROLE ${db.user} LOGIN PASSWORD ${q(db.password)};`,
      `CREATE ROLE ${db.readonlyUser} LOGIN PASSWORD ${q(db.readonlyPassword)};`,
      `CREATE DATABASE ${db.name} OWNER ${db.user};`,
    ].join('\n'),
  );
  await pg.sql(
    [
      `GRANT CONNECT ON DATABASE ${db.name} TO ${db.readonlyUser};`,
      `GRANT USAGE ON SCHEMA public TO ${db.readonlyUser};`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${db.user} IN SCHEMA public GRANT SELECT ON TABLES TO ${db.readonlyUser};`,
    ].join('\n'),
    db.name,
  );
}
