import { existsSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { request } from 'undici';
import { copyExtraWheels } from '../../electron/bundle/extra-wheels.js';
import { sealManifest, writeManifest, type ManifestFile } from '../../electron/bundle/manifest.js';
import { MapSecretStore } from '../../electron/engine/secrets.js';
import { createPosixHost } from '../../electron/hosts/posix/host.js';
import { buildReleaseArchive, repoRoot, testPython, testWheelhouse } from './fixture.js';
import { createQatrackDatabase, PG_BIN, startPostgres, type TestPostgres } from './postgres.js';

/** A manifest for the test bundle, as `bundle create` writes one, so install's bundle check passes. */
export async function sealBundle(bundleDir: string, release = '3.1.1.4'): Promise<void> {
  const files: ManifestFile[] = [];
  for (const file of await allFiles(bundleDir)) {
    const rel = path.relative(bundleDir, file).split(path.sep).join('/');
    const buf = await readFile(file);
    const kind = rel.startsWith('wheelhouse/') ? 'wheel' : rel.startsWith('source/') ? 'source' : 'tool';
    files.push({ path: rel, size: buf.length, sha256: createHash('sha256').update(buf).digest('hex'), kind });
  }
  const manifest = sealManifest({
    format: 1,
    tool: { name: 'qatrack-installer-test', version: '0' },
    release,
    arch: 'x64',
    catalogSha256: '0'.repeat(64),
    pythonPlatform: 'manylinux_2_17_x86_64',
    createdAt: new Date(0).toISOString(),
    files,
  });
  await writeManifest(bundleDir, manifest);
}

/** A canary password with every character that breaks naive quoting: ' " \ % ^ & ! and spaces. */
export const CANARY = `Canary'"\\%^&! pw-7f3a`;

export const SECRETS = {
  'database.login.password': CANARY,
  'database.readonlyLogin.password': `ro ${CANARY}`,
  'admin.password': `admin ${CANARY}`,
};

/**
 * Why the real posix end-to-end cannot run here, or undefined when it can. `python312`: the 3 -> 4
 * upgrade tests also need the 4.0 line's Python (scripts/test-python.sh 3.12). `env`: where the
 * lookup reads QATRACK_TEST_PYTHON / QATRACK_TEST_PYTHON312 (default this process's environment).
 */
export async function missingTools(
  o: { python312?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'needs Linux';
  if (!existsSync('/usr/sbin/nginx')) return 'nginx is not installed (apt-get install nginx-light)';
  if (!PG_BIN) return 'PostgreSQL is not installed (apt-get install postgresql)';
  if (!(await testPython('3.9', o.env)))
    return 'Python 3.9 is not installed (pyenv install 3.9.18, or set QATRACK_TEST_PYTHON)';
  if (o.python312 && !(await testPython('3.12', o.env)))
    return 'Python 3.12 is not installed: QATrack+ 4.0 needs it (pyenv install 3.12.1, or set QATRACK_TEST_PYTHON312 to a python3.12 with venv and ensurepip)';
  return undefined;
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/**
 * The first port the kernel hands out to outgoing connections (Linux: ip_local_port_range, 32768 by
 * default). A port picked above it can be taken by any client's connection between the pick and the
 * worker's bind (seen in CI with two forks: a worker that never answered), so picks stay below it.
 */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 21_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

/** `count` consecutive free loopback ports (random base, so parallel runs do not collide). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (ephemeralLow() - 20_000 - count));
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free port range found');
}

export interface Site {
  root: string;
  pg: TestPostgres;
  bundleDir: string;
  catalogDir: string;
  answersFile: string;
  answers: Record<string, any>;
  httpPort: number;
  workerPorts: number[];
  installDir: string;
  dataDir: string;
  /** Every stdout/stderr the CLI printed, for the canary check. */
  outputs: string[];
  /** The secrets the CLI gets on stdin (a test may change a password). */
  secrets: Record<string, string>;
}

/**
 * Everything an install needs on a clean machine: PostgreSQL with the database and both logins
 * (what a DBA hands over), an offline bundle (wheelhouse, release archive, uv), a catalog naming
 * them, and an answers file without any secret (secrets go on stdin).
 */
export async function prepareSite(opts: SiteOptions = {}): Promise<Site> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'qatrack-e2e-'));
  const pg = await startPostgres();
  try {
    return await prepareSiteWith(root, pg, opts);
  } catch (e) {
    await pg.stop();
    await rm(root, { recursive: true, force: true });
    throw e;
  }
}

