/**
 * Wine tier: the golden plan's local-settings, Django and services actions on real Windows CPython
 * under Wine, against the test fixture (Django 4.2 + cheroot from real win_amd64 wheels; SQLite, as
 * there is no SQL Server here). The worker program the services step writes serves HTTP on
 * 127.0.0.N, answering requests from Linux; the services are registered and driven through Wine's
 * service manager (sc.exe), started and stopped, with a WinSW stand-in as the wrapper (see
 * winsw-standin.c: WinSW itself cannot be fetched here).
 */
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../electron/engine/actions/index.js';
import { MapSecretStore, templatedTextSchema } from '../../electron/engine/secrets.js';
import { renderTemplatedText } from '../../electron/engine/secret-text.js';
import { commandsFor } from '../../electron/hosts/windows/argv.js';
import { fixtureDir } from '../support/fixture.js';
import {
  pipWheelDir,
  uvExe,
  windowsPythonDir,
  windowsWheelhouse,
  winsw117Exe,
} from '../support/wine/artifacts.js';
import {
  goldenActions,
  installEmbeddablePython,
  stageAsPlanned,
  type PlannedExec,
} from '../support/wine/windows-python.js';
import { findWine, winPath, WinePrefix, wineTierSkipReason } from '../support/wine/wine.js';

const skip = await wineTierSkipReason();

/** The fixture's own pins (test/fixtures/qatrack-fixture/requirements/base.txt), less PostgreSQL's driver. */
const FIXTURE_REQUIREMENTS = (await readFile(path.join(fixtureDir, 'requirements', 'base.txt'), 'utf8'))
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('psycopg2'))
  // As the release catalog pins it: django-q 1.3.4 imports pkg_resources, gone in setuptools 82, and
  // `uv venv` seeds no setuptools at all.
  .concat('setuptools<81');

