import { z } from 'zod';
import { RELEASE_ID } from '../catalog-schema.js';
import {
  absolutePath,
  accountName,
  email,
  hostName,
  port,
  secretValue,
  sqlIdentifier,
  sqlInstanceName,
  thumbprint,
} from './fields.js';
import { signInSchema } from './sign-in.js';

/**
 * Everything the installer asks, for the wizard and for unattended answers files alike.
 * `qatrack-installer schema` prints this as JSON Schema.
 *
 * Zod runs an object's refinements even when a field failed a range check (only a wrong type stops
 * them), so every refinement below first checks that the values it uses are in range: a
 * `workers.count` of 1000000000 gets "must be from 1 to 32", never a loop over a billion ports.
 */

export const MAX_WORKERS = 32;
/** A whole number within [min, max]: the only values a refinement may compute with. */
const within = (n: unknown, min: number, max: number): n is number =>
  typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max;
const isPort = (n: unknown): n is number => within(n, 1, 65535);

const pathsSchema = z
  .object({
    /** Program files: Python, venv, QATrack+ source, service wrappers. */
    installDir: absolutePath,
    /** Data: static, media, logs, backups, journal. Never an IIS physical path parent of code. */
    dataDir: absolutePath,
    /** Offline bundle folder; without it the installer uses the wheelhouse/source paths below. */
    bundleDir: absolutePath.optional(),
    /** Wheelhouse folder (overrides the bundle's). */
    wheelhouseDir: absolutePath.optional(),
    /** QATrack+ release archive (.zip or .tar.gz; overrides the bundle's). */
    sourceArchive: absolutePath.optional(),
  })
  .strict();

const pythonSchema = z
  .object({
    /** Bitness of the Python installed on Windows. x86 only where the release's catalog allows it. */
    arch: z.enum(['x64', 'x86']).default('x64'),
    /** Use this interpreter instead of installing one (posix, or an existing Windows Python). */
    executable: absolutePath.optional(),
  })
  .strict();

const loginSchema = z.object({ user: sqlIdentifier, password: secretValue }).strict();

const databaseSchema = z
  .object({
    /** mssql on Windows; postgresql only for the posix end-to-end profile. */
    engine: z.enum(['mssql', 'postgresql']).default('mssql'),
    /** Use an existing server, or install SQL Server Express from the bundle. */
    mode: z.enum(['existing', 'express']).default('existing'),
    server: hostName.default('localhost'),
    /** Named instance (e.g. SQLEXPRESS); empty for the default instance. */
    instance: sqlInstanceName.optional(),
    port: port.optional(),
    /** How the installer itself connects to provision the database. */
    authMode: z.enum(['windows', 'sql']).default('windows'),
    /** SQL login with rights to create databases and logins (authMode "sql" only). */
    admin: loginSchema.optional(),
    name: sqlIdentifier.default('qatrack'),
    /** Read/write login (db_ddladmin, db_datawriter, db_datareader). */
    login: loginSchema,
    /** Read-only login for QATrack+ reports (db_datareader). */
    readonlyLogin: loginSchema,
    /** Create the database and logins when missing; false when a DBA provides them. */
    provision: z.boolean().default(true),
  })
  .strict()
  .superRefine((db, ctx) => {
    if (db.authMode === 'sql' && !db.admin) {
      ctx.addIssue({
        code: 'custom',
        path: ['admin'],
        message: 'is required when the installer signs in with a SQL login',
      });
    }
    if (db.login.user.toLowerCase() === db.readonlyLogin.user.toLowerCase()) {
      ctx.addIssue({
        code: 'custom',
        path: ['readonlyLogin', 'user'],
        message: 'must differ from the QATrack+ database login',
      });
    }
    if (db.mode === 'express' && db.engine !== 'mssql') {
      ctx.addIssue({
        code: 'custom',
        path: ['mode'],
        message: 'SQL Server Express works only with SQL Server (engine "mssql")',
      });
    }
  });