export interface SiteOptions {
  /**
   * Wheels put into the bundle's wheelhouse the way `bundle create --extra-wheel` does (its own
   * copyExtraWheels), e.g. python-ldap built here for Linux, which that command's Windows arch check
   * would refuse.
   */
  extraWheels?: string[];
}

async function prepareSiteWith(root: string, pg: TestPostgres, opts: SiteOptions): Promise<Site> {
  await createQatrackDatabase(pg, {
    name: 'qatrack',
    user: 'qatrack',
    password: SECRETS['database.login.password'],
    readonlyUser: 'qatrack_reports',
    readonlyPassword: SECRETS['database.readonlyLogin.password'],
  });
  const wh = await testWheelhouse();
  const python = await testPython();
  if (!python) throw new Error('no Python 3.9 (scripts/test-python.sh)');
  const bundleDir = path.join(root, 'bundle');
  await mkdir(path.join(bundleDir, 'source'), { recursive: true });
  await mkdir(path.join(bundleDir, 'artifacts'), { recursive: true });
  await cp(wh.wheels, path.join(bundleDir, 'wheelhouse'), { recursive: true });
  await cp(wh.uv, path.join(bundleDir, 'artifacts', 'uv'));
  await copyExtraWheels(opts.extraWheels ?? [], path.join(bundleDir, 'wheelhouse'));
  await buildReleaseArchive(path.join(bundleDir, 'source'));
  await sealBundle(bundleDir);
  const catalogDir = path.join(root, 'catalog');
  await mkdir(catalogDir);
  await writeFile(
    path.join(catalogDir, '3.1.1.4.json'),
    JSON.stringify({
      release: '3.1.1.4',
      qatrack: { tag: 'v3.1.1.4', repository: 'https://github.com/qatrackplus/qatrackplus' },
      python: { version: '3.9', archs: ['x64'] },
      artifacts: [
        {
          id: 'source',
          file: 'qatrackplus-3.1.1.4.tar.gz',
          url: 'https://example.invalid/src.tar.gz',
          version: '3.1.1.4',
        },
        { id: 'uv', file: 'uv', url: 'https://example.invalid/uv', version: '0.9.5' },
      ],
      requirements: [],
    }),
  );
  const httpPort = await freePortRange(1);
  const base = await freePortRange(4);
  const installDir = path.join(root, 'app');
  const dataDir = path.join(root, 'data');
  const answers = {
    paths: { installDir, dataDir, bundleDir },
    database: {
      engine: 'postgresql',
      server: '127.0.0.1',
      port: pg.port,
      name: 'qatrack',
      login: { user: 'qatrack', password: { env: 'UNUSED_SECRET_GIVEN_ON_STDIN' } },
      readonlyLogin: { user: 'qatrack_reports', password: { env: 'UNUSED_SECRET_GIVEN_ON_STDIN' } },
      provision: false,
    },
    admin: {
      username: 'admin',
      email: 'admin@example.org',
      password: { env: 'UNUSED_SECRET_GIVEN_ON_STDIN' },
    },
    site: { hostNames: ['qatrack.test', 'localhost'], httpPort },
    workers: { count: 3, basePort: base },
    chrome: { mode: 'none' },
    timeZone: 'Europe/Berlin',
    // QATrack+ 3.1.1.4 runs on Python 3.9 (the release's interpreter line).
    python: { executable: python },
  };
  const answersFile = path.join(root, 'answers.json');
  await writeFile(answersFile, JSON.stringify(answers, null, 2));
  return {
    root,
    pg,
    bundleDir,
    catalogDir,
    answersFile,
    answers,
    httpPort,
    workerPorts: [1, 2, 3].map((n) => base + n),
    installDir,
    dataDir,
    outputs: [],
    secrets: { ...SECRETS },
  };
}

/** Write a variant of the answers (bad-input cases) next to the original. */
export async function writeAnswers(site: Site, name: string, change: (a: any) => void): Promise<string> {
  const copy = structuredClone(site.answers);
  change(copy);
  const file = path.join(site.root, `${name}.json`);
  await writeFile(file, JSON.stringify(copy, null, 2));
  return file;
}

