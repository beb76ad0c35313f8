import { createHash } from 'node:crypto';
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { Agent, request } from 'undici';
import writeFileAtomic from 'write-file-atomic';
import type { Action, ActionOf } from '../../engine/actions/index.js';
import { InstallerError } from '../../engine/errors.js';
import type { Query, QueryResult, QueryResults } from '../../engine/queries.js';
import { renderTemplatedText, resolveValue } from '../../engine/secret-text.js';
import { isSecretRef, type SecretStore } from '../../engine/secrets.js';
import { PROBE_LOGIN, PROBE_REPORTS_RIGHTS, PROBE_STATE } from '../../windows/sqlBatches.js';
import { sqlErrorAdvice, sqlErrorText } from '../../windows/sqlErrors.js';
import { topics, type Topic } from '../../windows/topics.js';
import { HostActionError, type ApplyContext, type ApplyResult, type Host } from '../../engine/host.js';
import { copyVerified } from '../copy-verified.js';
import { commandsFor, powershell, type Command } from './argv.js';
import {
  loginStateFromRows,
  parseIisSnapshot,
  parsePsJson,
  productPattern,
  reportsRightsFromRows,
  resolvePortOwner,
  sqlStateFromRows,
} from './parse.js';
import { databaseSizeFromRows, PROBE_DATABASE_SIZE, runSqlBatch, targetFor } from './sql.js';

/**
 * Real execution on Windows Server. Every action becomes argv (argv.ts, golden-tested) run by execa
 * without a shell, file actions use node:fs, `sql` actions use mssql (SQL authentication) or the
 * fixed SqlClient PowerShell script (Windows authentication). Queries run fixed PowerShell scripts
 * with their input as JSON on stdin. This module only runs on Windows; nothing here was executed on
 * a real server yet (see the issue notes).
 */
/** `secrets` resolves the passwords of SQL-authenticated probes (admin or a DBA-prepared login). */
export function createWindowsHost(secrets?: SecretStore): Host {
  if (process.platform !== 'win32')
    throw new InstallerError(
      'HOST_UNAVAILABLE',
      'The windows host runs only on Windows.',
      'Use --host sim:STATEFILE to preview a Windows install on this machine.',
    );
  const emptySecrets: SecretStore = { get: () => undefined, values: () => [] };
  return {
    kind: 'windows',
    platform: 'win32',
    query: <Q extends Query>(q: Q) => windowsQuery(q, secrets ?? emptySecrets) as Promise<QueryResult<Q>>,
    apply: (action, ctx) => applyAction(action, ctx),
    close: () => Promise.resolve(),
  };
}

/** Resolve SecretRefs inside a script's JSON input at the last moment. */
function resolveJson(value: unknown, secrets: SecretStore): unknown {
  if (isSecretRef(value)) return resolveValue(value, secrets);
  if (Array.isArray(value)) return value.map((v) => resolveJson(v, secrets));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveJson(v, secrets)]));
  return value;
}

/** The installer's environment without variables starting with any prefix (names are case-insensitive on Windows). */
function strippedEnv(prefixes: readonly string[]): Record<string, string> {
  const up = prefixes.map((p) => p.toUpperCase());
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !up.some((p) => k.toUpperCase().startsWith(p))) out[k] = v;
  return out;
}

async function run(
  cmd: Command,
  ctx: Pick<ApplyContext, 'secrets' | 'signal' | 'onOutput'>,
  timeoutMs?: number,
) {
  const input =
    cmd.stdinJson === undefined ? undefined : JSON.stringify(resolveJson(cmd.stdinJson, ctx.secrets));
  const r = await execa(cmd.file, cmd.args, {
    input,
    reject: false,
    windowsHide: true,
    cancelSignal: ctx.signal,
    timeout: timeoutMs,
    stripFinalNewline: true,
  });
  for (const line of `${r.stdout}\n${r.stderr}`.split(/\r?\n/)) if (line.trim()) ctx.onOutput(line);
  const code = r.exitCode ?? -1;
  if (cmd.rebootExitCodes?.includes(code)) return { stdout: r.stdout, stderr: r.stderr, code, reboot: true };
  const ok = cmd.okExitCodes === 'any' || (cmd.okExitCodes ?? [0]).includes(code);
  if (!ok) {
    // The program's own first error line says more than its exit code (secrets never reach argv).
    const first = `${r.stderr}`.split(/\r?\n/).find((l) => l.trim());
    throw new HostActionError(
      'COMMAND_FAILED',
      `${path.win32.basename(cmd.file)} exited with code ${code}${first ? `: ${first.trim().slice(0, 300)}` : ''}.`,
      {
        exitCode: code,
        hint: 'The log shows the program output.',
      },
    );
  }
  return { stdout: r.stdout, stderr: r.stderr, code, reboot: false };
}

