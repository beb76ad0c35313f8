import { XMLParser } from 'fast-xml-parser';
import type { IisSnapshot, TopicResult } from '../../steps/windows/topics.js';

/**
 * Pure readers of what Windows tools print, so the windows host's answers can be tested on Linux:
 * applicationHost.config (IIS), `netsh http show sslcert`, and the provisioning probe's result sets.
 */

const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const attrs = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false });

type Node = Record<string, unknown>;
/** An attribute value as text (the parser gives strings; anything else is treated as absent). */
const str = (v: unknown, fallback = ''): string =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : fallback;
const child = (n: unknown, key: string): Node | undefined =>
  (n as Node | undefined)?.[key] as Node | undefined;

export function parseIisSnapshot(applicationHostXml: string, sslText: string): IisSnapshot {
  const doc = attrs.parse(applicationHostXml) as Node;
  const conf = child(doc, 'configuration');
  const appHost = child(conf, 'system.applicationHost');
  const ws = child(conf, 'system.webServer');
  const pools = list(child(child(appHost, 'applicationPools'), 'add') as Node | Node[] | undefined).map((p) =>
    String(p.name),
  );
  const sites = list(child(child(appHost, 'sites'), 'site') as Node | Node[] | undefined).map((s) => {
    const apps = list(s.application as Node | Node[] | undefined);
    const root = apps.find((a) => a.path === '/') ?? apps[0] ?? {};
    const vdirs = list(root.virtualDirectory as Node | Node[] | undefined);
    const rootDir = vdirs.find((v) => v.path === '/');
    const bindings = list(child(child(s, 'bindings'), 'binding') as Node | Node[] | undefined).map((b) => {
      const [, port, host] = String(b.bindingInformation).split(':');
      return { protocol: String(b.protocol) as 'http' | 'https', port: Number(port), host: host ?? '' };
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
      state: s.serverAutoStart === 'false' ? ('stopped' as const) : ('started' as const),
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
    sslBindings: parseSslCerts(sslText),
  };
}

/** `netsh http show sslcert` blocks: "IP:port : 0.0.0.0:443" then "Certificate Hash : ab12...". */
export function parseSslCerts(text: string): { port: number; thumbprint: string }[] {
  const out: { port: number; thumbprint: string }[] = [];
  let port: number | undefined;
  for (const line of text.split(/\r?\n/)) {
    const ip = /^\s*IP:port\s*:\s*\S+:(\d+)\s*$/i.exec(line);
    if (ip) port = Number(ip[1]);
    const hash = /^\s*Certificate Hash\s*:\s*([0-9a-f]{40})\s*$/i.exec(line);
    if (hash && port !== undefined) {
      out.push({ port, thumbprint: hash[1]!.toUpperCase() });
      port = undefined;
    }
  }
  return out;
}

type Row = Record<string, unknown>;

/** The provisioning probe's three result sets -> the `sql` topic answer. */
export function sqlStateFromRows(sets: Row[][], logins: string[]): TopicResult<'sql'> {
  const head = sets[0]?.[0] ?? {};
  const principals = sets[1] ?? [];
  const members = sets[2] ?? [];
  const same = (a: unknown, b: string) => String(a).toLowerCase() === b.toLowerCase();
  return {
    reachable: true,
    databaseExists: Boolean(head.databaseExists),
    saEnabled: Boolean(head.saEnabled),
    adminRoles: {
      sysadmin: Boolean(head.isSysadmin),
      dbcreator: Boolean(head.isDbcreator),
      securityadmin: Boolean(head.isSecurityadmin),
    },
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
    missingRoles: Boolean(head.hasAccess) ? roles.filter((r) => !held.includes(r.toLowerCase())) : roles,
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

/** Display-name patterns (PowerShell -like) of the products the steps ask about. */
export function productPattern(id: string): string | undefined {
  const map: Record<string, string> = {
    'python-3.9-x64': 'Python 3.9.* (64-bit)',
    'python-3.9-x86': 'Python 3.9.* (32-bit)',
    'vcredist-x64': 'Microsoft Visual C++ 20*Redistributable (x64)*',
    'vcredist-x86': 'Microsoft Visual C++ 20*Redistributable (x86)*',
    msodbcsql17: 'Microsoft ODBC Driver 17 for SQL Server',
    'iis-urlrewrite': 'IIS URL Rewrite Module 2',
    'iis-arr': 'Microsoft Application Request Routing 3*',
    chrome: 'Google Chrome',
  };
  return map[id];
}
