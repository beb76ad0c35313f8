import { mailSenders, type Answers } from '../../engine/answers/index.js';
import { SETTINGS_3_1, type ReleaseSettings } from '../../engine/catalog-schema.js';
import { SECRET_KEY_FILE, type Layout } from '../../engine/layout.js';
import type { SecretRef, TemplatedText } from '../../engine/secrets.js';
import { pyList, pyStr } from './python-literal.js';
import { signInBlock } from './render-sign-in.js';

export interface LocalSettingsInput {
  answers: Answers;
  layout: Layout;
  /** Catalog versions; `odbc` picks the SQL Server driver name. */
  versions: Record<string, string>;
  /** The catalog's settings block (what differs between release lines); absent: 3.1's. */
  settings?: ReleaseSettings;
  timeZone: string;
  chromePath?: string;
}

/** A secret spliced into a single-quoted Python literal. */
const pySecret = (ref: SecretRef): TemplatedText => [
  "'",
  { $secret: ref.$secret, encode: 'python-str' },
  "'",
];

/** "ODBC Driver 17 for SQL Server" from the catalog's driver version (17.10.6.1). */
export const odbcDriverName = (version = '17') => `ODBC Driver ${version.split('.')[0]} for SQL Server`;

function databaseBlock(
  alias: string,
  a: Answers['database'],
  login: { user: string; password: SecretRef },
  versions: Record<string, string>,
  engines: ReleaseSettings['databaseEngine'],
): TemplatedText {
  const mssql = a.engine === 'mssql';
  // SQL Server: connect the way the installer proved it can (adminConnection in electron/windows/names):
  // server + port whenever a port is known (database.port, or Express's fixed TCP port 1433), so
  // the app does not depend on SQL Browser (UDP 1434); server\instance only when no port is known.
  const knownPort = mssql && a.mode === 'express' ? (a.port ?? 1433) : a.port;
  const host = mssql && a.instance && knownPort === undefined ? `${a.server}\\${a.instance}` : a.server;
  const port = knownPort !== undefined ? String(knownPort) : '';
  return [
    `    ${pyStr(alias)}: {\n`,
    `        "ENGINE": ${pyStr(mssql ? engines.mssql : engines.postgres)},\n`,
    `        "NAME": ${pyStr(a.name)},\n`,
    `        "USER": ${pyStr(login.user)},\n`,
    `        "PASSWORD": `,
    ...pySecret(login.password),
    `,\n`,
    `        "HOST": ${pyStr(host)},\n`,
    `        "PORT": ${pyStr(port)},\n`,
    ...(mssql ? [`        "OPTIONS": {"driver": ${pyStr(odbcDriverName(versions.odbc))}},\n`] : []),
    `    },\n`,
  ];
}

/** Seconds Django waits on the relay before a send fails (Django 2.2's default EMAIL_TIMEOUT is None: forever). */
export const EMAIL_TIMEOUT_SECONDS = 30;

/**
 * Mail settings by QATrack+ 3.1.1.4's own names (qatrack/settings.py L350-363, L21-24) and Django
 * 2.2's (django/conf/global_settings.py: SERVER_EMAIL, DEFAULT_FROM_EMAIL, EMAIL_USE_SSL,
 * EMAIL_TIMEOUT). Django's EmailBackend (django/core/mail/backends/smtp.py) opens SMTP_SSL for
 * EMAIL_USE_SSL, calls starttls() for EMAIL_USE_TLS, and refuses both at once.
 */
function emailBlock(a: Answers): TemplatedText {
  const e = a.email;
  const admins = e.admins.map((x) => `(${pyStr(x.name)}, ${pyStr(x.email)})`).join(', ');
  const senders = mailSenders(a);
  const lines: TemplatedText = [
    `ADMINS = [${admins}]\n`,
    `MANAGERS = ADMINS\n`,
    // QATrack+ 3.1.1.4 settings.py L353 defaults to notifications@qatrackplus.com, which hospital
    // relays refuse (upstream issues #483, #657): the site's own sender, else the admin's address.
    `EMAIL_NOTIFICATION_SENDER = ${pyStr(senders.notificationSender)}\n`,
    // Upstream's default True (settings.py L358) hides every failed notification from the logs.
    `EMAIL_FAIL_SILENTLY = ${e.failSilently ? 'True' : 'False'}\n`,
  ];
  if (!e.enabled) return [...lines, `EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"\n`];
  lines.push(
    `EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"\n`,
    `EMAIL_HOST = ${pyStr(e.smtpHost ?? '')}\n`,
    `EMAIL_PORT = ${e.smtpPort}\n`,
    `EMAIL_USE_TLS = ${e.security === 'starttls' ? 'True' : 'False'}\n`,
    `EMAIL_USE_SSL = ${e.security === 'tls' ? 'True' : 'False'}\n`,
    `EMAIL_TIMEOUT = ${EMAIL_TIMEOUT_SECONDS}\n`,
    `EMAIL_HOST_USER = ${pyStr(e.user ?? '')}\n`,
    `EMAIL_HOST_PASSWORD = `,
  );
  if (e.password) lines.push(...pySecret(e.password));
  else lines.push('""');
  lines.push(
    `\n`,
    `SERVER_EMAIL = ${pyStr(senders.serverEmail)}\n`,
    `DEFAULT_FROM_EMAIL = ${pyStr(senders.from)}\n`,
  );
  return lines;
}