const quiet = {
  secrets: { get: () => undefined, values: () => [] },
  signal: new AbortController().signal,
  onOutput: () => undefined,
};

async function ps<T>(
  script: Parameters<typeof powershell>[0],
  input: unknown,
  secrets?: SecretStore,
): Promise<T> {
  const cmd = powershell(script, input);
  const r = await run({ ...cmd, okExitCodes: 'any' }, { ...quiet, secrets: secrets ?? quiet.secrets });
  return parsePsJson(script, r.stdout, r.stderr, r.code) as T;
}

async function sqlQueryState(
  args: { connection: ActionOf<'sql'>['connection']; database: string; logins: string[] },
  secrets: SecretStore,
) {
  const params = {
    db: { type: 'nvarchar' as const, value: args.database },
    logins: { type: 'nvarchar' as const, value: args.logins.join('|') },
  };
  try {
    if (args.connection.auth === 'sql') {
      const sets = await runSqlBatch(targetFor(args.connection, secrets), PROBE_STATE, params, secrets);
      return sqlStateFromRows(sets, args.logins);
    }
    const r = await ps<{ ok: boolean; number?: number; rows?: Record<string, unknown>[] }>('sqlBatch', {
      dataSource: dataSource(args.connection),
      database: 'master',
      batch: PROBE_STATE,
      params: Object.entries(params).map(([name, p]) => ({ name, ...p })),
    });
    if (!r.ok) return { reachable: false as const, errorNumber: r.number, message: sqlErrorText(r.number) };
    // The SqlClient script flattens result sets; split them back by their columns.
    const rows = r.rows ?? [];
    return sqlStateFromRows(
      [
        rows.filter((x) => 'databaseExists' in x),
        rows.filter((x) => 'is_disabled' in x),
        rows.filter((x) => 'userName' in x),
      ],
      args.logins,
    );
  } catch (e) {
    if (e instanceof InstallerError && e.code === 'POWERSHELL_NO_ANSWER') throw e;
    const number = (e as HostActionError).details?.exitCode;
    return { reachable: false as const, errorNumber: number, message: sqlErrorText(number) };
  }
}

/** A DBA-prepared login, connected as itself (SQL authentication: QATrack+ connects that way too). */
async function sqlLoginState(
  args: { connection: ActionOf<'sql'>['connection']; database: string; roles: string[] },
  secrets: SecretStore,
) {
  try {
    const sets = await runSqlBatch(
      targetFor(args.connection, secrets),
      PROBE_LOGIN,
      {
        db: { type: 'nvarchar', value: args.database },
        roles: { type: 'nvarchar', value: args.roles.join(',') },
      },
      secrets,
    );
    return loginStateFromRows(sets, args.roles);
  } catch (e) {
    const number = (e as HostActionError).details?.exitCode;
    return { reachable: false as const, errorNumber: number, message: sqlErrorText(number) };
  }
}

/** The reports login's DENYs, through the same two paths as the provisioning probe. */
async function sqlReportsRights(
  args: { connection: ActionOf<'sql'>['connection']; database: string; login: string },
  secrets: SecretStore,
) {
  const params = {
    db: { type: 'nvarchar' as const, value: args.database },
    login: { type: 'nvarchar' as const, value: args.login },
  };
  try {
    if (args.connection.auth === 'sql')
      return reportsRightsFromRows(
        await runSqlBatch(targetFor(args.connection, secrets), PROBE_REPORTS_RIGHTS, params, secrets),
      );
    const r = await ps<{ ok: boolean; number?: number; rows?: Record<string, unknown>[] }>('sqlBatch', {
      dataSource: dataSource(args.connection),
      database: 'master',
      batch: PROBE_REPORTS_RIGHTS,
      params: Object.entries(params).map(([name, p]) => ({ name, ...p })),
    });
    if (!r.ok) return { reachable: false as const, errorNumber: r.number, message: sqlErrorText(r.number) };
    // The SqlClient script flattens result sets; split them back by their columns.
    const rows = r.rows ?? [];
    return reportsRightsFromRows([
      rows.filter((x) => 'databaseExists' in x),
      rows.filter((x) => 'tableName' in x),
      rows.filter((x) => 'deniedObject' in x),
    ]);
  } catch (e) {
    const number = (e as HostActionError).details?.exitCode;
    return { reachable: false as const, errorNumber: number, message: sqlErrorText(number) };
  }
}

