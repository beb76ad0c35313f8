import { InstallerError } from '../engine/errors.js';
import type { SqlConnection } from '../engine/actions/index.js';
import type { Answers } from '../engine/answers/index.js';
import type { Layout } from '../engine/layout.js';
import type { ReleaseContext } from '../engine/step.js';

/**
 * Names every Windows step agrees on: services, loopback addresses, IIS objects, SIDs, product ids.
 * Kept in one place so the plan, the sim and the real host cannot disagree.
 */

export const SYSTEM32 = 'C:\\Windows\\System32';
export const MSIEXEC = `${SYSTEM32}\\msiexec.exe`;
export const POWERSHELL = `${SYSTEM32}\\WindowsPowerShell\\v1.0\\powershell.exe`;

/** Built-in principals by SID: names are localised on non-English Windows. */
export const SID = {
  administrators: '*S-1-5-32-544',
  system: '*S-1-5-18',
  iisUsers: '*S-1-5-32-568',
  iusr: '*S-1-5-17',
} as const;

export const TASKS_SERVICE = 'QATrackTasks';
export const FARM = 'qatrack-farm';
export const APP_POOL = 'QATrackPlus';
/** No spaces: netsh parses `name=` itself, and a quoted token is not something to rely on. */
export const FIREWALL_RULE = 'QATrackPlus-Web';
export const BACKUP_TASK = '\\QATrack+\\Nightly backup';
/** The installed-release Uninstall key (electron/steps/windows/releaseRecord.ts says why it is hidden). */
export const RELEASE_ARP_KEY = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\QATrack+';
export const SELF_SIGNED_NAME = 'QATrack+ self-signed';
/** site.maxUploadMB in bytes (one figure for IIS, cheroot and, on posix, nginx). */
export { maxUploadBytes } from '../engine/answers/upload-limit.js';

export interface Worker {
  n: number;
  name: string;
  displayName: string;
  /**
   * An ARR web farm keys its servers by address, so each worker gets its own loopback address
   * (the whole 127.0.0.0/8 range is loopback on Windows) and binds exactly that address.
   */
  address: string;
  port: number;
}

export const workers = (a: Answers): Worker[] =>
  Array.from({ length: a.workers.count }, (_, i) => {
    const n = i + 1;
    return {
      n,
      name: `QATrackWorker${n}`,
      displayName: `QATrack+ Worker ${n}`,
      address: `127.0.0.${n}`,
      port: a.workers.basePort + n,
    };
  });

export const serviceNames = (a: Answers): string[] => [...workers(a).map((w) => w.name), TASKS_SERVICE];

/** The account a service runs as: its own virtual account by default (least privilege, no password). */
export const serviceAccount = (a: Answers, service: string): string =>
  a.serviceAccount.kind === 'virtual' ? `NT SERVICE\\${service}` : a.serviceAccount.account;

/** Principals that must read the install folder and write data: one per service (or the one user). */
export const servicePrincipals = (a: Answers): string[] => [
  ...new Set(serviceNames(a).map((s) => serviceAccount(a, s))),
];

export const iisRoot = (l: Layout) => l.join(l.dataDir, 'iisroot');
export const iisLogDir = (l: Layout) => l.join(l.logDir, 'iis');
export const serviceLogDir = (l: Layout) => l.join(l.logDir, 'services');
export const setupLogDir = (l: Layout) => l.join(l.logDir, 'setup');
/** Where the SQL Server Express media is unpacked; its setup.exe is run from there. */
export const sqlExpressSetupDir = (l: Layout) => l.join(l.installDir, 'setup', 'sqlexpress');
export const toolsDir = (l: Layout) => l.join(l.installDir, 'tools');
export const workerScript = (l: Layout) => l.join(l.servicesDir, 'qatrack_worker.py');

export const sqlInstanceName = (a: Answers) =>
  a.database.instance ?? (a.database.mode === 'express' ? 'SQLEXPRESS' : undefined);
export const sqlServiceName = (a: Answers) => {
  const i = sqlInstanceName(a);
  return i ? `MSSQL$${i}` : 'MSSQLSERVER';
};
/** Express is installed with TCP on a fixed port, so nothing depends on SQL Browser. */
export const sqlPort = (a: Answers) => a.database.port ?? 1433;