const adminUserSchema = z
  .object({
    username: z
      .string()
      .min(1, 'must not be empty')
      .max(150, 'must be at most 150 characters')
      .regex(/^[A-Za-z0-9@.+_-]+$/, 'may contain only letters, digits and @ . + - _ (Django user names)'),
    email,
    password: secretValue,
  })
  .strict();

const certificateSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('thumbprint'), thumbprint }).strict(),
  z.object({ mode: z.literal('selfSigned') }).strict(),
]);

const siteSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9+ _-]{1,64}$/, 'may contain letters, digits, space, "+", "_" and "-" (at most 64)')
      .default('QATrack+'),
    /** Names users type in the browser; the first is the canonical URL. */
    hostNames: z.array(hostName).min(1, 'must list at least one host name'),
    httpPort: port.default(80),
    defaultWebSite: z
      .enum(['stop', 'keep'])
      .default('stop')
      .describe(
        "What to do with IIS's Default Web Site when it holds QATrack+'s port: 'stop' stops it and sets serverAutoStart false (the seed guide's step); 'keep' leaves it and binds QATrack+ by host name (site.hostNames[0]) on the same port.",
      ),
    /**
     * Largest upload (attachments, imports) in MB. One answer sets both limits on the way: IIS's
     * requestLimits maxAllowedContentLength and the workers' cheroot max_request_body_size, so a
     * request IIS lets through is never cut by the worker (QATrack+ #690: big uploads gave 502).
     * IIS's limit is a uint in bytes (at most 4 GB):
     * https://learn.microsoft.com/iis/configuration/system.webserver/security/requestfiltering/requestlimits/
     */
    maxUploadMB: z
      .number({ error: 'must be a whole number of megabytes from 1 to 4095' })
      .int('must be a whole number of megabytes from 1 to 4095')
      .min(1, 'must be from 1 to 4095 (MB)')
      .max(4095, 'must be from 1 to 4095 (MB): IIS counts request bytes in a 32-bit number')
      .default(100),
    https: z
      .object({
        enabled: z.boolean().default(false),
        port: port.default(443),
        certificate: certificateSchema.optional(),
        /** Redirect HTTP to HTTPS. */
        redirectHttp: z.boolean().default(true),
      })
      .strict()
      .default({ enabled: false, port: 443, redirectHttp: true }),
  })
  .strict()
  .superRefine((site, ctx) => {
    if (site.https.enabled && !site.https.certificate) {
      ctx.addIssue({
        code: 'custom',
        path: ['https', 'certificate'],
        message:
          'is required when HTTPS is on: a certificate from the machine store ({"mode":"thumbprint",...}) or a self-signed one ({"mode":"selfSigned"})',
      });
    }
    if (site.https.enabled && isPort(site.https.port) && site.https.port === site.httpPort) {
      ctx.addIssue({ code: 'custom', path: ['https', 'port'], message: 'must differ from the HTTP port' });
    }
  });

const workersSchema = z
  .object({
    count: z
      .number({ error: 'must be a whole number from 1 to 32' })
      .int('must be a whole number from 1 to 32')
      .min(1, 'must be from 1 to 32')
      .max(MAX_WORKERS, 'must be from 1 to 32'),
    /** Worker N listens on 127.0.0.1:(basePort + N). */
    basePort: port.default(8000),
  })
  .strict()
  .superRefine((w, ctx) => {
    if (!isPort(w.basePort)) return;
    if (within(w.count, 1, MAX_WORKERS) && w.basePort + w.count > 65535) {
      ctx.addIssue({
        code: 'custom',
        path: ['basePort'],
        message: `must leave room for ${w.count} workers (first worker port + number of workers at most 65535)`,
      });
    }
    if (w.basePort < 1024) {
      ctx.addIssue({
        code: 'custom',
        path: ['basePort'],
        message: 'must be 1024 or higher (worker ports are unprivileged)',
      });
    }
  });

const serviceAccountSchema = z.discriminatedUnion('kind', [
  /** NT SERVICE\<service name>: least privilege, no password to manage (default). */
  z.object({ kind: z.literal('virtual') }).strict(),
  /** A (domain) user, e.g. to reach a network share or SQL Server with Windows authentication. */
  z.object({ kind: z.literal('user'), account: accountName, password: secretValue }).strict(),
]);

