import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { InstallerError } from '../../engine/errors.js';
import type { PortResult } from '../../engine/queries.js';
import type { IisSnapshot, TopicResult } from '../../windows/topics.js';

/**
 * Pure readers of what the windows host's fixed scripts answer, so they can be tested on Linux
 * against captured real outputs (test/fixtures/windows, each with its source): applicationHost.config
 * (IIS), the JSON objects the PowerShell scripts build, and the provisioning probe's result sets.
 */

/**
 * A PowerShell script's answer as JSON. Empty or non-JSON output is what a blocked PowerShell gives
 * (execution policy set by Group Policy, AppLocker/WDAC script rules, constrained language mode,
 * where Add-Type and most .NET calls are refused): a clear error naming PowerShell and what to check,
 * not a crash further on. Sources: https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_language_modes
 * and https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_execution_policies
 */
export function parsePsJson(script: string, stdout: string, stderr = '', exitCode = 0): unknown {
  const text = stdout.replace(/^\uFEFF/, '').trim();
  const why = stderr.trim().split(/\r?\n/)[0]?.slice(0, 300);
  const fail = (what: string) =>
    new InstallerError(
      'POWERSHELL_NO_ANSWER',
      `Windows PowerShell ${what} to the installer's "${script}" query (exit code ${exitCode})${why ? `: ${why}` : ''}.`,
      'Check that powershell.exe may run scripts for the installing administrator: the execution policy set by Group Policy (Get-ExecutionPolicy -List), AppLocker or WDAC script rules, and that $ExecutionContext.SessionState.LanguageMode is FullLanguage. The installer passes -ExecutionPolicy Bypass, which a Group Policy MachinePolicy overrides.',
    );
  if (!text) throw fail('gave no answer');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw fail('gave an answer that is not JSON');
  }
  if (value === null || typeof value !== 'object') throw fail('gave an answer that is not a JSON object');
  return value;
}

const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const attrs = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false });

type Node = Record<string, unknown>;
/** An attribute value as text (the parser gives strings; anything else is treated as absent). */
const str = (v: unknown, fallback = ''): string =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
const child = (n: unknown, key: string): Node | undefined =>
  (n as Node | undefined)?.[key] as Node | undefined;

/** IIS:\\SslBindings items as the iisSnapshot script builds them (IPAddress, Port, Host, Thumbprint). */
export const sslBindingObjects = z.array(
  z.object({
    ipAddress: z.string().default(''),
    port: z.number().int(),
    host: z.string().default(''),
    thumbprint: z.string(),
  }),
);
/** Get-Website's Name and State (the run state: Started, Stopped, Starting, Stopping, Unknown). */
export const siteStateObjects = z.array(z.object({ name: z.string(), state: z.string() }));

export interface IisRuntime {
  siteStates?: unknown;
  sslBindings?: unknown;
}