/** A database's size (sys.master_files), through the same two paths as the provisioning probe. */
async function sqlDatabaseSize(
  args: { connection: ActionOf<'sql'>['connection']; database: string },
  secrets: SecretStore,
) {
  const params = { db: { type: 'nvarchar' as const, value: args.database } };
  if (args.connection.auth === 'sql')
    return databaseSizeFromRows(
      (await runSqlBatch(targetFor(args.connection, secrets), PROBE_DATABASE_SIZE, params, secrets))[0],
    );
  const r = await ps<{ ok: boolean; number?: number; rows?: Record<string, unknown>[] }>('sqlBatch', {
    dataSource: dataSource(args.connection),
    database: 'master',
    batch: PROBE_DATABASE_SIZE,
    params: Object.entries(params).map(([name, p]) => ({ name, ...p })),
  });
  if (!r.ok) {
    const advice = sqlErrorAdvice(r.number);
    throw new HostActionError(advice.code, sqlErrorText(r.number), { exitCode: r.number, hint: advice.fix });
  }
  return databaseSizeFromRows(r.rows);
}

const dataSource = (c: ActionOf<'sql'>['connection']) =>
  `${c.server}${c.instance && !c.port ? `\\${c.instance}` : ''}${c.port ? `,${c.port}` : ''}`;

async function windowsTopic(topic: Topic, rawArgs: unknown, secrets: SecretStore): Promise<unknown> {
  const a: unknown = topics[topic].args.parse(rawArgs ?? {});
  switch (topic) {
    case 'iis': {
      const r = await ps<{
        installed: boolean;
        applicationHostXml?: string;
        siteStates?: unknown;
        sslBindings?: unknown;
      }>('iisSnapshot', {});
      if (!r.installed)
        return {
          installed: false,
          proxy: null,
          appPools: [],
          sites: [],
          webFarms: [],
          allowedServerVariables: [],
          sslBindings: [],
        };
      return parseIisSnapshot(r.applicationHostXml ?? '<configuration/>', r);
    }
    case 'features':
      return ps('features', {});
    case 'certificate':
      return ps('findCertificate', a);
    case 'certificates':
      return ps('listCertificates', a);
    case 'winService':
      return ps('serviceInfo', a);
    case 'acl':
      return ps('aclInfo', a);
    case 'firewallRule':
      return ps('firewallRule', a);
    case 'scheduledTask':
      return ps('scheduledTask', a);
    case 'testMail':
      return ps('testMail', a);
    case 'pdfCheck':
      return ps('pdfCheck', a);
    case 'logonRight':
      return ps('logonRight', a);
    case 'accountName':
      return ps('accountName', a);
    case 'registryValues': {
      const { key, names } = topics.registryValues.args.parse(a);
      // Registry:: takes the root's full name; reg.exe's HKLM abbreviation is not a provider root.
      return ps('registryValues', { key: key.replace(/^HKLM\\/, 'HKEY_LOCAL_MACHINE\\'), names });
    }
    case 'sql':
      return sqlQueryState(topics.sql.args.parse(a), secrets);
    case 'sqlReportsRights':
      return sqlReportsRights(topics.sqlReportsRights.args.parse(a), secrets);
    case 'sqlLogin':
      return sqlLoginState(topics.sqlLogin.args.parse(a), secrets);
    case 'sqlDatabaseSize':
      return sqlDatabaseSize(topics.sqlDatabaseSize.args.parse(a), secrets);
    case 'folderSize':
      return ps('folderSize', a);
    case 'diskFree':
      return ps('diskFree', a);
    case 'sqlInstance': {
      const { instance, major } = topics.sqlInstance.args.parse(a);
      const base = `HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\MSSQL${major}.${instance}\\MSSQLServer`;
      const names = await ps<Record<string, unknown>>('registryValues', {
        key: `HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\Instance Names\\SQL`,
        names: [instance],
      });
      if (!names?.[instance]) return { installed: false };
      const tcp = await ps<Record<string, unknown>>('registryValues', {
        key: `${base}\\SuperSocketNetLib\\Tcp\\IPAll`,
        names: ['TcpPort', 'TcpDynamicPorts'],
      });
      const mode = await ps<Record<string, unknown>>('registryValues', { key: base, names: ['LoginMode'] });
      // The running instance's own view is not read here: a configuration changed without a restart
      // is not detected on a real server yet (restartPending stays false).
      return {
        installed: true,
        tcpPort: tcp?.TcpPort,
        dynamicPorts: tcp?.TcpDynamicPorts,
        loginMode: mode?.LoginMode,
      };
    }
  }
}

const insecureLoopback = new Agent({ connect: { rejectUnauthorized: false } });

