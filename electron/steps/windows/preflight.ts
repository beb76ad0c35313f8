import { labelOf } from '../../engine/answers/labels.js';
import type { SqlConnection } from '../../engine/actions/index.js';
import { InputError, InstallerError } from '../../engine/errors.js';

type InputIssue = InputError['issues'][number];
import type { OsResult, PortResult } from '../../engine/queries.js';
import { defineStep, type Check, type StepContext } from '../../engine/step.js';
import { DEFAULT_WEB_SITE } from './defaultWebSite.js';
import {
  adminConnection,
  describeServer,
  PRODUCT,
  serviceNames,
  sqlInstanceName,
  workers,
} from '../../windows/names.js';
import { sqlErrorText } from '../../windows/sqlErrors.js';
import { askWindows, type TopicResult } from '../../windows/topics.js';

/**
 * Preflight: is this a supported, elevated Windows Server with room and free ports? It changes
 * nothing. A blocking problem stops the plan with a stable code and what to do; a port held by
 * another IIS site is never stopped or rebound silently.
 */

const MIN_FREE_BYTES = 5 * 1024 ** 3;
/** Windows Server 2016 (build 14393) to 2025 (build 26100), by build number. */
const SUPPORTED_BUILDS: [number, string][] = [
  [14393, '2016'],
  [17763, '2019'],
  [20348, '2022'],
  [26100, '2025'],
];

export interface PortClaim {
  port: number;
  address?: string;
  /** Who may legitimately hold it: our IIS site or our worker service. */
  ours: { iisSite?: string; service?: string };
  field: string;
}

export interface PreflightProbe {
  os: OsResult;
  ports: { claim: PortClaim; result: PortResult }[];
  existing: Record<string, string | undefined>;
  /** The database side, proved before any change (an existing server only: Express is installed). */
  database?:
    | { kind: 'provision'; state: TopicResult<'sql'> }
    | {
        kind: 'dba';
        logins: { field: string; user: string; roles: string[]; state: TopicResult<'sqlLogin'> }[];
      };
}

const APP_ROLES = ['db_ddladmin', 'db_datawriter', 'db_datareader'];
const REPORT_ROLES = ['db_datareader'];

/** A DBA-prepared login connects as QATrack+ will: SQL authentication with its own password. */
const loginConnection = (ctx: StepContext, user: string, secret: string): SqlConnection => ({
  ...adminConnection(ctx.answers),
  auth: 'sql',
  user,
  password: { $secret: secret },
});

async function probeDatabase(ctx: StepContext): Promise<PreflightProbe['database']> {
  const d = ctx.answers.database;
  if (d.engine !== 'mssql' || d.mode === 'express') return undefined;
  if (d.provision)
    return {
      kind: 'provision',
      state: await askWindows(ctx.host, 'sql', {
        connection: adminConnection(ctx.answers),
        database: d.name,
        logins: [],
      }),
    };
  const wanted = [
    { field: 'database.login', user: d.login.user, secret: 'database.login.password', roles: APP_ROLES },
    {
      field: 'database.readonlyLogin',
      user: d.readonlyLogin.user,
      secret: 'database.readonlyLogin.password',
      roles: REPORT_ROLES,
    },
  ];
  return {
    kind: 'dba',
    logins: await Promise.all(
      wanted.map(async (w) => ({
        field: w.field,
        user: w.user,
        roles: w.roles,
        state: await askWindows(ctx.host, 'sqlLogin', {
          connection: loginConnection(ctx, w.user, w.secret),
          database: d.name,
          roles: w.roles,
        }),
      })),
    ),
  };
}

/**
 * What the database side lacks, each naming the answers field and the exact T-SQL a DBA runs.
 * Provisioning needs sysadmin, or dbcreator (CREATE DATABASE) with securityadmin (CREATE LOGIN)
 * (Microsoft Learn, "Server-level roles"); a DBA-prepared database needs both logins mapped with
 * their roles (the design's db_ddladmin/db_datawriter/db_datareader and db_datareader).
 */
