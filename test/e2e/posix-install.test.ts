import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir } from '../support/fixture.js';
import {
  alive,
  allFiles,
  CANARY,
  cli,
  get,
  missingTools,
  prepareSite,
  SECRETS,
  servicePid,
  startCli,
  teardownSite,
  writeAnswers,
  type Site,
} from '../support/posix-site.js';

/**
 * The real thing on Linux: PostgreSQL and nginx from Debian, the fixture's wheelhouse from PyPI (cached),
 * the CLI as a child process. Tests run in order and share one installation.
 */
const missing = missingTools();
if (missing && process.env.CI === 'true') throw new Error(`posix e2e cannot run in CI: ${missing}`);

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const workers = ['qatrack-worker-1', 'qatrack-worker-2', 'qatrack-worker-3'];

describe.skipIf(missing !== undefined)('posix end-to-end install (real PostgreSQL, nginx, cheroot)', () => {
  let site: Site;
  const localSettings = () => path.join(site.installDir, 'qatrackplus', 'qatrack', 'local_settings.py');

  beforeAll(async () => {
    site = await prepareSite();
  }, 300_000);

  afterAll(async () => {
    await teardownSite(site);
  }, 120_000);

  it('plan on a clean folder lists the changes (exit 2) and changes nothing', async () => {
    const r = await cli(site, ['plan']);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stdout).toContain('manage.py migrate');
    expect(r.stdout).toContain('password passed on stdin');
    await expect(readdir(site.installDir)).rejects.toThrow();
  }, 120_000);

  it('install brings up 3 workers behind nginx; / answers and tux.png comes from nginx', async () => {
    const r = await cli(site, ['install', '--yes']);
    expect(r.exitCode, r.all).toBe(0);

    const home = await get(site.httpPort, '/');
    expect(home.status).toBe(200);
    expect(home.body.toString()).toContain('Linac 1'); // default data loaded through loaddata
    expect(home.headers['x-served-by']).toMatch(/^worker-\d+$/);

    const login = await get(site.httpPort, '/accounts/login/');
    expect(login.status).toBe(200);

    const tux = await get(site.httpPort, '/static/qa/img/tux.png');
    expect(tux.status).toBe(200);
    expect(tux.headers['x-served-by']).toBe('nginx');
    expect(tux.headers['content-type']).toBe('image/png');
    const original = await readFile(path.join(fixtureDir, 'qatrack', 'static', 'qa', 'img', 'tux.png'));
    expect(sha256(tux.body)).toBe(sha256(original));

    for (const port of site.workerPorts) {
      const w = await get(port, '/accounts/login/');
      expect(w.status).toBe(200);
      // A worker does not serve static files (DEBUG is False): the 200 above really came from nginx.
      expect((await get(port, '/static/qa/img/tux.png')).status).toBe(404);
    }
    // Requests spread over the farm: more than one worker pid answers.
    const pids = new Set<string>();
    for (let i = 0; i < 12; i++) pids.add(String((await get(site.httpPort, '/')).headers['x-served-by']));
    expect(pids.size).toBeGreaterThan(1);

    // The readonly connection works too (the health view reads through it).
    const health = await get(site.httpPort, '/health/');
    expect(JSON.parse(health.body.toString())).toMatchObject({ ok: true, host: 'qatrack.test' });
  }, 300_000);

  it('the superuser was created with the password from stdin', async () => {
    const venvPython = path.join(site.installDir, 'venv', 'bin', 'python');
    const r = await execa(
      venvPython,
      [
        'manage.py',
        'shell',
        '-c',
        'import sys; from django.contrib.auth import authenticate; u = authenticate(username="admin", password=sys.stdin.read()); print(bool(u and u.is_superuser))',
      ],
      { cwd: path.join(site.installDir, 'qatrackplus'), input: SECRETS['admin.password'] },
    );
    expect(r.stdout.trim()).toBe('True');
  }, 60_000);

  it('a second install plans zero actions: plan exits 0 and install changes nothing', async () => {
    const plan = await cli(site, ['plan', '--json']);
    expect(plan.exitCode, plan.all).toBe(0);
    const again = await cli(site, ['install', '--yes']);
    expect(again.exitCode, again.all).toBe(0);
    expect(again.all).toMatch(/Nothing to do/);
  }, 180_000);

  it('killing one worker keeps the site answering, and repair restarts it', async () => {
    const pid = (await servicePid(site, 'qatrack-worker-2'))!;
    expect(alive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    for (let i = 0; i < 10; i++) expect((await get(site.httpPort, '/')).status).toBe(200);

    expect((await cli(site, ['plan'])).exitCode).toBe(2);
    const repair = await cli(site, ['repair', '--yes']);
    expect(repair.exitCode, repair.all).toBe(0);
    const newPid = (await servicePid(site, 'qatrack-worker-2'))!;
    expect(newPid).not.toBe(pid);
    expect(alive(newPid)).toBe(true);
    expect((await get(site.workerPorts[1]!, '/accounts/login/')).status).toBe(200);
  }, 180_000);

  it('a stopped worker is started again by repair', async () => {
    const pid = (await servicePid(site, 'qatrack-worker-3'))!;
    process.kill(-pid, 'SIGTERM'); // the whole group, as the supervisor does
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
    const repair = await cli(site, ['repair', '--yes']);
    expect(repair.exitCode, repair.all).toBe(0);
    expect((await get(site.workerPorts[2]!, '/accounts/login/')).status).toBe(200);
  }, 180_000);

  it('deleting local_settings.py and the static folder, then repair, restores both', async () => {
    const before = await readFile(localSettings());
    await rm(localSettings());
    await rm(path.join(site.dataDir, 'static'), { recursive: true, force: true });
    expect((await get(site.httpPort, '/static/qa/img/tux.png')).status).toBe(404);
    const plan = await cli(site, ['plan']);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('local_settings.py');
    const repair = await cli(site, ['repair', '--yes']);
    expect(repair.exitCode, repair.all).toBe(0);
    expect(sha256(await readFile(localSettings()))).toBe(sha256(before));
    const tux = await get(site.httpPort, '/static/qa/img/tux.png');
    expect(tux.status).toBe(200);
    expect(tux.headers['x-served-by']).toBe('nginx');
    expect((await cli(site, ['plan'])).exitCode).toBe(0);
  }, 180_000);

  it('local_settings.py is valid Python that holds the canary exactly, and nowhere else', async () => {
    const text = await readFile(localSettings(), 'utf8');
    expect(text).not.toContain(CANARY); // encoded: quotes and backslash are escaped
    const r = await execa(
      path.join(site.installDir, 'venv', 'bin', 'python'),
      ['-c', 'import json; from qatrack import local_settings as s; print(json.dumps(s.DATABASES))'],
      { cwd: path.join(site.installDir, 'qatrackplus') },
    );
    const dbs = JSON.parse(r.stdout) as Record<string, { PASSWORD: string; USER: string }>;
    expect(dbs.default!.PASSWORD).toBe(SECRETS['database.login.password']);
    expect(dbs.readonly!.PASSWORD).toBe(SECRETS['database.readonlyLogin.password']);
    expect(dbs.readonly!.USER).toBe('qatrack_reports');
  }, 60_000);

  it('a new database password: repair rewrites local_settings.py and restarts every worker with it', async () => {
    const before = await Promise.all(workers.map((n) => servicePid(site, n)));
    const password = `new ${CANARY} 2`;
    await site.pg.sql(`ALTER ROLE qatrack PASSWORD $pw$${password}$pw$;`);
    site.secrets['database.login.password'] = password;
    const plan = await cli(site, ['plan']);
    expect(plan.exitCode).toBe(2);
    expect(plan.stdout).toContain('local_settings.py');
    expect(plan.stdout).toMatch(/Update and restart QATrack\+ Worker 1/);
    const repair = await cli(site, ['repair', '--yes']);
    expect(repair.exitCode, repair.all).toBe(0);
    const after = await Promise.all(workers.map((n) => servicePid(site, n)));
    for (const [i, pid] of after.entries()) {
      expect(pid).not.toBe(before[i]);
      expect(alive(pid!)).toBe(true);
    }
    // Django opens a new connection per request: answering proves the workers use the new password.
    for (let i = 0; i < 6; i++) expect((await get(site.httpPort, '/')).status).toBe(200);
    expect((await cli(site, ['plan'])).exitCode).toBe(0);
  }, 240_000);

  it('killing the installer with SIGKILL mid-run, then repair, converges', async () => {
    // Give the run real work: a broken venv means a reinstall of every package and restarts.
    await rm(path.join(site.installDir, 'venv'), { recursive: true, force: true });
    const child = startCli(site, ['repair', '--yes']);
    let output = '';
    await new Promise<void>((resolve) => {
      const onData = (d: Buffer) => {
        output += d.toString();
        if (/Python packages/.test(output)) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      setTimeout(resolve, 60_000);
    });
    child.kill('SIGKILL');
    await child;
    const journal = await readFile(path.join(site.dataDir, 'installer', 'journal.jsonl'), 'utf8');
    expect(journal).toContain('step-start');

    const repair = await cli(site, ['repair', '--yes']);
    expect(repair.exitCode, repair.all).toBe(0);
    expect((await get(site.httpPort, '/')).status).toBe(200);
    expect((await cli(site, ['plan'])).exitCode).toBe(0);
  }, 300_000);

  describe('bad input on a real machine: clear error, non-zero exit, nothing changed', () => {
    /** A fresh target (new folders) so that "nothing changed" is visible. */
    const fresh = (name: string, change: (a: any) => void = () => {}) =>
      writeAnswers(site, name, (a) => {
        a.paths.installDir = path.join(site.root, `${name}-app`);
        a.paths.dataDir = path.join(site.root, `${name}-data`);
        change(a);
      });
    const nothingInstalled = async (name: string) => {
      await expect(readdir(path.join(site.root, `${name}-app`))).rejects.toThrow();
      // Only the installer's own journal and logs may exist in the data folder.
      const data = await readdir(path.join(site.root, `${name}-data`)).catch(() => []);
      expect(data.filter((d) => d !== 'installer')).toEqual([]);
    };

    it('a missing wheelhouse', async () => {
      const file = await fresh('nowheels', (a) => {
        a.paths.wheelhouseDir = path.join(site.root, 'no-such-wheelhouse');
      });
      const r = await cli(site, ['install', '--yes'], file);
      expect(r.exitCode).not.toBe(0);
      expect(r.all).toContain('WHEELHOUSE_MISSING');
      expect(r.all).toContain('paths.wheelhouseDir');
      await nothingInstalled('nowheels');
    }, 120_000);

    it('a wheelhouse that is a file, not a readable folder', async () => {
      const bogus = path.join(site.root, 'wheelhouse-file');
      await writeFile(bogus, 'not a folder');
      const file = await fresh('badwheels', (a) => {
        a.paths.wheelhouseDir = bogus;
      });
      const r = await cli(site, ['install', '--yes'], file);
      expect(r.exitCode).not.toBe(0);
      expect(r.all).toContain('WHEELHOUSE_MISSING');
      await nothingInstalled('badwheels');
    }, 120_000);

    it('no Python', async () => {
      const file = await fresh('nopython', (a) => {
        a.python = { executable: path.join(site.root, 'no-python', 'python3') };
      });
      const r = await cli(site, ['install', '--yes'], file);
      expect(r.exitCode).not.toBe(0);
      expect(r.all).toContain('PYTHON_MISSING');
      expect(r.all).toContain('python.executable');
      await nothingInstalled('nopython');
    }, 120_000);

    it('the site port already in use (names the holder)', async () => {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as net.AddressInfo).port;
      try {
        const file = await fresh('portbusy', (a) => {
          a.site.httpPort = port;
        });
        const r = await cli(site, ['install', '--yes'], file);
        expect(r.exitCode).not.toBe(0);
        expect(r.all).toContain('PORT_IN_USE');
        expect(r.all).toContain(`port ${port}`);
        expect(r.all).toContain(`pid ${process.pid}`);
        await nothingInstalled('portbusy');
      } finally {
        server.close();
      }
    }, 120_000);

    it('database provisioning asked for on posix (the DBA prepares the database there)', async () => {
      const file = await fresh('provision', (a) => {
        a.database.provision = true;
      });
      const r = await cli(site, ['plan'], file);
      expect(r.exitCode).not.toBe(0);
      expect(r.all).toContain('PROVISION_UNSUPPORTED');
      expect(r.all).toContain('database.provision');
      await nothingInstalled('provision');
    }, 120_000);

    it('a read-only target folder', async () => {
      const ro = path.join(site.root, 'readonly');
      await mkdir(ro);
      // root writes anywhere a mode allows, so as root the folder is a read-only mount instead.
      const asRoot = process.getuid?.() === 0;
      if (asRoot) await execa('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
      else await chmod(ro, 0o555);
      try {
        const file = await writeAnswers(site, 'readonly', (a) => {
          a.paths.installDir = path.join(ro, 'app');
          a.paths.dataDir = path.join(site.root, 'readonly-data');
        });
        const r = await cli(site, ['install', '--yes'], file);
        expect(r.exitCode).not.toBe(0);
        expect(r.all).toContain('PATH_NOT_WRITABLE');
        expect(r.all).toContain('paths.installDir');
        expect(await readdir(ro)).toEqual([]);
      } finally {
        if (asRoot) await execa('umount', [ro], { reject: false });
        else await chmod(ro, 0o755);
      }
    }, 120_000);
  });
  it('the canary password is in no output, log, journal or worker command line', async () => {
    const secrets = [...new Set([...Object.values(SECRETS), ...Object.values(site.secrets)])];
    for (const out of site.outputs) for (const s of secrets) expect(out).not.toContain(s);
    const files = [...(await allFiles(site.installDir)), ...(await allFiles(site.dataDir))].filter(
      (f) => !f.endsWith('local_settings.py') && !f.includes(`${path.sep}venv${path.sep}`),
    );
    expect(files.some((f) => f.endsWith('journal.jsonl'))).toBe(true);
    expect(files.some((f) => /install-.*\.log$/.test(f))).toBe(true);
    for (const f of files) {
      const text = await readFile(f, 'latin1');
      for (const s of secrets) expect(text.includes(s), f).toBe(false);
    }
    for (const name of [...workers, 'qatrack-proxy']) {
      const pid = (await servicePid(site, name))!;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
      const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
      for (const s of secrets) {
        expect(cmdline).not.toContain(s);
        expect(environ).not.toContain(s);
      }
    }
  }, 60_000);
  it('uninstall stops every service by pid and removes the program files, keeping the data', async () => {
    const pids = await Promise.all([...workers, 'qatrack-proxy'].map((n) => servicePid(site, n)));
    expect(pids.every((p) => p !== undefined && alive(p))).toBe(true);
    const r = await cli(site, ['uninstall', '--yes']);
    expect(r.exitCode, r.all).toBe(0);
    for (const pid of pids) expect(alive(pid!), `pid ${pid}: ${r.all}`).toBe(false);
    await expect(get(site.httpPort, '/')).rejects.toThrow();
    await expect(readdir(path.join(site.installDir, 'venv'))).rejects.toThrow();
    await expect(readdir(path.join(site.installDir, 'qatrackplus'))).rejects.toThrow();
    expect(await readdir(path.join(site.dataDir, 'static'))).toContain('qa');
    expect((await cli(site, ['plan'])).exitCode).toBe(2);
  }, 120_000);
});