/** Starts the real CLI as a child process, secrets on stdin. */
export function startCli(
  site: Site,
  args: string[],
  answersFile = site.answersFile,
  env?: NodeJS.ProcessEnv,
): ResultPromise {
  return execa(
    process.execPath,
    [
      path.join(repoRoot, 'bin', 'qatrack-installer.js'),
      ...args,
      '--host',
      'posix',
      '--answers',
      answersFile,
      '--catalog-dir',
      site.catalogDir,
      '--secrets-stdin',
    ],
    { input: JSON.stringify(site.secrets), reject: false, cwd: repoRoot, ...(env ? { env } : {}) },
  );
}

export async function cli(site: Site, args: string[], answersFile?: string, env?: NodeJS.ProcessEnv) {
  const r = await startCli(site, args, answersFile, env);
  const stdout = String(r.stdout ?? '');
  const stderr = String(r.stderr ?? '');
  site.outputs.push(stdout, stderr);
  return { exitCode: r.exitCode ?? -1, stdout, stderr, all: `${stdout}\n${stderr}` };
}

export async function get(
  port: number,
  urlPath: string,
  host = 'qatrack.test',
  headers: Record<string, string> = {},
) {
  const res = await request(`http://127.0.0.1:${port}${urlPath}`, {
    headers: { ...headers, host },
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const body = Buffer.from(await res.body.arrayBuffer());
  return { status: res.statusCode, headers: res.headers, body };
}

/** The cookies a response sets, as name -> value. */
function setCookies(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const raw = headers['set-cookie'];
  const list = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return Object.fromEntries(
    list.map((c) => {
      const [pair = ''] = c.split(';');
      const i = pair.indexOf('=');
      return [pair.slice(0, i).trim(), pair.slice(i + 1).trim()];
    }),
  );
}

/**
 * Signs in through the real login form as a browser does (Django's CSRF cookie + hidden field),
 * then fetches `urlPath` with the session. Returns the login POST's status and the page.
 */
export async function loginAndGet(
  port: number,
  username: string,
  password: string,
  urlPath: string,
  host = 'qatrack.test',
) {
  const base = `http://127.0.0.1:${port}`;
  const form = await request(`${base}/accounts/login/`, { headers: { host } });
  const html = await form.body.text();
  const csrf = setCookies(form.headers).csrftoken;
  const token = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(html)?.[1];
  if (!csrf || !token) throw new Error(`login page without a CSRF token (HTTP ${form.statusCode})`);
  const post = await request(`${base}/accounts/login/`, {
    method: 'POST',
    headers: {
      host,
      cookie: `csrftoken=${csrf}`,
      'content-type': 'application/x-www-form-urlencoded',
      referer: `http://${host}/accounts/login/`,
    },
    body: new URLSearchParams({ csrfmiddlewaretoken: token, username, password }).toString(),
  });
  await post.body.text();
  const session = setCookies(post.headers).sessionid;
  const page = await request(`${base}${urlPath}`, {
    headers: { host, cookie: session ? `sessionid=${session}` : '' },
  });
  return {
    loginStatus: post.statusCode,
    loginLocation: String(post.headers.location ?? ''),
    status: page.statusCode,
    body: await page.body.text(),
  };
}

/** pid.json of a supervised service in the install's services folder. */
export async function servicePid(site: Site, name: string): Promise<number | undefined> {
  try {
    const raw = await readFile(path.join(site.installDir, 'services', name, 'pid.json'), 'utf8');
    return (JSON.parse(raw) as { pid: number }).pid;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie (PID 1 in a container may reap orphans late). */
export const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

/** Every regular file under `dir` (symlinks not followed). */
export async function allFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Stops every service of the install by its recorded pid (process group), then PostgreSQL. */
export async function teardownSite(site: Site | undefined): Promise<void> {
  if (!site) return;
  // The posix host's own stop: by recorded pid, only if it is still the process it started.
  const servicesDir = path.join(site.installDir, 'services');
  const host = createPosixHost({ runDir: servicesDir });
  for (const name of await readdir(servicesDir).catch(() => [] as string[])) {
    await host.apply(
      { kind: 'service', op: 'stop', name, describe: `stop ${name}` },
      {
        secrets: new MapSecretStore(),
        signal: new AbortController().signal,
        timeoutMs: 10_000,
        onOutput: () => {},
      },
    );
  }
  await site.pg.stop();
  await rm(site.root, { recursive: true, force: true });
}
