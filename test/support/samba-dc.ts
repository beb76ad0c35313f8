import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import lockfile from 'proper-lockfile';

/**
 * A real Active Directory domain controller for tests: Debian's Samba 4 (`samba-tool domain
 * provision --server-role=dc`, the AD DC Samba documents in its "Setting up Samba as an Active
 * Directory Domain Controller" guide), provisioned into a temporary folder, listening on 127.0.0.1
 * only (`interfaces = 127.0.0.1`, `bind interfaces only = yes`) with only its LDAP service
 * (`server services = ldap`). Samba's LDAP server has no port setting (smb.conf has `cldap port`,
 * `dns port`, `krb5 port`..., no LDAP one), so it takes 389 and 636, which needs root: the tests are
 * skipped with the reason when that or the packages are missing. LDAPS uses a test CA made here by
 * openssl (`tls certfile/keyfile/cafile`), its server certificate naming dc1.qatest.local and 127.0.0.1.
 */

export const REALM = 'QATEST.LOCAL';
export const DOMAIN = 'QATEST';
export const BASE_DN = 'DC=qatest,DC=local';
export const REQUIRED_GROUP = 'QATrack Users';

export interface TestUser {
  name: string;
  password: string;
  givenName: string;
  surname: string;
  mail: string;
  groups: string[];
}

export const USERS: TestUser[] = [
  {
    name: 'alice',
    password: 'Alice-Pass-2026!',
    givenName: 'Alice',
    surname: 'Liddell',
    mail: 'alice@qatest.local',
    groups: [REQUIRED_GROUP],
  },
  {
    name: 'bob',
    password: 'Bob-Pass-2026!',
    givenName: 'Bob',
    surname: 'Builder',
    mail: 'bob@qatest.local',
    groups: [],
  },
];