// Non-ASCII on purpose: it travels on stdin from Node to Windows Python.
const ADMIN_PASSWORD = 'Grüße-aus-Köln 2026';
const secrets = new MapSecretStore([
  ['admin.password', ADMIN_PASSWORD],
  ['database.login.password', 'unused-with-sqlite'],
  ['database.readonlyLogin.password', 'unused-with-sqlite'],
  ['email.password', 'unused-here'],
]);

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** GET with a Host header (fetch drops Host: it is a forbidden header name in the Fetch standard). */
function httpGet(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Host: host }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe.skipIf(skip !== '')(`Django and worker services under Wine ${skip}`, { timeout: 240_000 }, () => {
  let work: string;
  let prefix: WinePrefix;
  let plan: Awaited<ReturnType<typeof goldenActions>>;
  let venvPython: string;
  let services: { id: string; address: string; port: number; install: Action }[];
  const offlineEnv = { HTTP_PROXY: 'http://127.0.0.1:9', HTTPS_PROXY: 'http://127.0.0.1:9' };

  /** Runs one planned exec as the Windows host would (its stdin rendered with the secrets). */
  async function runPlanned(a: PlannedExec) {
    const input = a.stdin ? renderTemplatedText(a.stdin, secrets) : '';
    return prefix.exec(a.file, a.args, { cwd: prefix.unixPath(a.cwd ?? 'C:\\'), input, env: a.env });
  }

  /** Whether Django accepts admin with this password (sent as UTF-8, decoded as UTF-8). */
  async function authenticates(password: string): Promise<boolean> {
    const manage = plan.execs('django')[0]!;
    const r = await prefix.exec(
      venvPython,
      [
        manage.args[0]!,
        'shell',
        '-c',
        'import sys, json\nfrom django.contrib.auth import authenticate\nprint(json.dumps(authenticate(username="admin", password=sys.stdin.buffer.read().decode("utf-8")) is not None))',
      ],
      { cwd: prefix.unixPath(manage.cwd!), input: password },
    );
    if (r.exitCode !== 0) throw new Error(r.stderr);
    return r.stdout.trim() === 'true';
  }

  beforeAll(async () => {
    work = await mkdtemp(path.join(os.tmpdir(), 'qatrack-wine-worker-'));
    plan = await goldenActions();
    const [embed, uv, wh, pipDir, wine] = await Promise.all([
      windowsPythonDir(),
      uvExe(),
      windowsWheelhouse(FIXTURE_REQUIREMENTS),
      pipWheelDir(),
      findWine(),
    ]);
    prefix = await WinePrefix.create(wine!, path.join(work, 'wine'));
    await prefix.installProcessPrng();
    await prefix.keepAlive();
    for (const d of ['d', 'e']) await mkdir(path.join(work, d), { recursive: true });
    await prefix.mapDrive('D', path.join(work, 'd'));
    await prefix.mapDrive('E', path.join(work, 'e'));

    // Python, venv and wheelhouse as in windows-python.test.ts (the plan's own uv.exe command).
    const [venvAction] = plan.execs('venv') as [PlannedExec];
    const [install] = plan.execs('wheelhouse') as [PlannedExec];
    venvPython = install.args[install.args.indexOf('--python') + 1]!;
    await installEmbeddablePython(prefix, embed, venvAction.file.replace(/\\python\.exe$/, ''));
    const bundle = path.join(work, 'e', 'qatrack-bundle-3.1.1.4-x64');
    await mkdir(path.join(bundle, 'tools'), { recursive: true });
    await cp(uv, path.join(bundle, 'tools', 'uv.exe'));
    await cp(wh.dir, path.join(bundle, 'wheelhouse'), { recursive: true });
    // The plan runs uv.exe from where its staging step copies it.
    await stageAsPlanned(plan, install.file, uv, { D: path.join(work, 'd') });
    const uvEnv = { ...offlineEnv, UV_CACHE_DIR: 'C:\\uv-cache' };
    for (const args of [
      ['venv', '--python', venvAction.file, venvAction.args.at(-1)!],
      [
        'pip',
        'install',
        '--python',
        venvPython,
        '--offline',
        '--no-index',
        '--find-links',
        winPath(pipDir),
        'pip',
      ],
      install.args,
    ]) {
      const r = await prefix.exec(install.file, args, { env: uvEnv, timeoutMs: 300_000 });
      if (r.exitCode !== 0) throw new Error(`uv.exe ${args.join(' ')}: ${r.stderr}`);
    }

    // The source step unpacks with tar.exe, which Wine does not have: the fixture is copied instead.
    const [extract] = plan.step('source') as unknown as [{ dest: string }];
    await cp(fixtureDir, prefix.unixPath(extract.dest), {
      recursive: true,
      filter: (src) => !/(__pycache__|\.pyc$|local_settings\.py$|secret_key\.txt$)/.test(src),
    });
  }, 900_000);

  afterAll(async () => {
    await prefix?.dispose();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("writes local_settings.py and SECRET_KEY with the plan's actions (SQLite in place of SQL Server)", async () => {
    const [keyAction, settings] = plan.step('local-settings') as [
      PlannedExec,
      { path: string; content: unknown },
    ];
    const key = await runPlanned(keyAction);
    expect(key.exitCode, key.stderr).toBe(0);
    const keyFile = prefix.unixPath(keyAction.args.at(-1)!);
    expect((await readFile(keyFile, 'utf8')).length).toBeGreaterThan(50);

    const text = renderTemplatedText(templatedTextSchema.parse(settings.content), secrets);
    expect(text).toContain('"ENGINE": "sql_server.pyodbc"');
    // The one change: the database (the rest — hosts, static root on D:, mail — is the plan's).
    // Both connections QATrack+ needs (its settings refuse to start without `readonly`), on one file.
    const db = '{"ENGINE": "django.db.backends.sqlite3", "NAME": "D:\\\\QATrackData\\\\qatrack.sqlite3"}';
    const sqlite = `DATABASES = {\n    "default": ${db},\n    "readonly": ${db},\n}\n`;
    const swapped = text.replace(/DATABASES = \{[\s\S]*?\n\}\n/, sqlite);
    expect(swapped).not.toContain('sql_server');
    await mkdir(path.join(work, 'd', 'QATrackData'), { recursive: true });
    await writeFile(prefix.unixPath(settings.path), swapped);
    const check = await prefix.exec(venvPython, ['manage.py', 'check'], {
      cwd: prefix.unixPath(keyAction.args.at(-1)!.replace(/\\qatrack\\secret_key\.txt$/, '')),
    });
    expect(check.exitCode, check.stderr).toBe(0);
    expect(check.stdout).toContain('System check identified no issues');
  });

  // Six manage.py runs under Wine: 20-40 s on a quiet machine; over 240 s measured at a load of 16 on 2 cores.
  it("runs the Django step's commands as planned: migrate, cache table, fixtures, superuser, Sites, collectstatic", async () => {
    const execs = plan.execs('django');
    expect(execs.map((a) => a.args[1])).toEqual([
      'migrate',
      'createcachetable',
      'shell',
      'shell',
      'shell',
      'collectstatic',
    ]);
    const outputs: string[] = [];
    for (const a of execs) {
      const r = await runPlanned(a);
      expect(r.exitCode, `${a.describe}: ${r.stderr}`).toBe(0);
      outputs.push(r.stdout);
    }
    expect(outputs[0]).toMatch(/Applying qa\.0001_initial\.\.\. OK/);
    expect(outputs[2]).toMatch(/fixture fixtures\\defaults\\qa\\test_types\.json/);
    expect(outputs[3]).toContain('superuser admin ready');
    expect(outputs[5]).toMatch(/\d+ static files? copied to 'D:\\QATrackData\\static'/);
    const tux = await readFile(path.join(work, 'd', 'QATrackData', 'static', 'qa', 'img', 'tux.png'));
    expect(tux.subarray(1, 4).toString()).toBe('PNG');
    expect(await readFile(path.join(fixtureDir, 'qatrack', 'qa', 'static', 'qa', 'img', 'tux.png'))).toEqual(
      tux,
    );
  }, 900_000);

  // Python's docs (sys.stdin): on Windows, pipes use "the system locale encoding (i.e. the ANSI
  // codepage)", cp1252 on a Western server, as under Wine. The superuser script therefore reads
  // stdin as bytes and decodes UTF-8 (issue 10, defect 5): the non-ASCII password arrives intact.
  it('the superuser password arrives intact from stdin (non-ASCII)', async () => {
    expect(await authenticates(ADMIN_PASSWORD)).toBe(true);
  });

  it('Windows Python decodes a piped sys.stdin as cp1252 (why the script reads bytes)', async () => {
    const superuser = plan.execs('django').find((a) => a.stdin)!;
    const r = await prefix.exec(
      venvPython,
      [
        '-c',
        'import sys, json; print(sys.stdin.encoding, json.dumps(json.loads(sys.stdin.read())["password"]))',
      ],
      { input: renderTemplatedText(superuser.stdin!, secrets) },
    );
    const out = r.stdout.trim();
    const [encoding, json] = [out.slice(0, out.indexOf(' ')), out.slice(out.indexOf(' ') + 1)];
    expect(encoding).toBe('cp1252');
    const { stdout: cp1252 } = await execa('python3', [
      '-c',
      'import sys, json; print(json.dumps(sys.argv[1].encode("utf-8").decode("cp1252")))',
      ADMIN_PASSWORD,
    ]);
    const mangled = JSON.parse(cp1252) as string;
    expect(mangled).not.toBe(ADMIN_PASSWORD);
    expect(JSON.parse(json)).toBe(mangled);
  });

  // Skipped until 2026-12-02 ("nothing listens within 60 s"): run by hand under Wine, the worker
  // answered on the port its arguments name. The test's port swap matched `--port 8001<`, which
  // stopped matching once `--max-body` followed the port, so the services listened on the plan's
  // 800N while the test polled a free port. The swap now replaces the token and checks it did.
  it('registers, starts and stops the worker services with sc.exe; workers answer HTTP from Linux', async () => {
    const actions = plan.step('win-services');
    const writes = actions.filter((a) => a.kind === 'writeFile') as unknown as {
      path: string;
      content: string[];
    }[];
    const installs = actions.filter(
      (a) => a.kind === 'winService' && a.op === 'install',
    ) as unknown as (Action & {
      name: string;
      address: string;
      port: number;
      wrapperExe: string;
    })[];
    // The task cluster (manage.py qcluster) needs django-q, which the fixture does not have.
    const workers = installs.filter((a) => a.name.startsWith('QATrackWorker'));
    expect(workers.map((w) => w.address)).toEqual(['127.0.0.1', '127.0.0.2']);
    const standin = path.join(work, 'winsw-standin.exe');
    await execa('x86_64-w64-mingw32-gcc', [
      '-municode',
      '-O2',
      '-s',
      '-o',
      standin,
      path.join(import.meta.dirname, '..', 'support', 'wine', 'winsw-standin.c'),
    ]);
    for (const d of ['C:\\QATrack\\services', 'D:\\QATrackData\\logs\\services']) {
      await mkdir(prefix.unixPath(d), { recursive: true });
    }
    services = [];
    for (const w of workers) {
      // Loopback as planned; a free port instead of the plan's 800N (other tests share this machine).
      const port = await freePort(w.address);
      const xml = writes.find((f) => f.path.endsWith(`${w.name}.xml`))!;
      const planned = xml.content.join('');
      // Only the port token changes (the arguments go on after it: `--port 8001 --max-body ...`).
      const content = planned.replace(new RegExp(`--port ${w.port}(?=[\\s<])`), `--port ${port}`);
      expect(content, `${w.name}.xml: --port ${w.port} not found`).not.toBe(planned);
      await writeFile(prefix.unixPath(xml.path), content);
      const script = writes.find((f) => f.path.endsWith('qatrack_worker.py'))!;
      await writeFile(prefix.unixPath(script.path), script.content.join(''));
      await cp(standin, prefix.unixPath(w.wrapperExe));
      services.push({ id: w.name, address: w.address, port, install: w });
    }

    for (const s of services) {
      // The Windows host's own argv for `winService install`: the wrapper's `install` command.
      const [cmd] = commandsFor(s.install)!;
      expect(cmd!.args).toEqual(['install']);
      const r = await prefix.exec(cmd!.file, cmd!.args);
      expect(r.exitCode, r.stderr).toBe(0);
      const started = await prefix.exec('sc', ['start', s.id]);
      expect(started.exitCode, started.stdout).toBe(0);
    }
    for (const s of services) {
      let answer: { status: number; body: string } | undefined;
      for (let i = 0; i < 120 && !answer; i++) {
        answer = await httpGet(
          `http://${s.address}:${s.port}/accounts/login/`,
          'qatrack.hospital.local',
        ).catch(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 500)));
      }
      if (!answer) {
        // What the worker and the wrapper wrote (WinSW's log names), so a failure says why.
        const logs = prefix.unixPath('D:\\QATrackData\\logs\\services');
        const texts = await Promise.all(
          (await readdir(logs)).map(
            async (f) => `--- ${f}\n${(await readFile(path.join(logs, f), 'utf8')).slice(-3000)}`,
          ),
        );
        throw new Error(`${s.id} did not answer on ${s.address}:${s.port}\n${texts.join('\n')}`);
      }
      expect(answer.status, s.id).toBe(200);
      expect(answer.body).toMatch(/<form[^>]*method="post"/i);
      // Django's ALLOWED_HOSTS from the plan's local_settings.py: another host name is refused.
      expect((await httpGet(`http://${s.address}:${s.port}/`, 'evil.example')).status).toBe(400);
      // The worker's stdout, through the wrapper into WinSW's log name.
      const out = await readFile(prefix.unixPath(`D:\\QATrackData\\logs\\services\\${s.id}.out.log`), 'utf8');
      expect(out).toContain(`QATrack+ worker listening on http://${s.address}:${s.port}/`);
      const q = await prefix.exec('sc', ['query', s.id]);
      expect(q.stdout).toMatch(/STATE\s+:\s+4\s+RUNNING/);
    }

    for (const s of services) {
      const stopped = await prefix.exec('sc', ['stop', s.id]);
      expect(stopped.exitCode, stopped.stdout).toBe(0);
    }
    for (const s of services) {
      let state = '';
      for (let i = 0; i < 60 && !/STOPPED/.test(state); i++) {
        state = (await prefix.exec('sc', ['query', s.id])).stdout;
      }
      expect(state).toMatch(/STATE\s+:\s+1\s+STOPPED/);
      await expect(httpGet(`http://${s.address}:${s.port}/`, 'qatrack.hospital.local')).rejects.toThrow();
      // Stopped the way WinSW stops it: Ctrl+C, so cheroot's `server.stop()` ran (exit code 0).
      const log = await readFile(
        prefix.unixPath(`D:\\QATrackData\\logs\\services\\${s.id}.wrapper.log`),
        'utf8',
      );
      expect(log).toContain('stopped by Ctrl+C, exit code 0');
    }
  });

  // Why the services test uses a stand-in: the one WinSW on a package registry (1.17.0.0 inside
  // node-windows 1.0.0-beta.8 on npm, sha256 pinned in artifacts.ts) is a .NET Framework program
  // ("IL-only", winsw.exe.config: supportedRuntime v2.0.50727 / v4.0). Wine runs those only through
  // Wine Mono, which Debian does not package and which is not on a registry here; the plan's
  // WinSW 2.12 (WinSW-x64.exe) is a GitHub release asset. Measured 2026-12-02, Wine 8.0.
  it('WinSW itself (1.17 from node-windows) cannot start under this Wine: it needs .NET (Wine Mono)', async () => {
    const exe = await winsw117Exe();
    const dir = prefix.unixPath('C:\\winsw-real');
    await mkdir(dir, { recursive: true });
    await cp(exe, path.join(dir, 'QATrackProbe.exe'));
    await cp(`${exe}.config`, path.join(dir, 'QATrackProbe.exe.config'));
    await writeFile(
      path.join(dir, 'QATrackProbe.xml'),
      '<service><id>QATrackProbe</id><name>Probe</name><description>Probe</description><executable>cmd.exe</executable></service>',
    );
    const probe = 'C:\\winsw-real\\QATrackProbe.exe';
    // The tier's prefixes disable mscoree (no Mono prompt or download): the loader refuses the
    // IL-only image, STATUS_DLL_NOT_FOUND (0xC0000135, "mscoree.dll not found" with WINEDEBUG=err).
    expect((await prefix.run(probe, ['status'])).code).toBe(0xc0000135);
    // With Wine's own mscoree: "Wine Mono is not installed", and the process ends with -1.
    expect((await prefix.run(probe, ['status'], { WINEDLLOVERRIDES: 'mshtml=' })).code).toBe(0xffffffff);
  });

  it("sc.exe's exit codes under Wine, and full 32-bit exit codes through the helper", async () => {
    // Windows's sc.exe exits with the Win32 error (1060, ERROR_SERVICE_DOES_NOT_EXIST); Wine 8's
    // sc.exe exits 1 for any failure (measured), so hosts must not rely on sc's code under Wine.
    expect((await prefix.run('sc', ['query', 'QATrackNoSuchService'])).code).toBe(1);
    // A Unix exit status keeps 8 bits: 1603 reads as 67 from Linux; the exit-code helper reads 1603.
    const exit1603 = ['-c', 'import sys; sys.exit(1603)'];
    expect((await prefix.exec(venvPython, exit1603)).exitCode).toBe(1603 & 0xff);
    expect((await prefix.run(venvPython, exit1603)).code).toBe(1603);
  });

  it("the plan's account change (sc config obj= NT SERVICE\\...) is not supported by Wine's sc.exe", async () => {
    const setAccount = plan
      .step('win-services')
      .find((a) => a.kind === 'winService' && a.op === 'setAccount');
    const [cmd] = commandsFor(setAccount as unknown as Action)!;
    expect(cmd!.args).toEqual(['config', 'QATrackWorker1', 'obj=', 'NT SERVICE\\QATrackWorker1']);
    // Wine has no virtual service accounts: this stays on the golden plans and the simulator.
    expect((await prefix.run(cmd!.file, cmd!.args)).code).toBe(1);
  });
});