export function parseIisSnapshot(applicationHostXml: string, runtime: IisRuntime = {}): IisSnapshot {
  const states = siteStateObjects.parse(runtime.siteStates ?? []);
  // 0.0.0.0 (all addresses, what the installer binds) and IPv4/IPv6 wildcards only; SNI host bindings
  // belong to other sites.
  const ssl = sslBindingObjects
    .parse(runtime.sslBindings ?? [])
    .filter((b) => !b.host && ['0.0.0.0', '', '::', '*'].includes(b.ipAddress))
    .map((b) => ({ port: b.port, thumbprint: b.thumbprint.toUpperCase() }));
  const doc = attrs.parse(applicationHostXml) as Node;
  const conf = child(doc, 'configuration');
  const appHost = child(conf, 'system.applicationHost');
  const ws = child(conf, 'system.webServer');
  const pools = list(child(child(appHost, 'applicationPools'), 'add') as Node | Node[] | undefined).map((p) =>
    String(p.name),
  );
  // <location path="Site[/path]"><system.webServer><security><authentication>: where appcmd
  // /commit:apphost writes a site's authentication (the sections are locked below apphost).
  const locations = list(conf?.location as Node | Node[] | undefined);
  const authenticationOf = (site: string) =>
    locations
      .map((l) => ({ l, at: str(l.path) }))
      .filter(({ at }) => at === site || at.startsWith(`${site}/`))
      .flatMap(({ l, at }) => {
        const auth = child(child(child(l, 'system.webServer'), 'security'), 'authentication');
        const win = child(auth, 'windowsAuthentication');
        const anon = child(auth, 'anonymousAuthentication');
        if (!win && !anon) return [];
        return [
          {
            path: at.slice(site.length),
            windows: /^true$/i.test(str(win?.enabled)),
            // Server default: anonymous on (applicationHost.config as IIS installs it).
            anonymous: anon ? !/^false$/i.test(str(anon.enabled)) : true,
          },
        ];
      })
      .sort((x, y) => (x.path < y.path ? -1 : 1));
  const sites = list(child(child(appHost, 'sites'), 'site') as Node | Node[] | undefined).map((s) => {
    const apps = list(s.application as Node | Node[] | undefined);
    const root = apps.find((a) => a.path === '/') ?? apps[0] ?? {};
    const vdirs = list(root.virtualDirectory as Node | Node[] | undefined);
    const rootDir = vdirs.find((v) => v.path === '/');
    // Only http and https bindings matter here; an FTP site ("*:21:") or net.tcp ("808:*") binding
    // on the same server is real (test/fixtures/windows) and must not make the snapshot invalid.
    const bindings = list(child(child(s, 'bindings'), 'binding') as Node | Node[] | undefined)
      .filter((b) => b.protocol === 'http' || b.protocol === 'https')
      .map((b) => {
        const [, port, host] = String(b.bindingInformation).split(':');
        return { protocol: b.protocol as 'http' | 'https', port: Number(port), host: host ?? '' };
      });
    return {
      name: String(s.name),
      appPool: str(root.applicationPool),
      physicalPath: str(rootDir?.physicalPath),
      bindings,
      virtualDirs: vdirs
        .filter((v) => v.path !== '/')
        .map((v) => ({ path: String(v.path), physicalPath: String(v.physicalPath) })),
      logDir: child(s, 'logFile')?.directory as string | undefined,
      // The run state comes from Get-Website; serverAutoStart is only what IIS does at boot. A site
      // missing from Get-Website's answer (it failed to load) counts as stopped.
      state: /^started$/i.test(states.find((x) => x.name === String(s.name))?.state ?? '')
        ? ('started' as const)
        : ('stopped' as const),
      autoStart: s.serverAutoStart !== 'false',
      authentication: authenticationOf(String(s.name)),
    };
  });
  const farms = list(child(conf, 'webFarms')?.webFarm as Node | Node[] | undefined).map((f) => ({
    name: String(f.name),
    servers: list(f.server as Node | Node[] | undefined).map((s) => ({
      address: String(s.address),
      httpPort: Number(child(s, 'applicationRequestRouting')?.httpPort ?? 80),
    })),
    healthCheckUrl: child(child(f, 'applicationRequestRouting'), 'healthCheck')?.url as string | undefined,
  }));
  const proxy = child(ws, 'proxy');
  const allowed = list(
    child(child(child(ws, 'rewrite'), 'allowedServerVariables'), 'add') as Node | Node[] | undefined,
  );
  return {
    installed: true,
    proxy: proxy
      ? {
          enabled: proxy.enabled === 'true',
          preserveHostHeader: proxy.preserveHostHeader !== 'false',
          timeout: str(proxy.timeout, '00:00:30'),
        }
      : null,
    appPools: pools,
    sites,
    webFarms: farms,
    allowedServerVariables: allowed.map((a) => String(a.name)),
    sslBindings: ssl,
  };
}

/** What the portOwner script answers: the listener, its ancestor chain, service processes, sites. */
export const portOwnerRaw = z.discriminatedUnion('inUse', [
  z.object({ inUse: z.literal(false) }),
  z.object({
    inUse: z.literal(true),
    listener: z.number().int(),
    chain: z.array(
      z.object({
        pid: z.number().int(),
        parentPid: z.number().int(),
        name: z.string(),
        created: z.number().default(0),
      }),
    ),
    services: z.array(z.object({ name: z.string(), pid: z.number().int() })),
    sites: z
      .array(z.object({ name: z.string(), state: z.string(), bindings: z.array(z.string()) }))
      .default([]),
  }),
]);
export type PortOwnerRaw = z.input<typeof portOwnerRaw>;

/**
 * Who holds a port: walk from the listening process up its ParentProcessId chain to the first
 * process that is a service's ProcessId. A worker's listener is python.exe two levels below WinSW:
 * the venv's python.exe is a launcher that starts the base interpreter as a child (CPython
 * bpo-35797, https://github.com/python/cpython/issues/79978; https://docs.python.org/3/library/venv.html
 * "How venvs work"), and WinSW starts its executable as a child process. A parent created after its
 * child is a reused PID, not the parent (Win32_Process ParentProcessId docs: "the parent may have
 * terminated, and its identifier reused"), so the walk stops there. PID 4 (System) is http.sys:
 * the holder is the started IIS site with a binding on the port.
 */
export function resolvePortOwner(raw: unknown, port: number): PortResult {
  const r = portOwnerRaw.parse(raw);
  if (!r.inUse) return { inUse: false };
  const listener = r.chain.find((p) => p.pid === r.listener);
  const owner: NonNullable<Extract<PortResult, { inUse: true }>['owner']> = {
    pid: r.listener,
    process: listener?.name.replace(/\.exe$/i, '') ?? (r.listener === 4 ? 'System' : undefined),
  };
  if (r.listener === 4) {
    const site = r.sites.find(
      (s) => /^started$/i.test(s.state) && s.bindings.some((b) => b.split(':')[1] === String(port)),
    );
    if (site) owner.iisSite = site.name;
    return { inUse: true, owner };
  }
  let child: (typeof r.chain)[number] | undefined;
  for (const p of r.chain) {
    if (child && p.created && child.created && p.created > child.created) break;
    const svc = r.services.find((s) => s.pid === p.pid && s.pid !== 0);
    if (svc) {
      owner.service = svc.name;
      break;
    }
    child = p;
  }
  return { inUse: true, owner };
}