export interface SambaDc {
  dir: string;
  caPem: string;
  /** A CA that did not sign the DC's certificate (the "untrusted" case). */
  otherCaPem: string;
  stop(): Promise<void>;
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/** Why the DC cannot run here, or undefined when it can. */
export function sambaUnavailable(): Promise<string | undefined> {
  for (const bin of ['/usr/bin/samba-tool', '/usr/sbin/samba', '/usr/bin/openssl'])
    if (!existsSync(bin))
      return Promise.resolve(`${bin} is missing (apt-get install samba openssl; scripts/setup-test-deps.sh)`);
  if (!existsSync('/usr/share/samba/setup'))
    return Promise.resolve(
      'samba-ad-provision is missing (its ad-schema/ is what samba-tool provisions from)',
    );
  if (process.getuid?.() !== 0)
    return Promise.resolve("Samba's LDAP server binds ports 389 and 636, which needs root");
  return Promise.resolve(undefined);
}

/**
 * Samba's LDAP ports are fixed (389/636: AD clients, and ldapts here, use them), so one DC runs on the
 * machine at a time: test files (vitest forks, other checkouts) take turns through this lock instead
 * of skipping when another file's DC holds the ports. Held from provisioning until stop().
 */
const DC_LOCK = path.join(os.tmpdir(), 'qatrack-samba-dc.lock-target');
/** Longest a file waits for another file's DC (the longest holder installs a site: a few minutes). */
export const SAMBA_LOCK_WAIT_MS = 900_000;

async function takeDcLock(): Promise<() => Promise<void>> {
  await writeFile(DC_LOCK, '', { flag: 'a' });
  const release = await lockfile.lock(DC_LOCK, {
    retries: { retries: SAMBA_LOCK_WAIT_MS / 1000, minTimeout: 1000, maxTimeout: 1000, factor: 1 },
    stale: 60_000, // refreshed every 30 s while held; a killed holder frees it after a minute
  });
  for (const p of [389, 636, 3268, 3269])
    if (!(await portFree(p))) {
      await release();
      throw new Error(
        `127.0.0.1:${p} is in use by something that is not a test DC (another directory server?)`,
      );
    }
  let held = true;
  return async () => {
    if (held) await release();
    held = false;
  };
}

async function makeCa(dir: string, name: string) {
  const key = path.join(dir, `${name}-key.pem`);
  const cert = path.join(dir, `${name}.pem`);
  await execa('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { key, cert };
}

async function makeServerCert(dir: string, ca: { key: string; cert: string }) {
  const key = path.join(dir, 'dc-key.pem');
  const csr = path.join(dir, 'dc.csr');
  const cert = path.join(dir, 'dc.pem');
  const ext = path.join(dir, 'dc.ext');
  await execa('openssl', [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    '/CN=dc1.qatest.local',
  ]);
  await writeFile(ext, 'subjectAltName=DNS:dc1.qatest.local,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  await execa('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.cert,
    '-CAkey',
    ca.key,
    '-CAcreateserial',
    '-out',
    cert,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  await chmod(key, 0o600); // Samba refuses a TLS key others can read
  return { key, cert };
}

const waitForPort = async (port: number, ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`samba did not listen on 127.0.0.1:${port} within ${ms} ms`);
};

export async function startSambaDc(): Promise<SambaDc> {
  const unlock = await takeDcLock();
  try {
    return await provisionAndStart(unlock);
  } catch (e) {
    await unlock();
    throw e;
  }
}

async function provisionAndStart(unlock: () => Promise<void>): Promise<SambaDc> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'qatrack-samba-'));
  const tlsDir = path.join(dir, 'tls');
  await mkdir(tlsDir);
  const ca = await makeCa(tlsDir, 'QATest Root CA');
  const other = await makeCa(tlsDir, 'Some Other CA');
  const server = await makeServerCert(tlsDir, ca);
  const target = path.join(dir, 'dc');
  const conf = path.join(target, 'etc', 'smb.conf');
  const options = {
    interfaces: '127.0.0.1',
    'bind interfaces only': 'yes',
    'server services': 'ldap',
    'log file': path.join(dir, 'log.%m'),
    'pid directory': path.join(dir, 'run'),
    'tls enabled': 'yes',
    'tls keyfile': server.key,
    'tls certfile': server.cert,
    'tls cafile': ca.cert,
    // `ldap server require strong auth` stays at Samba's default (yes): a plain ldap:// simple bind is
    // refused, as on a DC that requires LDAP signing.
  };
  await mkdir(path.join(dir, 'run'));
  await execa('samba-tool', [
    'domain',
    'provision',
    '--use-rfc2307',
    `--realm=${REALM}`,
    `--domain=${DOMAIN}`,
    '--server-role=dc',
    '--dns-backend=NONE',
    '--adminpass=Adm1n-Pass-2026!',
    `--targetdir=${target}`,
    '--host-ip=127.0.0.1',
    ...Object.entries(options).map(([k, v]) => `--option=${k}=${v}`),
  ]);
  const tool = (...args: string[]) => execa('samba-tool', [...args, '-s', conf]);
  await tool('group', 'add', REQUIRED_GROUP);
  for (const u of USERS) {
    await tool(
      'user',
      'create',
      u.name,
      u.password,
      `--given-name=${u.givenName}`,
      `--surname=${u.surname}`,
      `--mail-address=${u.mail}`,
    );
    for (const g of u.groups) await tool('group', 'addmembers', g, u.name);
  }
  const child: ChildProcess = spawn('samba', ['-i', '-s', conf, '--debug-stdout'], {
    stdio: ['ignore', 'ignore', 'ignore'],
    detached: true, // its own process group: samba forks workers, stopped together by the master's PID
  });
  try {
    await waitForPort(636, 30_000);
    await waitForPort(389, 5_000);
  } catch (e) {
    if (child.pid) process.kill(-child.pid, 'SIGTERM');
    throw e;
  }
  const { readFile } = await import('node:fs/promises');
  return {
    dir,
    caPem: await readFile(ca.cert, 'utf8'),
    otherCaPem: await readFile(other.cert, 'utf8'),
    async stop() {
      if (child.pid && child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        process.kill(-child.pid, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      await rm(dir, { recursive: true, force: true });
      await unlock();
    },
  };
}