async function windowsQuery(q: Query, secrets: SecretStore): Promise<QueryResults[Query['kind']]> {
  switch (q.kind) {
    case 'os':
      return { platform: 'win32', ...(await ps<Omit<QueryResults['os'], 'platform'>>('osInfo', {})) };
    case 'database':
      // SQL Server is checked through the `sql` topics (mssql or the SqlClient script).
      return { supported: false };
    case 'file': {
      const s = await stat(q.path).catch(() => undefined);
      if (!s) return { exists: false };
      const buf = s.isFile() && (q.content || q.sha256) ? await readFile(q.path) : undefined;
      return {
        exists: true,
        type: s.isDirectory() ? 'dir' : 'file',
        size: s.size,
        ...(q.content && buf ? { content: buf.toString('utf8') } : {}),
        ...(q.sha256 && buf ? { sha256: createHash('sha256').update(buf).digest('hex') } : {}),
      };
    }
    case 'listDir': {
      const entries = await readdir(q.path, { withFileTypes: true }).catch(() => undefined);
      return entries
        ? {
            exists: true,
            entries: entries.map((e) => ({
              name: e.name,
              type: e.isDirectory() ? ('dir' as const) : ('file' as const),
            })),
          }
        : { exists: false };
    }
    case 'exec': {
      const r = await execa(q.file, q.args, {
        cwd: q.cwd,
        env: q.env,
        reject: false,
        windowsHide: true,
        timeout: q.timeoutMs ?? 60_000,
      });
      return {
        exitCode: r.exitCode ?? -1,
        stdout: r.stdout,
        stderr: r.stderr,
        notFound: (r as { code?: string }).code === 'ENOENT',
      };
    }
    case 'service': {
      const r = await ps<{ exists: boolean; state?: 'running' | 'stopped'; pid?: number }>('serviceInfo', {
        name: q.name,
      });
      return r.exists ? { exists: true, state: r.state ?? 'stopped', pid: r.pid } : { exists: false };
    }
    case 'port':
      return resolvePortOwner(await ps('portOwner', { port: q.port, address: q.address }), q.port);
    case 'http': {
      try {
        const r = await request(q.url, {
          headers: q.hostHeader ? { host: q.hostHeader } : {},
          dispatcher: insecureLoopback,
          headersTimeout: q.timeoutMs ?? 10_000,
          bodyTimeout: q.timeoutMs ?? 10_000,
        });
        const headers = Object.fromEntries(
          Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
        );
        return { ok: true, status: r.statusCode, headers, body: await r.body.text() };
      } catch (e) {
        return { ok: false, error: (e as Error).message };
      }
    }
    case 'product': {
      const sqlInstance = /^sqlserver:(.+)$/.exec(q.id)?.[1];
      if (sqlInstance) {
        const names = await ps<Record<string, unknown>>('registryValues', {
          key: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\Instance Names\\SQL',
          names: [sqlInstance],
        });
        const id = names?.[sqlInstance];
        return typeof id === 'string' ? { installed: true, version: id } : { installed: false };
      }
      const pattern = productPattern(q.id);
      return pattern ? ps('product', pattern) : { installed: false };
    }
    case 'fact':
      return { known: false };
    case 'windows': {
      if (!(q.topic in topics)) return { supported: false };
      return { supported: true, value: await windowsTopic(q.topic as Topic, q.args, secrets) };
    }
  }
}