type Row = Record<string, unknown>;

/** The provisioning probe's three result sets -> the `sql` topic answer. */
export function sqlStateFromRows(sets: Row[][], logins: string[]): TopicResult<'sql'> {
  const head = sets[0]?.[0] ?? {};
  const principals = sets[1] ?? [];
  const members = sets[2] ?? [];
  const same = (a: unknown, b: string) => String(a).toLowerCase() === b.toLowerCase();
  const major = Number(
    /^(\d+)\./.exec(typeof head.productVersion === 'string' ? head.productVersion : '')?.[1],
  );
  const masterLevel = Number(head.masterLevel);
  return {
    reachable: true,
    databaseExists: Boolean(head.databaseExists),
    saEnabled: Boolean(head.saEnabled),
    adminRoles: {
      sysadmin: Boolean(head.isSysadmin),
      dbcreator: Boolean(head.isDbcreator),
      securityadmin: Boolean(head.isSecurityadmin),
    },
    ...(Number.isFinite(major) && Number.isFinite(masterLevel) ? { server: { major, masterLevel } } : {}),
    logins: logins.map((name) => {
      const p = principals.find((r) => same(r.name, name));
      const rows = members.filter((r) => same(r.userName, name));
      return {
        name,
        exists: !!p,
        disabled: Boolean(p?.is_disabled),
        userExists: rows.length > 0,
        roles: rows.map((r) => r.roleName).filter((r): r is string => typeof r === 'string'),
      };
    }),
  };
}

/** PROBE_LOGIN's result sets -> the `sqlLogin` topic answer. */
export function loginStateFromRows(sets: Row[][], roles: string[]): TopicResult<'sqlLogin'> {
  const head = sets[0]?.[0] ?? {};
  const held = (sets[1] ?? [])
    .filter((r) => Boolean(r.isMember))
    .map((r) => String(r.roleName).toLowerCase());
  return {
    reachable: true,
    databaseExists: Boolean(head.databaseExists),
    hasAccess: Boolean(head.hasAccess),
    missingRoles: head.hasAccess ? roles.filter((r) => !held.includes(r.toLowerCase())) : roles,
  };
}

/** PROBE_REPORTS_RIGHTS's result sets -> the `sqlReportsRights` topic answer. */
export function reportsRightsFromRows(sets: Row[][]): TopicResult<'sqlReportsRights'> {
  const databaseExists = Boolean(sets[0]?.[0]?.databaseExists);
  const tables = (sets[1] ?? []).map((r) => String(r.tableName));
  const denied = (sets[2] ?? []).map((r) =>
    typeof r.deniedColumn === 'string' && r.deniedColumn
      ? `${String(r.deniedObject)}.${r.deniedColumn}`
      : String(r.deniedObject),
  );
  return { reachable: true, databaseExists, tables, denied };
}

/**
 * Display-name (and version) patterns, PowerShell -like, of the products the steps ask about. The
 * VC++ runtime QATrack+'s wheels need is the 14.x one ("Microsoft Visual C++ 2015-2022
 * Redistributable (x64) - 14.38.33135"); "Microsoft Visual C++ 2013 Redistributable (x64) -
 * 12.0.40664" (and 2010/2012) must not count, so the version has to start with 14.
 * Source: https://learn.microsoft.com/cpp/windows/latest-supported-vc-redist (14.x is binary
 * compatible across 2015-2022; 2013 is 12.0).
 */
export function productPattern(id: string): { pattern: string; versionLike?: string } | undefined {
  // Python's Burn bundle registers "Python 3.12.10 (64-bit)" / "(32-bit)" (winget-pkgs
  // Python.Python.3.12 AppsAndFeaturesEntries DisplayName; 3.9 likewise).
  const python = /^python-(\d+\.\d+)-(x64|x86)$/.exec(id);
  if (python) return { pattern: `Python ${python[1]}.* (${python[2] === 'x64' ? '64' : '32'}-bit)` };
  const map: Record<string, { pattern: string; versionLike?: string }> = {
    'vcredist-x64': { pattern: 'Microsoft Visual C++ 20* Redistributable (x64)*', versionLike: '14.*' },
    'vcredist-x86': { pattern: 'Microsoft Visual C++ 20* Redistributable (x86)*', versionLike: '14.*' },
    msodbcsql17: { pattern: 'Microsoft ODBC Driver 17 for SQL Server' },
    'iis-urlrewrite': { pattern: 'IIS URL Rewrite Module 2' },
    'iis-arr': { pattern: 'Microsoft Application Request Routing 3*' },
    chrome: { pattern: 'Google Chrome' },
  };
  return map[id];
}

/** PowerShell's -like on a product's DisplayName (wildcards * and ?; case-insensitive). */
export function psLike(value: string, pattern: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(value);
}
