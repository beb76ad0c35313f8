import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAnswers, type AnswersInput } from '../../electron/engine/answers/index.js';
import { computeLayout } from '../../electron/engine/layout.js';
import { loadCatalog } from '../../electron/engine/release.js';
import { renderTemplatedText } from '../../electron/engine/secret-text.js';
import { SECRET_KEY_FILE } from '../../electron/engine/layout.js';
import { renderLocalSettings } from '../../electron/steps/common/render-local-settings.js';
import { fixtureDir } from '../support/fixture.js';

/** Every character that breaks naive quoting, and a backslash. */
const CANARY = `C4nary'"\\%^&! pw \\n end`;

const base: AnswersInput = {
  paths: { installDir: 'C:\\QATrack', dataDir: 'D:\\QATrackData' },
  database: {
    engine: 'mssql',
    server: 'sql01.hospital.local',
    instance: 'QATRACK',
    name: 'qatrackplus',
    login: { user: 'qatrack', password: CANARY },
    readonlyLogin: { user: 'qatrack_reports', password: `ro ${CANARY}` },
  },
  admin: { username: 'admin', email: 'physics@hospital.org', password: 'Admin-pw change me 2026!' },
  site: {
    hostNames: ['qatrack.hospital.local', 'qatrack'],
    https: { enabled: true, certificate: { mode: 'selfSigned' } },
  },
  workers: { count: 2 },
  email: {
    enabled: true,
    smtpHost: 'smtp.hospital.local',
    user: 'qatrack@hospital.org',
    password: `smtp ${CANARY}`,
    from: 'qatrack@hospital.org',
    admins: [{ name: 'Medical Physics', email: 'physics@hospital.org' }],
  },
};

function load(input: AnswersInput) {
  const r = loadAnswers(input, { env: {} });
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r;
}

/** Renders local_settings.py as the host would write it, then has real python3 import it. */
async function importSettings(dir: string, input: AnswersInput, platform: 'win32' | 'posix', extra = {}) {
  const { answers, secrets } = load(input);
  const layout = computeLayout(answers, platform);
  const text = renderTemplatedText(
    renderLocalSettings({
      answers,
      layout,
      versions: { odbc: '17.11.1.1' },
      timeZone: 'Europe/Berlin',
      ...extra,
    }),
    secrets,
  );
  const pkg = path.join(dir, platform, 'qatrack');
  await mkdir(pkg, { recursive: true });
  await writeFile(path.join(pkg, '__init__.py'), '');
  await writeFile(path.join(pkg, 'local_settings.py'), text);
  await writeFile(path.join(pkg, SECRET_KEY_FILE), 'k'.repeat(50) + '\n');
  await execa('python3', ['-m', 'py_compile', path.join(pkg, 'local_settings.py')]);
  const { stdout } = await execa(
    'python3',
    [
      '-c',
      'import json; from qatrack import local_settings as s; print(json.dumps({k: getattr(s, k) for k in dir(s) if k.isupper()}))',
    ],
    { cwd: path.join(dir, platform) },
  );
  return { settings: JSON.parse(stdout) as Record<string, any>, text, layout };
}