/**
 * LOG_ROOT under the data folder. QATrack+ 3.1.1.4's settings.py computes its LOGGING handlers'
 * file names from the default LOG_ROOT (`<source>/../logs`, L31 and L490-511) BEFORE it imports
 * local_settings (L742); only the mkdir loop after the import (L763-765) sees our LOG_ROOT. So the
 * handlers are re-pointed here, in the settings module's own LOGGING dict (it exists while
 * local_settings is imported), keeping each file's name. Underscore names are not exported by
 * `from .local_settings import *`.
 */
function logBlock(logRoot: string): TemplatedText {
  return [
    `LOG_ROOT = ${pyStr(logRoot)}\n`,
    `_settings = sys.modules.get(__name__.rsplit(".", 1)[0] + ".settings")\n`,
    `for _handler in getattr(_settings, "LOGGING", {}).get("handlers", {}).values():\n`,
    `    if "filename" in _handler:\n`,
    `        _handler["filename"] = os.path.join(LOG_ROOT, os.path.basename(_handler["filename"]))\n\n`,
  ];
}

/** Behind the HTTPS proxy (IIS terminates TLS): cookies only over HTTPS, and Django trusts the
 * proxy's X-Forwarded-Proto (Django 2.2 docs, settings SECURE_PROXY_SSL_HEADER, SESSION_COOKIE_SECURE,
 * CSRF_COOKIE_SECURE). */
const httpsBlock = (https: boolean): TemplatedText =>
  https
    ? [
        `SESSION_COOKIE_SECURE = True\n`,
        `CSRF_COOKIE_SECURE = True\n`,
        `SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")\n\n`,
      ]
    : [];

/**
 * The origins browsers send (scheme://host[:port]) for each host name, as Django 4.0+ wants them:
 * "Values in the CSRF_TRUSTED_ORIGINS setting must include the scheme" (Django 4.0 release notes,
 * CSRF_TRUSTED_ORIGINS changes). https when the site has it; http too unless http only redirects.
 */
export function csrfTrustedOrigins(site: Answers['site']): string[] {
  const schemes: { scheme: string; port: number; fallback: number }[] = [];
  if (site.https.enabled) schemes.push({ scheme: 'https', port: site.https.port, fallback: 443 });
  if (!site.https.enabled || !site.https.redirectHttp)
    schemes.push({ scheme: 'http', port: site.httpPort, fallback: 80 });
  return site.hostNames.flatMap((h) =>
    schemes.map((s) => `${s.scheme}://${h}${s.port === s.fallback ? '' : `:${s.port}`}`),
  );
}

/**
 * QATrack+'s local_settings.py as templated text: passwords stay SecretRefs (python-str encoded),
 * everything else is a Python literal made by pyStr. The SECRET_KEY is read from a file the target
 * generated itself, so it never travels through plans, journals or logs.
 */
export function renderLocalSettings(i: LocalSettingsInput): TemplatedText {
  const { answers: a, layout } = i;
  const db = a.database;
  const settings = i.settings ?? SETTINGS_3_1;
  return [
    `# Written by QATrack+ Installer. \`repair\` rewrites this file from the answers: change those instead.\n`,
    `import os\n`,
    `import sys\n\n`,
    `with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), ${pyStr(SECRET_KEY_FILE)})) as _key:\n`,
    `    SECRET_KEY = _key.read().strip()\n\n`,
    `DEBUG = False\n`,
    `ALLOWED_HOSTS = ${pyList(a.site.hostNames)}\n`,
    ...(settings.csrfTrustedOrigins
      ? [`CSRF_TRUSTED_ORIGINS = ${pyList(csrfTrustedOrigins(a.site))}\n`]
      : []),
    `USE_X_FORWARDED_HOST = True\n`,
    `HTTP_OR_HTTPS = ${pyStr(a.site.https.enabled ? 'https' : 'http')}\n`,
    `TIME_ZONE = ${pyStr(i.timeZone)}\n\n`,
    ...httpsBlock(a.site.https.enabled),
    `DATABASES = {\n`,
    ...databaseBlock('default', db, db.login, i.versions, settings.databaseEngine),
    ...databaseBlock('readonly', db, db.readonlyLogin, i.versions, settings.databaseEngine),
    `}\n\n`,
    `STATIC_ROOT = ${pyStr(layout.staticRoot)}\n`,
    `MEDIA_ROOT = ${pyStr(layout.mediaRoot)}\n`,
    `STATIC_URL = "/static/"\n`,
    `MEDIA_URL = "/media/"\n`,
    ...logBlock(layout.logDir),
    ...signInBlock(a.signIn, layout),
    // Always a string: qatrack_core/utils.py builds a command list from it ("" = no Chrome).
    `CHROME_PATH = ${pyStr(i.chromePath ?? '')}\n\n`,
    ...emailBlock(a),
  ];
}