const backupSchema = z
  .object({
    enabled: z.boolean().default(true),
    folder: absolutePath.optional(),
    retentionDays: z
      .number()
      .int()
      .min(1, 'must be from 1 to 365')
      .max(365, 'must be from 1 to 365')
      .default(14),
    /** Local time of the nightly backup, HH:MM. */
    time: z
      .string()
      .regex(/^(?:[01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM such as 02:30')
      .default('02:30'),
  })
  .strict();

/**
 * Mail as QATrack+ 3.1.1.4 sends it: Django 2.2's SMTP backend (EMAIL_HOST/PORT/HOST_USER/
 * HOST_PASSWORD, EMAIL_USE_TLS = STARTTLS or EMAIL_USE_SSL = implicit TLS, never both: Django's
 * EmailBackend raises ValueError for both), notifications from EMAIL_NOTIFICATION_SENDER
 * (qatrack/settings.py L353, read by qatrack_core/email.py L38), server errors from SERVER_EMAIL to
 * ADMINS (settings.py L21-24), EMAIL_FAIL_SILENTLY read by every notification sender (settings.py L358).
 */
const emailSchema = z
  .object({
    enabled: z.boolean().default(false),
    smtpHost: hostName.optional(),
    smtpPort: port.default(587),
    security: z
      .enum(['none', 'starttls', 'tls'])
      .default('starttls')
      .describe(
        "How the mail connection is protected: 'starttls' (EMAIL_USE_TLS, usually port 587), 'tls' (EMAIL_USE_SSL, implicit TLS, usually port 465), 'none' (plain SMTP, usually port 25 on an internal relay).",
      ),
    user: z.string().max(256).optional(),
    password: secretValue.optional(),
    /** DEFAULT_FROM_EMAIL (password resets, Django's sendtestemail), and the default of the two below. */
    from: email.optional(),
    /** EMAIL_NOTIFICATION_SENDER: QATrack+'s notification mails. Default: `from`. */
    notificationSender: email.optional(),
    /** SERVER_EMAIL: the sender of server-error mails to ADMINS. Default: `from`. */
    serverEmail: email.optional(),
    failSilently: z
      .boolean()
      .default(false)
      .describe(
        "EMAIL_FAIL_SILENTLY. Off by default here: QATrack+'s own default (True) hides every mail failure, so a refused sender or a wrong password is never seen in its logs.",
      ),
    /** People who receive QATrack+ server-error mails (Django ADMINS). */
    admins: z
      .array(
        z
          .object({
            name: z
              .string()
              .min(1)
              .max(100)
              .regex(/^[^"'\\\r\n]+$/, 'must not contain quotes or backslashes'),
            email,
          })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .superRefine((e, ctx) => {
    if (!e.enabled) return;
    if (!e.smtpHost)
      ctx.addIssue({ code: 'custom', path: ['smtpHost'], message: 'is required when e-mail is on' });
    if (!e.from) ctx.addIssue({ code: 'custom', path: ['from'], message: 'is required when e-mail is on' });
    if (e.user && !e.password)
      ctx.addIssue({
        code: 'custom',
        path: ['password'],
        message: 'is required when a mail server user is set',
      });
  });

const chromeSchema = z
  .object({
    /** detect: use an installed Chrome/Edge; bundle: install Chrome's enterprise MSI; path: use `path`. */
    mode: z.enum(['detect', 'bundle', 'path', 'none']).default('detect'),
    path: absolutePath.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.mode === 'path' && !c.path)
      ctx.addIssue({
        code: 'custom',
        path: ['path'],
        message: 'is required when Chrome is given by its path',
      });
  });

export const answersSchema = z
  .object({
    $schema: z.string().optional(),
    /** QATrack+ release from the catalog, e.g. "3.1.1.4". */
    release: z.string().regex(RELEASE_ID, 'must be a release such as 3.1.1.4 or 4.0.x').default('3.1.1.4'),
    paths: pathsSchema,
    python: pythonSchema.default({ arch: 'x64' }),
    database: databaseSchema,
    admin: adminUserSchema,
    site: siteSchema,
    workers: workersSchema.default({ count: 2, basePort: 8000 }),
    serviceAccount: serviceAccountSchema.default({ kind: 'virtual' }),
    backup: backupSchema.default({ enabled: true, retentionDays: 14, time: '02:30' }),
    email: emailSchema.default({
      enabled: false,
      smtpPort: 587,
      security: 'starttls',
      failSilently: false,
      admins: [],
    }),
    chrome: chromeSchema.default({ mode: 'detect' }),
    /** Local accounts, Active Directory, Windows integrated authentication or ADFS. */
    signIn: signInSchema.default({ kind: 'local' }),
    /** IANA time zone; default: mapped from the server's Windows time zone. */
    timeZone: z
      .string()
      .regex(/^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+){0,2}$/, 'must be an IANA time zone such as Europe/Berlin')
      .optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const ports = new Map<number, string>();
    const claim = (p: number, path: (string | number)[], owner: string) => {
      const holder = ports.get(p);
      if (holder) ctx.addIssue({ code: 'custom', path, message: `port ${p} is already used by ${holder}` });
      else ports.set(p, owner);
    };
    if (isPort(a.site.httpPort)) claim(a.site.httpPort, ['site', 'httpPort'], 'the HTTP port');
    if (a.site.https.enabled && isPort(a.site.https.port))
      claim(a.site.https.port, ['site', 'https', 'port'], 'the HTTPS port');
    // Worker ports only from a count and base already in range (at most 32 claims).
    if (within(a.workers.count, 1, MAX_WORKERS) && isPort(a.workers.basePort))
      for (let n = 1; n <= a.workers.count && a.workers.basePort + n <= 65535; n++)
        claim(a.workers.basePort + n, ['workers', 'basePort'], `QATrack+ worker ${n}`);
    // ADFS sends the browser back with the authorization code to the Redirect URI
    // https://<host>/accounts/oauth2/callback (upstream docs/install/adfs_server_2016.rst): never over plain HTTP.
    if (a.signIn.kind === 'adfs' && !a.site.https.enabled)
      ctx.addIssue({
        code: 'custom',
        path: ['signIn', 'kind'],
        message:
          'ADFS sign-in needs HTTPS: turn site.https.enabled on (ADFS sends sign-ins back to https://<host>/accounts/oauth2/callback)',
      });
    // QATrack+ 3.1.1.4 renders PDFs from MEDIA_ROOT/reports under the data folder and, on Windows,
    // joins Chrome's command with spaces, unquoted (qatrack_core/utils.py L27-37): a space in that
    // path splits --print-to-pdf=... and file://... into pieces Chrome cannot use.
    if (a.chrome.mode !== 'none' && /\s/.test(a.paths.dataDir))
      ctx.addIssue({
        code: 'custom',
        path: ['paths', 'dataDir'],
        message:
          'must not contain spaces while PDF reports are on: QATrack+ passes the report folder under it to Chrome on a command line joined with spaces (choose e.g. D:\\QATrackData, or chrome.mode "none")',
      });
    const norm = (p: string) => p.replace(/[\\/]+$/, '').toLowerCase();
    const inside = (child: string, parent: string) =>
      norm(child) === norm(parent) ||
      norm(child).startsWith(norm(parent) + (parent.includes('\\') ? '\\' : '/'));
    if (inside(a.paths.dataDir, a.paths.installDir) || inside(a.paths.installDir, a.paths.dataDir)) {
      ctx.addIssue({
        code: 'custom',
        path: ['paths', 'dataDir'],
        message:
          'must not be inside the program folder or contain it (IIS serves files from the data folder, never from code)',
      });
    }
  });

/** Answers as written in a file (defaults may be left out, secrets may be env references). */
export type AnswersInput = z.input<typeof answersSchema>;
/** Answers after validation and defaults; secrets still as given (string or env reference). */
export type ParsedAnswers = z.output<typeof answersSchema>;