/** The instance's server key (LoginMode; SuperSocketNetLib\Tcp\IPAll below it holds the TCP port). */
export const sqlInstanceKey = (major: number, instance: string) =>
  `HKLM\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\MSSQL${major}.${instance}\\MSSQLServer`;
export const sqlIsLocal = (a: Answers, hostname = '') =>
  a.database.mode === 'express' ||
  ['localhost', '127.0.0.1', '.', hostname.toLowerCase()].includes(a.database.server.toLowerCase());

/** How the installer connects to provision the database (never as a QATrack+ login). */
export const adminConnection = (a: Answers): SqlConnection => {
  const express = a.database.mode === 'express';
  const conn: SqlConnection = {
    server: express ? 'localhost' : a.database.server,
    auth: a.database.authMode,
  };
  const instance = sqlInstanceName(a);
  if (a.database.port || express) conn.port = sqlPort(a);
  else if (instance) conn.instance = instance;
  if (a.database.authMode === 'sql' && a.database.admin) {
    conn.user = a.database.admin.user;
    conn.password = { $secret: 'database.admin.password' };
  }
  return conn;
};

export const describeServer = (a: Answers) => {
  const c = adminConnection(a);
  return `${c.server}${c.instance ? `\\${c.instance}` : ''}${c.port ? `,${c.port}` : ''}`;
};

/** Product ids the hosts understand (sim: state.products; windows: registry lookups). */
export const PRODUCT = {
  /** `python-3.12-x64` from the catalog's Python version ("3.12.10") and the arch. */
  python: (arch: string, version = '3.9') => `python-${version.split('.').slice(0, 2).join('.')}-${arch}`,
  vcredist: 'vcredist-x64',
  /** The 32-bit runtime a 32-bit Python's extension modules (pyodbc) load. */
  vcredistX86: 'vcredist-x86',
  odbc: 'msodbcsql17',
  urlRewrite: 'iis-urlrewrite',
  arr: 'iis-arr',
  sqlServer: (instance: string) => `sqlserver:${instance.toUpperCase()}`,
} as const;

export const ODBC_DRIVER = 'ODBC Driver 17 for SQL Server';

/** IIS and its pieces: static files, logging, request filtering, no ASP.NET (IIS only proxies). */
export const IIS_FEATURES = [
  'Web-Server',
  'Web-Common-Http',
  'Web-Default-Doc',
  'Web-Static-Content',
  'Web-Http-Errors',
  'Web-Http-Logging',
  'Web-Request-Monitor',
  'Web-Filtering',
  'Web-Stat-Compression',
  'Web-Mgmt-Console',
];

export function artifact(release: ReleaseContext, id: string): string {
  const file = release.artifacts[id];
  if (!file)
    throw new InstallerError(
      'ARTIFACT_MISSING',
      `The offline bundle has no "${id}" artifact for this release and architecture.`,
      'Point paths.bundleDir at a complete bundle (qatrack-installer bundle verify shows what is missing).',
    );
  return file;
}

/**
 * Major version of SQL Server (MSSQL<major>.<instance> registry keys) from a build such as
 * 16.0.1000.6 or from the product year the catalog uses ("2022"). Years to majors:
 * https://learn.microsoft.com/troubleshoot/sql/releases/download-and-install-latest-updates
 * (2012 = 11, 2014 = 12, 2016 = 13, 2017 = 14, 2019 = 15, 2022 = 16, 2025 = 17).
 */
const SQL_YEARS: Record<string, number> = {
  '2012': 11,
  '2014': 12,
  '2016': 13,
  '2017': 14,
  '2019': 15,
  '2022': 16,
  '2025': 17,
};
export const sqlMajor = (version: string | undefined) => {
  const v = (version ?? '').trim();
  if (SQL_YEARS[v]) return SQL_YEARS[v];
  const m = /^(\d+)\.\d/.exec(v);
  if (m && Number(m[1]) >= 9 && Number(m[1]) < 100) return Number(m[1]);
  throw new InstallerError(
    'CATALOG_INVALID',
    `The catalog's SQL Server Express version "${version ?? ''}" is neither a year (2019, 2022) nor a build (16.0.1000.6).`,
    'Fix versions.sqlexpress in the release catalog.',
  );
};