export function databaseIssues(ctx: StepContext, p: PreflightProbe): InputIssue[] {
  const d = ctx.answers.database;
  const server = describeServer(ctx.answers);
  const db = p.database;
  if (!db) return [];
  if (db.kind === 'provision') {
    const who = d.authMode === 'sql' && d.admin ? d.admin.user : 'the Windows account running the installer';
    const field = d.authMode === 'sql' ? 'database.admin' : 'database.authMode';
    if (!db.state.reachable)
      return [
        db.state.errorNumber === 18456
          ? {
              path: d.authMode === 'sql' ? 'database.admin.password' : 'database.authMode',
              message: `SQL Server ${server} refused the installer's admin connection as ${who}: ${sqlErrorText(18456)}`,
            }
          : {
              path: 'database.server',
              message: `cannot reach SQL Server ${server}: ${sqlErrorText(db.state.errorNumber)}`,
            },
      ];
    const r = db.state.adminRoles;
    if (r.sysadmin || (r.dbcreator && r.securityadmin)) return [];
    const lacking = ['dbcreator', 'securityadmin'].filter((x) => !r[x as 'dbcreator' | 'securityadmin']);
    const name = d.authMode === 'sql' && d.admin ? `[${d.admin.user}]` : '[DOMAIN\\you]';
    return [
      {
        path: field,
        message: `${who} on ${server} lacks the server role${lacking.length > 1 ? 's' : ''} ${lacking.join(' and ')} that provisioning needs (create the database and the logins): ask the DBA to run ${lacking.map((x) => `ALTER SERVER ROLE [${x}] ADD MEMBER ${name};`).join(' ')} or set database.provision to false and have the DBA prepare database ${d.name}`,
      },
    ];
  }
  const issues: InputIssue[] = [];
  for (const l of db.logins) {
    const s = l.state;
    if (!s.reachable) {
      issues.push(
        s.errorNumber === 18456
          ? {
              path: `${l.field}.password`,
              message: `SQL Server ${server} refused the login ${l.user} (wrong password, a disabled login, or Windows authentication only): check ${l.field}`,
            }
          : {
              path: 'database.server',
              message: `cannot reach SQL Server ${server}: ${sqlErrorText(s.errorNumber)}`,
            },
      );
      continue;
    }
    if (!s.databaseExists) {
      issues.push({
        path: 'database.name',
        message: `database ${d.name} does not exist on ${server}: ask the DBA to create it, or set database.provision to true`,
      });
      break;
    }
    if (!s.hasAccess)
      issues.push({
        path: `${l.field}.user`,
        message: `login ${l.user} has no user in database ${d.name}: ask the DBA to run USE [${d.name}]; CREATE USER [${l.user}] FOR LOGIN [${l.user}]; ${l.roles.map((r) => `ALTER ROLE [${r}] ADD MEMBER [${l.user}];`).join(' ')}`,
      });
    else if (s.missingRoles.length)
      issues.push({
        path: `${l.field}.user`,
        message: `login ${l.user} lacks ${s.missingRoles.join(', ')} in database ${d.name}: ask the DBA to run USE [${d.name}]; ${s.missingRoles.map((r) => `ALTER ROLE [${r}] ADD MEMBER [${l.user}];`).join(' ')}`,
      });
  }
  return issues;
}

export const portClaims = (ctx: StepContext): PortClaim[] => {
  const a = ctx.answers;
  const claims: PortClaim[] = [
    { port: a.site.httpPort, ours: { iisSite: a.site.name }, field: 'site.httpPort' },
  ];
  if (a.site.https.enabled)
    claims.push({ port: a.site.https.port, ours: { iisSite: a.site.name }, field: 'site.https.port' });
  for (const w of workers(a))
    claims.push({ port: w.port, address: w.address, ours: { service: w.name }, field: 'workers.basePort' });
  return claims;
};

export function serverYear(os: OsResult): string | undefined {
  const build = Number(os.release.split('.')[2] ?? 0);
  if (!/Server/i.test(os.name)) return undefined;
  const hit = SUPPORTED_BUILDS.find(([b]) => b === build);
  return hit?.[1];
}

const holderText = (r: PortResult) => {
  if (!r.inUse) return '';
  const o = r.owner ?? {};
  if (o.iisSite) return `IIS site "${o.iisSite}"`;
  if (o.service) return `service "${o.service}"`;
  if (o.process) return `${o.process}${o.pid ? ` (PID ${o.pid})` : ''}`;
  return 'another program';
};

