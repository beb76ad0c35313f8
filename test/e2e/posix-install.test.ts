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
  loginAndGet,
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
const missing = await missingTools();
if (missing && process.env.CI === 'true') throw new Error(`posix e2e cannot run in CI: ${missing}`);

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const workers = ['qatrack-worker-1', 'qatrack-worker-2', 'qatrack-worker-3'];
const services = [...workers, 'qatrack-tasks', 'qatrack-proxy'];

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

  it('install exits 0: 3 workers behind nginx, / sends anonymous users to the login page, tux.png from nginx', async () => {
    const r = await cli(site, ['install', '--yes']);
    expect(r.exitCode, r.all).toBe(0);

    // QATrack+'s LoginRequiredMiddleware: anonymous / answers 302 to the login page.
    const home = await get(site.httpPort, '/');
    expect(home.status).toBe(302);
    expect(home.headers.location).toBe('/accounts/login/?next=/');
    expect(home.headers['x-served-by']).toMatch(/^worker-\d+$/);

    const login = await get(site.httpPort, '/accounts/login/');
    expect(login.status).toBe(200);
    expect(login.body.toString()).toContain('type="password"');

    const tux = await get(site.httpPort, '/static/qa/img/tux.png');
    expect(tux.status).toBe(200);
    expect(tux.headers['x-served-by']).toBe('nginx');
    expect(tux.headers['content-type']).toBe('image/png');
    const original = await readFile(path.join(fixtureDir, 'qatrack', 'qa', 'static', 'qa', 'img', 'tux.png'));
    expect(sha256(tux.body)).toBe(sha256(original));

    for (const port of site.workerPorts) {
      const w = await get(port, '/accounts/login/');
      expect(w.status).toBe(200);
      // A worker does not serve static files (DEBUG is False; QATrack+'s login middleware sends
      // the anonymous request to the login page): the 200 above really came from nginx.
      expect((await get(port, '/static/qa/img/tux.png')).status).toBe(302);
    }
    // Requests spread over the farm: more than one worker pid answers.
    const pids = new Set<string>();
    for (let i = 0; i < 12; i++)
      pids.add(String((await get(site.httpPort, '/accounts/login/')).headers['x-served-by']));
    expect(pids.size).toBeGreaterThan(1);
  }, 300_000);

  it('the admin signs in through nginx and a report reads through the readonly login', async () => {
    const r = await loginAndGet(site.httpPort, 'admin', SECRETS['admin.password'], '/reports/units/');
    expect(r.loginStatus).toBe(302); // Django's LoginView redirects after a good password
    expect(r.loginLocation).toBe('/qc/unit/'); // LOGIN_REDIRECT_URL
    expect(r.status).toBe(200);
    expect(r.body).toContain('Linac 1'); // default data loaded through loaddata
    expect(r.body).toContain('Read as qatrack_reports');
    const bad = await loginAndGet(site.httpPort, 'admin', 'wrong password', '/reports/units/');
    expect(bad.loginStatus).toBe(200); // the form again, no session
    expect(bad.status).toBe(302);
  }, 60_000);

  it('verify exits 0 on the installed site', async () => {
    const r = await cli(site, ['verify']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain('sends anonymous users to the login page');
  }, 120_000);

  it('the Django Sites domain is the first host name, and page titles carry it', async () => {
    expect(await site.pg.sql('SELECT domain, name FROM django_site WHERE id = 1;', 'qatrack')).toBe(
      'qatrack.test|qatrack.test',
    );
    const login = await get(site.httpPort, '/accounts/login/');
    expect(login.body.toString()).toContain('<title>qatrack.test: Log In</title>');
  }, 60_000);

  it('QATrack+ logs land in LOG_ROOT under the data folder, none next to the source', async () => {
    const logRoot = path.join(site.dataDir, 'logs');
    // Django logs a 404 on django.request (WARNING), which QATrack+'s LOGGING sends to debug.log;
    // accounts/ is exempt from the login, so an anonymous request reaches the 404.
    expect((await get(site.httpPort, '/accounts/no-such-page/')).status).toBe(404);
    const names = await readdir(logRoot);
    expect(names).toEqual(expect.arrayContaining(['debug.log', 'django-q.log']));
    expect(await readFile(path.join(logRoot, 'debug.log'), 'utf8')).toContain(
      'Not Found: /accounts/no-such-page/',
    );
    // upstream's default LOG_ROOT, <source>/../logs, is not used (its handlers were re-pointed)
    await expect(readdir(path.join(site.installDir, 'logs'))).rejects.toThrow();
  }, 60_000);

  it('the task cluster runs the scheduled django-q task (qcluster as a supervised service)', async () => {
    const pid = (await servicePid(site, 'qatrack-tasks'))!;
    expect(alive(pid)).toBe(true);
    const done = () =>
      site.pg.sql(
        "SELECT count(*) FROM django_q_task WHERE func = 'qatrack.qatrack_core.tasks.heartbeat' AND success;",
        'qatrack',
      );
    // django-q's scheduler runs every 30 s (Sentinel.guard); the schedule is due at once.
    for (let i = 0; i < 180 && Number(await done()) === 0; i++) await new Promise((r) => setTimeout(r, 1000));
    expect(Number(await done())).toBeGreaterThan(0);
    const log = await readFile(path.join(site.dataDir, 'logs', 'django-q.log'), 'utf8');
    expect(log).toContain('QATrack+ fixture heartbeat');
  }, 240_000);

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
    for (let i = 0; i < 10; i++) expect((await get(site.httpPort, '/accounts/login/')).status).toBe(200);

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
    for (let i = 0; i < 6; i++) {
      const r = await loginAndGet(site.httpPort, 'admin', SECRETS['admin.password'], '/');
      expect(r.status).toBe(200);
    }
    expect((await cli(site, ['plan'])).exitCode).toBe(0);
  }, 240_000);

  it('killing the installer with SIGKILL mid-run, then repair, converges', async () => {
    // Give the run real work: a broken venv means a reinstall of every package and restarts.
    await rm(path.join(site.installDir, 'venv'), { recursive: true, force: true });
    const journalFile = path.join(site.dataDir, 'installer', 'journal.jsonl');
    const wheelhouseStarts = async () =>
      ((await readFile(journalFile, 'utf8')).match(/"type":"step-start","step":"wheelhouse"/g) ?? []).length;
    const before = await wheelhouseStarts();
    const child = startCli(site, ['repair', '--yes']);
    // Kill once the journal says the package install has begun (uv runs then).
    for (let i = 0; i < 600 && (await wheelhouseStarts()) === before; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await wheelhouseStarts()).toBe(before + 1);
    child.kill('SIGKILL');
    await child;

    const repair = await cli(site, ['repair', '--yes']);
    expect(repair.exitCode, repair.all).toBe(0);
    const note = repair.all.split('\n').find((l) => l.includes('was interrupted'));
    expect(note).toMatch(/was interrupted during step wheelhouse/);
    expect((await get(site.httpPort, '/accounts/login/')).status).toBe(200);
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
      expect(r.exitCode).toBe(64);
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
      expect(r.exitCode).toBe(64);
      expect(r.all).toContain('WHEELHOUSE_MISSING');
      await nothingInstalled('badwheels');
    }, 120_000);

    it('no Python', async () => {
      const file = await fresh('nopython', (a) => {
        a.python = { executable: path.join(site.root, 'no-python', 'python3') };
      });
      const r = await cli(site, ['install', '--yes'], file);
      expect(r.exitCode).toBe(64);
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
        expect(r.exitCode).toBe(64);
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
      expect(r.exitCode).toBe(64);
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
        expect(r.exitCode).toBe(64);
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
    for (const name of services) {
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
    const pids = await Promise.all(services.map((n) => servicePid(site, n)));
    expect(pids.every((p) => p !== undefined && alive(p))).toBe(true);
    const r = await cli(site, ['uninstall', '--yes']);
    expect(r.exitCode, r.all).toBe(0);
    for (const pid of pids) expect(alive(pid!), `pid ${pid}: ${r.all}`).toBe(false);
    await expect(get(site.httpPort, '/')).rejects.toThrow();
    await expect(readdir(path.join(site.installDir, 'venv'))).rejects.toThrow();
    await expect(readdir(path.join(site.installDir, 'qatrackplus'))).rejects.toThrow();
    expect(await readdir(path.join(site.dataDir, 'static'))).toContain('qa');
    expect(await readdir(path.join(site.dataDir, 'logs'))).toContain('django-q.log'); // logs are data
    expect((await cli(site, ['plan'])).exitCode).toBe(2);
  }, 120_000);
});