describe('local_settings.py rendered for QATrack+ and read back by python3', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'qatrack-ls-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('SQL Server: both connections, named instance, ODBC 17 driver, exact passwords', async () => {
    const { settings, text } = await importSettings(dir, base, 'win32');
    expect(settings.DATABASES.default).toEqual({
      ENGINE: 'sql_server.pyodbc',
      NAME: 'qatrackplus',
      USER: 'qatrack',
      PASSWORD: CANARY,
      HOST: 'sql01.hospital.local\\QATRACK',
      PORT: '',
      OPTIONS: { driver: 'ODBC Driver 17 for SQL Server' },
    });
    expect(settings.DATABASES.readonly.USER).toBe('qatrack_reports');
    expect(settings.DATABASES.readonly.PASSWORD).toBe(`ro ${CANARY}`);
    expect(settings.SECRET_KEY).toBe('k'.repeat(50));
    expect(settings.DEBUG).toBe(false);
    expect(settings.ALLOWED_HOSTS).toEqual(['qatrack.hospital.local', 'qatrack']);
    expect(settings.USE_X_FORWARDED_HOST).toBe(true);
    expect(settings.HTTP_OR_HTTPS).toBe('https');
    expect(settings.TIME_ZONE).toBe('Europe/Berlin');
    expect(settings.STATIC_ROOT).toBe('D:\\QATrackData\\static');
    expect(settings.MEDIA_ROOT).toBe('D:\\QATrackData\\media');
    expect(settings.STATIC_URL).toBe('/static/');
    // Always a string ("" = no Chrome): qatrack_core/utils.py builds a command list from it.
    expect(settings.CHROME_PATH).toBe('');
    expect(settings.LOG_ROOT).toBe('D:\\QATrackData\\logs');
    // HTTPS behind IIS: cookies only over HTTPS, and the proxy's X-Forwarded-Proto is trusted.
    expect(settings.SESSION_COOKIE_SECURE).toBe(true);
    expect(settings.CSRF_COOKIE_SECURE).toBe(true);
    expect(settings.SECURE_PROXY_SSL_HEADER).toEqual(['HTTP_X_FORWARDED_PROTO', 'https']);
    expect(settings.EMAIL_NOTIFICATION_SENDER).toBe('qatrack@hospital.org');
    expect(settings.ADMINS).toEqual([['Medical Physics', 'physics@hospital.org']]);
    expect(settings.EMAIL_HOST).toBe('smtp.hospital.local');
    expect(settings.EMAIL_PORT).toBe(587);
    // security defaults to STARTTLS: EMAIL_USE_TLS on, EMAIL_USE_SSL off (Django refuses both on).
    expect(settings.EMAIL_USE_TLS).toBe(true);
    expect(settings.EMAIL_USE_SSL).toBe(false);
    expect(settings.EMAIL_TIMEOUT).toBe(30);
    // Upstream's default True (settings.py L358) would hide every failure.
    expect(settings.EMAIL_FAIL_SILENTLY).toBe(false);
    expect(settings.EMAIL_HOST_PASSWORD).toBe(`smtp ${CANARY}`);
    expect(settings.SERVER_EMAIL).toBe('qatrack@hospital.org');
    expect(settings.DEFAULT_FROM_EMAIL).toBe('qatrack@hospital.org');
    // The raw canary never appears verbatim: its quotes and backslashes are escaped.
    expect(text).not.toContain(CANARY);
  });

  it('4.0.x: ENGINE mssql (mssql-django) from the catalog settings block, CSRF_TRUSTED_ORIGINS with scheme', async () => {
    const { settings, text } = await importSettings(path.join(dir, 'r40'), base, 'win32', {
      settings: loadCatalog('4.0.x').settings,
    });
    // docs/install/win_upgrade_from_3_to_4.rst "Update local_settings.py": ENGINE mssql, ODBC 17+.
    for (const alias of ['default', 'readonly'])
      expect(settings.DATABASES[alias]).toMatchObject({
        ENGINE: 'mssql',
        OPTIONS: { driver: 'ODBC Driver 17 for SQL Server' },
      });
    // HTTPS with the HTTP redirect: browsers only ever send https origins.
    expect(settings.CSRF_TRUSTED_ORIGINS).toEqual(['https://qatrack.hospital.local', 'https://qatrack']);
    expect(text).not.toContain('sql_server.pyodbc');
  });

  it('CSRF_TRUSTED_ORIGINS: a non-default port is part of the origin; http stays trusted when it does not redirect', async () => {
    const site = {
      hostNames: ['qa.example.org'],
      httpPort: 8080,
      https: { enabled: true, port: 8443, redirectHttp: false, certificate: { mode: 'selfSigned' as const } },
    };
    const { settings } = await importSettings(path.join(dir, 'r40p'), { ...base, site }, 'win32', {
      settings: loadCatalog('4.0.x').settings,
    });
    expect(settings.CSRF_TRUSTED_ORIGINS).toEqual([
      'https://qa.example.org:8443',
      'http://qa.example.org:8080',
    ]);
    const plain = await importSettings(
      path.join(dir, 'r40h'),
      { ...base, site: { hostNames: ['qa.example.org'], https: { enabled: false } } },
      'win32',
      { settings: loadCatalog('4.0.x').settings },
    );
    expect(plain.settings.CSRF_TRUSTED_ORIGINS).toEqual(['http://qa.example.org']);
  });

  it('3.1.1.4 (Django 2.2) gets no CSRF_TRUSTED_ORIGINS: its host-only form would be wrong in 4.x and is not needed', async () => {
    const { settings } = await importSettings(path.join(dir, 'r31'), base, 'win32', {
      settings: loadCatalog('3.1.1.4').settings,
    });
    expect(settings.CSRF_TRUSTED_ORIGINS).toBeUndefined();
    expect(settings.DATABASES.default.ENGINE).toBe('sql_server.pyodbc');
  });

  it('mail: implicit TLS sets EMAIL_USE_SSL only, none sets neither; each sender as answered', async () => {
    const tls = await importSettings(
      path.join(dir, 'mail-tls'),
      {
        ...base,
        email: {
          ...base.email,
          smtpPort: 465,
          security: 'tls',
          notificationSender: 'notify@hospital.org',
          serverEmail: 'errors@hospital.org',
          failSilently: true,
        },
      },
      'win32',
    );
    expect(tls.settings).toMatchObject({
      EMAIL_PORT: 465,
      EMAIL_USE_TLS: false,
      EMAIL_USE_SSL: true,
      EMAIL_NOTIFICATION_SENDER: 'notify@hospital.org',
      SERVER_EMAIL: 'errors@hospital.org',
      DEFAULT_FROM_EMAIL: 'qatrack@hospital.org',
      EMAIL_FAIL_SILENTLY: true,
    });
    const none = await importSettings(
      path.join(dir, 'mail-none'),
      {
        ...base,
        email: { ...base.email, smtpPort: 25, security: 'none', user: undefined, password: undefined },
      },
      'win32',
    );
    expect(none.settings).toMatchObject({
      EMAIL_USE_TLS: false,
      EMAIL_USE_SSL: false,
      EMAIL_HOST_PASSWORD: '',
    });
  });

  it('SQL Server named instance with a port: HOST server and PORT, as the installer connected (no SQL Browser)', async () => {
    const withPort = await importSettings(
      path.join(dir, 'np'),
      { ...base, database: { ...base.database, instance: 'QATRACK', port: 1433 } },
      'win32',
    );
    expect(withPort.settings.DATABASES.default).toMatchObject({ HOST: 'sql01.hospital.local', PORT: '1433' });
    expect(withPort.settings.DATABASES.readonly).toMatchObject({
      HOST: 'sql01.hospital.local',
      PORT: '1433',
    });
    const express = await importSettings(
      path.join(dir, 'ex'),
      { ...base, database: { ...base.database, mode: 'express', server: 'localhost', instance: 'QATRACK' } },
      'win32',
    );
    expect(express.settings.DATABASES.default).toMatchObject({ HOST: 'localhost', PORT: '1433' });
  });

  it('SQL Server default instance with a port; PostgreSQL on posix; e-mail off; a Chrome path', async () => {
    const mssql = await importSettings(
      dir,
      { ...base, database: { ...base.database, instance: undefined, port: 1444 } },
      'win32',
    );
    expect(mssql.settings.DATABASES.default.HOST).toBe('sql01.hospital.local');
    expect(mssql.settings.DATABASES.default.PORT).toBe('1444');

    const pg = await importSettings(
      dir,
      {
        ...base,
        paths: { installDir: '/opt/qatrack', dataDir: '/srv/qatrack' },
        database: {
          ...base.database,
          engine: 'postgresql',
          instance: undefined,
          server: '127.0.0.1',
          port: 5432,
        },
        email: { enabled: false },
        site: { hostNames: ['qatrack.test'] },
      },
      'posix',
      { chromePath: '/usr/bin/chromium' },
    );
    expect(pg.settings.DATABASES.default).toEqual({
      ENGINE: 'django.db.backends.postgresql',
      NAME: 'qatrackplus',
      USER: 'qatrack',
      PASSWORD: CANARY,
      HOST: '127.0.0.1',
      PORT: '5432',
    });
    expect(pg.settings.HTTP_OR_HTTPS).toBe('http');
    expect(pg.settings.CHROME_PATH).toBe('/usr/bin/chromium');
    expect(pg.settings.EMAIL_BACKEND).toBe('django.core.mail.backends.dummy.EmailBackend');
    expect(pg.settings.STATIC_ROOT).toBe('/srv/qatrack/static');
    expect(pg.settings.LOG_ROOT).toBe('/srv/qatrack/logs');
    // Plain HTTP: none of the HTTPS-only settings.
    expect(pg.settings.SESSION_COOKIE_SECURE).toBeUndefined();
    expect(pg.settings.SECURE_PROXY_SSL_HEADER).toBeUndefined();
    // E-mail off: notifications still name the site's admin, not notifications@qatrackplus.com.
    expect(pg.settings.EMAIL_NOTIFICATION_SENDER).toBe('physics@hospital.org');
  });

  it("LOG_ROOT moves the release's log handlers too (their file names are computed before local_settings)", async () => {
    // The fixture's settings.py keeps upstream's order (settings.py L31, L490-511, L742, L763-765):
    // LOGGING from the default LOG_ROOT, then `from .local_settings import *`, then the mkdir loop.
    const root = path.join(dir, 'logroot');
    const input: AnswersInput = {
      ...base,
      paths: { installDir: path.join(root, 'app'), dataDir: path.join(root, 'data') },
      database: { ...base.database, engine: 'postgresql', instance: undefined, server: '127.0.0.1' },
      email: { enabled: false },
    };
    const { answers, secrets } = load(input);
    const layout = computeLayout(answers, 'posix');
    const pkg = path.join(layout.sourceDir, 'qatrack');
    await mkdir(pkg, { recursive: true });
    await mkdir(layout.dataDir, { recursive: true });
    await writeFile(path.join(pkg, '__init__.py'), '');
    await writeFile(path.join(pkg, SECRET_KEY_FILE), 'k'.repeat(50));
    await writeFile(
      path.join(pkg, 'settings.py'),
      await readFile(path.join(fixtureDir, 'qatrack', 'settings.py'), 'utf8'),
    );
    const text = renderTemplatedText(
      renderLocalSettings({ answers, layout, versions: {}, timeZone: 'UTC' }),
      secrets,
    );
    await writeFile(path.join(pkg, 'local_settings.py'), text);
    const { stdout } = await execa(
      'python3',
      [
        '-c',
        'import json; from qatrack import settings as s; print(json.dumps({"root": s.LOG_ROOT, "files": sorted(h["filename"] for h in s.LOGGING["handlers"].values() if "filename" in h), "private": [k for k in dir(s) if k.startswith("_handler") or k == "_settings"]}))',
      ],
      { cwd: layout.sourceDir },
    );
    const r = JSON.parse(stdout) as { root: string; files: string[]; private: string[] };
    expect(r.root).toBe(layout.logDir);
    expect(r.files).toEqual(
      ['auth.log', 'debug.log', 'django-q.log', 'migrate.log'].map((f) => path.join(layout.logDir, f)),
    );
    expect(r.private).toEqual([]); // helper names stay inside local_settings
    // The release's mkdir loop created LOG_ROOT (and the media folders) under the data folder...
    expect(await readdir(layout.dataDir)).toEqual(expect.arrayContaining(['logs', 'media']));
    // ...and nothing was created at upstream's default <source>/../logs.
    await expect(readdir(path.join(layout.installDir, 'logs'))).rejects.toThrow();
  });

  it('passwords travel as SecretRefs with python-str encoding, never as values', () => {
    const { answers } = load(base);
    const parts = renderLocalSettings({
      answers,
      layout: computeLayout(answers, 'win32'),
      versions: {},
      timeZone: 'UTC',
    });
    const refs = parts.filter((p) => typeof p !== 'string');
    expect(refs).toEqual([
      { $secret: 'database.login.password', encode: 'python-str' },
      { $secret: 'database.readonlyLogin.password', encode: 'python-str' },
      { $secret: 'email.password', encode: 'python-str' },
    ]);
    expect(JSON.stringify(parts)).not.toContain('C4nary');
  });
});