/** Problems that stop the install, in the order a person should fix them. */
export function blockingProblems(ctx: StepContext, p: PreflightProbe): InstallerError[] {
  const out: InstallerError[] = [];
  if (p.os.platform !== 'win32' || !serverYear(p.os))
    out.push(
      new InstallerError(
        'PREFLIGHT_OS',
        `${p.os.name} (${p.os.release}) is not a supported Windows Server.`,
        'Use Windows Server 2016, 2019, 2022 or 2025.',
      ),
    );
  if (!p.os.elevated)
    out.push(
      new InstallerError(
        'PREFLIGHT_ELEVATION',
        'The installer is not running as an administrator.',
        'Run it again from an elevated prompt (Run as administrator).',
      ),
    );
  if (p.os.freeDiskBytes !== undefined && p.os.freeDiskBytes < MIN_FREE_BYTES)
    out.push(
      new InstallerError(
        'PREFLIGHT_DISK',
        `Only ${(p.os.freeDiskBytes / 1024 ** 3).toFixed(1)} GB are free; QATrack+ needs at least 5 GB.`,
        'Free disk space or choose another program folder (paths.installDir) or data folder (paths.dataDir).',
      ),
    );
  const sqlToInstall = ctx.answers.database.mode === 'express' && !p.existing.sqlServer;
  if (p.os.pendingReboot && sqlToInstall)
    out.push(
      new InstallerError(
        'PREFLIGHT_REBOOT_PENDING',
        'Windows is waiting for a restart, and SQL Server setup refuses to run until it happens.',
        'Restart the server, then run the installer again.',
      ),
    );
  for (const { claim, result } of p.ports) {
    if (!result.inUse) continue;
    const o = result.owner ?? {};
    if (claim.ours.iisSite && o.iisSite === claim.ours.iisSite) continue;
    // Default Web Site on QATrack+'s port is the visible choice site.defaultWebSite handles: "stop"
    // stops it (win-default-site), "keep" binds the HTTP port by host name beside it.
    if (
      o.iisSite === DEFAULT_WEB_SITE &&
      (ctx.answers.site.defaultWebSite === 'stop' || claim.field === 'site.httpPort')
    )
      continue;
    if (claim.ours.service && o.service === claim.ours.service) continue;
    const where = claim.address ? `${claim.address}:${claim.port}` : `port ${claim.port}`;
    const fix = o.iisSite
      ? `The installer stops only IIS's Default Web Site, never another site. Stop "${o.iisSite}" or remove its :${claim.port} binding in IIS Manager, or choose another ${labelOf(claim.field)} (${claim.field}).`
      : `Stop ${holderText(result)} or choose another ${labelOf(claim.field)} (${claim.field}).`;
    out.push(
      new InstallerError('PREFLIGHT_PORT_IN_USE', `${where} is in use by ${holderText(result)}.`, fix),
    );
  }
  return out;
}

export const preflightStep = defineStep<PreflightProbe>({
  id: 'win-preflight',
  title: 'Check the server',
  dependsOn: [],
  async probe(ctx) {
    const os = await ctx.host.query({ kind: 'os' });
    const ports = await Promise.all(
      portClaims(ctx).map(async (claim) => ({
        claim,
        result: await ctx.host.query({ kind: 'port', port: claim.port, address: claim.address }),
      })),
    );
    const version = async (id: string) => {
      const r = await ctx.host.query({ kind: 'product', id });
      return r.installed ? r.version : undefined;
    };
    const instance = sqlInstanceName(ctx.answers);
    const existing: Record<string, string | undefined> = {
      python: await version(PRODUCT.python(ctx.answers.python.arch, ctx.release.versions.python)),
      odbc: await version(PRODUCT.odbc),
      vcredist: await version(PRODUCT.vcredist),
      urlRewrite: await version(PRODUCT.urlRewrite),
      arr: await version(PRODUCT.arr),
      sqlServer: instance ? await version(PRODUCT.sqlServer(instance)) : undefined,
    };
    return { os, ports, existing, database: await probeDatabase(ctx) };
  },
  plan(ctx, probed) {
    const problems = blockingProblems(ctx, probed);
    const db = databaseIssues(ctx, probed);
    // Only database findings: bad input (exit 64), every field named with what the DBA runs.
    if (problems.length === 0 && db.length)
      throw new InputError(
        'PREFLIGHT_DATABASE',
        `The database side is not ready: ${db.map((i) => `${i.path}: ${i.message}`).join('; ')}.`,
        db,
        'Fix each item listed (or have the DBA run the T-SQL named), then run the command again.',
      );
    if (problems.length === 1 && db.length === 0) throw problems[0]!;
    if (problems.length)
      throw new InstallerError(
        'PREFLIGHT_FAILED',
        [
          ...problems.map((e) => `${e.message} ${e.fix ?? ''}`.trim()),
          ...db.map((i) => `${i.path}: ${i.message}`),
        ].join('\n'),
        'Fix each problem above, then run the installer again.',
      );
    return [];
  },
  async verify(ctx): Promise<Check[]> {
    const p = await this.probe(ctx);
    const problems = blockingProblems(ctx, p).filter((e) => e.code !== 'PREFLIGHT_PORT_IN_USE');
    const checks: Check[] = problems.map((e) => ({
      id: `preflight.${e.code}`,
      title: 'Server prerequisites',
      ok: false,
      detail: e.message,
      fix: e.fix,
    }));
    const found = Object.entries(p.existing)
      .filter(([, v]) => v)
      .map(([k, v]) => `${k} ${v}`);
    checks.push({
      id: 'preflight.existing',
      title: 'Software found and reused',
      ok: true,
      detail: found.length ? found.join(', ') : 'none',
    });
    checks.push({
      id: 'preflight.services',
      title: 'Services expected',
      ok: true,
      detail: serviceNames(ctx.answers).join(', '),
    });
    return checks;
  },
});

/** Free-text summary of what was found, for the wizard's first page. */
export const describeExisting = (p: PreflightProbe) =>
  Object.entries(p.existing).map(([k, v]) => `${k}: ${v ? `found ${v}, reused` : 'not found, installed'}`);

/** Windows year of the server, for reports. */
export const osSummary = (os: OsResult) => `${os.name} (build ${os.release})`;