async function applyAction(action: Action, ctx: ApplyContext): Promise<ApplyResult> {
  switch (action.kind) {
    case 'mkdir':
      await mkdir(action.path, { recursive: true });
      return {};
    case 'writeFile':
      await mkdir(path.win32.dirname(action.path), { recursive: true });
      await writeFileAtomic(action.path, renderTemplatedText(action.content, ctx.secrets));
      return {};
    case 'remove':
      await rm(action.path, { recursive: action.recursive, force: true });
      return {};
    case 'copy':
      if (action.sha256) await copyVerified(action.from, action.to, action.sha256, path.win32);
      else await cp(action.from, action.to, { recursive: true });
      return {};
    case 'extract':
      // Windows 10 / Server 2019+ ship bsdtar, which reads .zip and .tar.gz alike.
      await mkdir(action.dest, { recursive: true });
      await run(
        {
          file: 'C:\\Windows\\System32\\tar.exe',
          args: ['-xf', action.archive, '-C', action.dest, `--strip-components=${action.stripComponents}`],
        },
        ctx,
      );
      return {};
    case 'exec': {
      if (action.args.some((x) => typeof x !== 'string'))
        throw new HostActionError('SECRET_ON_COMMAND_LINE', 'Refusing to put a secret on a command line.', {
          hint: 'This is an installer bug; the step must pass the secret on stdin.',
        });
      const env = action.env
        ? Object.fromEntries(Object.entries(action.env).map(([k, v]) => [k, resolveValue(v, ctx.secrets)]))
        : undefined;
      const r = await execa(action.file, action.args as string[], {
        cwd: action.cwd,
        ...(action.envStrip?.length
          ? { env: { ...strippedEnv(action.envStrip), ...env }, extendEnv: false }
          : { env }),
        input: action.stdin ? renderTemplatedText(action.stdin, ctx.secrets) : undefined,
        reject: false,
        windowsHide: true,
        cancelSignal: ctx.signal,
        timeout: action.timeoutMs ?? ctx.timeoutMs,
      });
      for (const line of `${r.stdout}\n${r.stderr}`.split(/\r?\n/)) if (line.trim()) ctx.onOutput(line);
      const code = r.exitCode ?? -1;
      if (action.rebootExitCodes?.includes(code)) return { rebootRequired: true };
      if (!(action.okExitCodes ?? [0]).includes(code))
        throw new HostActionError('EXEC_FAILED', `"${action.describe}" exited with code ${code}.`, {
          exitCode: code,
        });
      return {};
    }
    case 'service':
      // On Windows, services are WinSW wrappers registered by `winService` actions; a bare
      // `ensure` has no wrapper to register, so it is refused rather than guessed.
      if (action.op === 'ensure')
        throw new HostActionError(
          'SERVICE_ENSURE_UNSUPPORTED',
          `"${action.describe}": use a winService action on Windows.`,
          {
            hint: 'This is an installer bug; please report it with the log.',
          },
        );
      return applyAction(
        {
          kind: 'winService',
          describe: action.describe,
          op: action.op === 'remove' ? 'stop' : action.op,
          name: action.name,
        },
        ctx,
      );
    case 'waitHttp': {
      const deadline = Date.now() + action.timeoutMs;
      for (;;) {
        const r = (await windowsQuery(
          { kind: 'http', url: action.url, hostHeader: action.hostHeader, timeoutMs: 5000 },
          ctx.secrets,
        )) as QueryResults['http'];
        if (r.ok && action.expectStatus.includes(r.status)) return {};
        if (Date.now() > deadline)
          throw new HostActionError('HTTP_TIMEOUT', `${action.url} did not answer in time.`);
        await new Promise((res) => setTimeout(res, 1000));
      }
    }
    case 'sql': {
      if (action.connection.auth === 'sql') {
        await runSqlBatch(
          { ...targetFor(action.connection, ctx.secrets), requestTimeoutMs: action.timeoutMs },
          action.batch,
          action.params,
          ctx.secrets,
        );
        return {};
      }
      const r = await ps<{ ok: boolean; number?: number }>(
        'sqlBatch',
        {
          dataSource: dataSource(action.connection),
          database: action.connection.database ?? 'master',
          batch: action.batch,
          params: Object.entries(action.params).map(([name, p]) => ({ name, type: p.type, value: p.value })),
          timeoutSeconds: action.timeoutMs ? Math.ceil(action.timeoutMs / 1000) : 600,
        },
        ctx.secrets,
      );
      if (!r.ok) {
        const advice = sqlErrorAdvice(r.number);
        throw new HostActionError(advice.code, sqlErrorText(r.number), {
          exitCode: r.number,
          hint: advice.fix,
        });
      }
      return {};
    }
    default: {
      const extra: Parameters<typeof commandsFor>[1] = {};
      if (action.kind === 'acl')
        extra.isFile = (await stat(action.path).catch(() => undefined))?.isFile() ?? false;
      if (action.kind === 'scheduledTask' && action.xml) {
        const file = path.join(os.tmpdir(), `qatrack-task-${process.pid}-${Date.now()}.xml`);
        // schtasks wants UTF-16 LE with a BOM when the XML declares UTF-16.
        await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(action.xml, 'utf16le')]));
        extra.taskXmlFile = file;
      }
      if (action.kind === 'iis' && action.op === 'sslBinding')
        extra.thumbprint =
          'thumbprint' in action.certificate
            ? action.certificate.thumbprint
            : (await ps<{ thumbprint?: string }>('findCertificate', action.certificate)).thumbprint;
      const commands = commandsFor(action, extra) ?? [];
      let reboot = false;
      for (const c of commands) reboot = (await run(c, ctx, ctx.timeoutMs)).reboot || reboot;
      if (extra.taskXmlFile) await rm(extra.taskXmlFile, { force: true });
      return reboot ? { rebootRequired: true } : {};
    }
  }
}
