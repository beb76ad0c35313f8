import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import type { HttpQuery, HttpResult, PortQuery, PortResult } from '../../../engine/queries.js';
import type { SimState } from '../state.js';
import { resolvePortOwner, type PortOwnerRaw } from '../../windows/parse.js';
import { IIS_DEFAULT_MIME, siteForRequest } from './iis.js';
import { simFile, simWindows } from './state.js';

/**
 * HTTP on the simulated machine: workers answer on their loopback address when their service runs,
 * and IIS answers on its bindings by evaluating the site's real web.config rewrite rules in order
 * (static rule -> file from a virtual directory; proxy rule -> a healthy web-farm server).
 */

const LOGIN_PAGE =
  '<html><body><form method="post"><input name="username"><input type="password" name="password"></form></body></html>';

const ok = (status: number, headers: Record<string, string>, body = ''): HttpResult => ({
  ok: true,
  status,
  headers,
  body,
});

function runningWorker(state: SimState, address: string, port: number) {
  const w = simWindows(state);
  return Object.entries(state.services).find(([name, s]) => {
    if (s.state !== 'running' || s.spec.port !== port) return false;
    const bound = w.serviceAddresses[name] ?? '127.0.0.1';
    return bound === address;
  });
}

function workerAnswer(path: string): HttpResult {
  if (path.startsWith('/static/') || path.startsWith('/media/'))
    return ok(404, { server: 'Cheroot/10.0', 'content-type': 'text/html' }, 'Not Found');
  if (path === '/accounts/login/')
    return ok(
      200,
      { server: 'Cheroot/10.0', 'content-type': 'text/html; charset=utf-8', vary: 'Cookie' },
      LOGIN_PAGE,
    );
  // Every other page sends an anonymous user to the login page with ?next= (QATrack+ 3.1.1.4
  // qatrack/middleware/login_required.py: HttpResponseRedirect("%s?next=%s" % (LOGIN_URL, quote(path)))).
  return ok(302, {
    server: 'Cheroot/10.0',
    location: `/accounts/login/?next=${encodeURIComponent(path).replace(/%2F/g, '/')}`,
  });
}

interface Condition {
  input: string;
  pattern: string;
  negate?: string;
}
interface Rule {
  name: string;
  match: { url: string };
  conditions?: { add?: Condition | Condition[] };
  serverVariables?: { set?: { name: string; value: string } | { name: string; value: string }[] };
  action: { type: string; url?: string; statusCode?: string; statusDescription?: string };
}

/**
 * The client address IIS sees as {REMOTE_ADDR}: a request to a loopback address comes from the
 * server itself; one to a host name or another address comes from a client on the network
 * (192.0.2.10, a documentation address). The upgrade's maintenance rule lets only the server's own
 * checks through to the workers.
 */
const remoteAddr = (hostname: string) =>
  /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i.test(hostname)
    ? hostname === '[::1]'
      ? '::1'
      : '127.0.0.1'
    : '192.0.2.10';

/**
 * One rule condition: {HTTPS} and {REMOTE_ADDR} are evaluated; `negate="true"` inverts the match
 * (URL Rewrite configuration reference, "Conditions": negate,
 * https://learn.microsoft.com/iis/extensions/url-rewrite-module/url-rewrite-module-configuration-reference).
 * Other inputs are not modelled and hold.
 */
function conditionHolds(c: Condition, https: string, remote: string): boolean {
  const value = c.input === '{HTTPS}' ? https : c.input === '{REMOTE_ADDR}' ? remote : undefined;
  if (value === undefined) return true;
  const hit = new RegExp(c.pattern, 'i').test(value);
  return c.negate === 'true' ? !hit : hit;
}

interface HttpErrorsDoc {
  configuration?: {
    'system.webServer'?: {
      httpErrors?: {
        existingResponse?: string;
        error?:
          | { statusCode: string; path: string; responseMode?: string }
          | { statusCode: string; path: string; responseMode?: string }[];
      };
    };
  };
}

/**
 * The body IIS sends with an error status a rule set (CustomResponse): with
 * `<httpErrors existingResponse="Replace">` and an `<error statusCode=... responseMode="ExecuteURL">`
 * for that status, the page at that URL from the site's folder; otherwise the rule's
 * statusDescription (HTTP Errors <httpErrors>,
 * https://learn.microsoft.com/iis/configuration/system.webserver/httperrors/).
 */
function customResponseBody(state: SimState, physicalPath: string, status: number, fallback: string): string {
  const file = simFile(state, `${physicalPath}\\web.config`);
  if (!file?.content) return fallback;
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
    file.content,
  ) as HttpErrorsDoc;
  const he = doc.configuration?.['system.webServer']?.httpErrors;
  if (he?.existingResponse !== 'Replace') return fallback;
  const e = list(he.error).find((x) => Number(x.statusCode) === status && x.responseMode === 'ExecuteURL');
  if (!e) return fallback;
  const page = simFile(state, `${physicalPath}\\${e.path.replace(/^\//, '').replace(/\//g, '\\')}`);
  return page?.content ?? fallback;
}

const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

function siteRules(state: SimState, physicalPath: string): Rule[] | 'invalid' {
  const file = simFile(state, `${physicalPath}\\web.config`);
  if (!file?.content) return [];
  try {
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(file.content) as {
      configuration?: { 'system.webServer'?: { rewrite?: { rules?: { rule?: Rule | Rule[] } } } };
    };
    return list(doc.configuration?.['system.webServer']?.rewrite?.rules?.rule);
  } catch {
    return 'invalid';
  }
}

export function simHttp(state: SimState, q: HttpQuery): HttpResult {
  const url = new URL(q.url);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  // IIS maps the decoded URL path to the file system (a file "scan [1].dcm" is /scan%20%5B1%5D.dcm).
  const path = decodeURIComponent(url.pathname);
  const worker = runningWorker(state, url.hostname, port);
  if (worker)
    return url.protocol === 'http:' ? workerAnswer(path) : { ok: false, error: 'TLS handshake failed' };
  const w = simWindows(state);
  const site = siteForRequest(w, port, q.hostHeader ?? url.hostname);
  if (!site) {
    const anyStarted = w.iis.sites.some(
      (s) => s.state === 'started' && s.bindings.some((b) => b.port === port),
    );
    // http.sys answers 400 "Bad Request - Invalid Hostname" when no binding takes the Host header.
    if (anyStarted) return ok(400, { server: 'Microsoft-HTTPAPI/2.0' }, 'Bad Request - Invalid Hostname');
    return { ok: false, error: `connect ECONNREFUSED ${url.hostname}:${port}` };
  }
  const binding = site.bindings.find((b) => b.port === port)!;
  if (binding.protocol !== url.protocol.replace(':', '')) return { ok: false, error: 'protocol mismatch' };
  if (binding.protocol === 'https' && !w.iis.sslBindings.some((b) => b.port === port))
    return { ok: false, error: 'TLS handshake failed (no certificate bound to the port)' };
  const iisHeaders = { server: 'Microsoft-IIS/10.0' };
  const rules = siteRules(state, site.physicalPath);
  const rewriteInstalled = !!state.products['iis-urlrewrite'];
  if (rules === 'invalid' || (rules.length && !rewriteInstalled))
    return ok(500, iisHeaders, 'HTTP Error 500.19 - Internal Server Error (invalid configuration data)');
  const rel = path.replace(/^\//, '');
  for (const rule of rules) {
    const m = new RegExp(rule.match.url, 'i').exec(rel);
    if (!m) continue;
    const https = url.protocol === 'https:' ? 'ON' : 'OFF';
    const remote = remoteAddr(url.hostname);
    const condOk = list(rule.conditions?.add).every((c) => conditionHolds(c, https, remote));
    if (!condOk) continue;
    const type = rule.action.type;
    if (type === 'None') break;
    if (type === 'CustomResponse') {
      const status = Number(rule.action.statusCode ?? 200);
      return ok(
        status,
        { ...iisHeaders, 'content-type': 'text/html' },
        customResponseBody(state, site.physicalPath, status, rule.action.statusDescription ?? ''),
      );
    }
    if (type === 'Redirect')
      return ok(301, {
        ...iisHeaders,
        location: (rule.action.url ?? '')
          .replace('{R:1}', m[1] ?? '')
          .replace('{SERVER_NAME}', q.hostHeader ?? url.hostname),
      });
    if (type === 'Rewrite') {
      for (const v of list(rule.serverVariables?.set))
        if (!w.iis.allowedServerVariables.includes(v.name))
          return ok(
            500,
            iisHeaders,
            `HTTP Error 500.50 - URL Rewrite Module Error: server variable "${v.name}" is not allowed to be set`,
          );
      const target = new URL((rule.action.url ?? '').replace('{R:1}', m[1] ?? ''));
      if (!state.products['iis-arr'] || !w.iis.proxy?.enabled)
        return ok(404, iisHeaders, 'HTTP Error 404.4 - Not Found');
      const farm = w.iis.webFarms.find((f) => f.name.toLowerCase() === target.hostname.toLowerCase());
      if (!farm) return ok(502, iisHeaders, 'HTTP Error 502.3 - Bad Gateway (no such server)');
      const healthy = farm.servers.find((s) => runningWorker(state, s.address, s.httpPort));
      if (!healthy) return ok(502, iisHeaders, 'HTTP Error 502.3 - Bad Gateway (0x80072efd)');
      const r = workerAnswer(target.pathname);
      return r.ok ? { ...r, headers: { ...r.headers, ...iisHeaders, 'x-powered-by': 'ARR/3.0' } } : r;
    }
  }
  // No rule rewrote the request: IIS's static file handler serves it from the site or a virtual dir.
  const vdir = site.virtualDirs.find((v) => path.toLowerCase().startsWith(v.path.toLowerCase() + '/'));
  const file = vdir
    ? simFile(state, `${vdir.physicalPath}\\${path.slice(vdir.path.length + 1).replace(/\//g, '\\')}`)
    : simFile(state, `${site.physicalPath}\\${rel.replace(/\//g, '\\')}`);
  if (!file || file.type !== 'file' || /web\.config$/i.test(path)) {
    return ok(
      rel === '' ? 403 : 404,
      iisHeaders,
      rel === '' ? 'HTTP Error 403.14 - Forbidden' : 'HTTP Error 404.0 - Not Found',
    );
  }
  const ext = /(\.[^./\\]+)$/.exec(path)?.[1]?.toLowerCase() ?? '.';
  const type = mimeTypeFor(state, site.physicalPath, vdir?.path, ext);
  // The static handler refuses an extension its MIME map does not know (sources in iis.ts).
  if (!type)
    return ok(404, iisHeaders, 'HTTP Error 404.3 - Not Found (MIME map: the extension is not served)');
  const etag = `"${createHash('sha1')
    .update(file.content ?? file.sha256 ?? path)
    .digest('hex')
    .slice(0, 16)}"`;
  return ok(200, { ...iisHeaders, 'content-type': type, 'accept-ranges': 'bytes', etag }, file.content ?? '');
}

interface MimeRule {
  fileExtension: string;
  mimeType: string;
}
interface WebConfigDoc {
  configuration?: {
    'system.webServer'?: { staticContent?: { mimeMap?: MimeRule | MimeRule[] } };
    location?: Loc | Loc[];
  };
}
interface Loc {
  path: string;
  'system.webServer'?: { staticContent?: { mimeMap?: MimeRule | MimeRule[] } };
}

/**
 * The MIME type IIS's static handler would send: the server's default map, then the site's
 * web.config <staticContent>, then a <location path="media"> block for the /media virtual directory.
 * `.*` maps every extension (the wildcard MIME mapping: Microsoft KB 326965 "IIS 6.0 does not serve
 * unknown MIME types", http://support.microsoft.com/kb/326965, and Professional Microsoft IIS 8, ch. 6
 * "a wildcard (*, application/octet-stream) MIME type can be added that will allow any file to be
 * served"). UNCONFIRMED on a real IIS 10 here: the `.*` spelling in web.config.
 */
function mimeTypeFor(state: SimState, physicalPath: string, vdir: string | undefined, ext: string) {
  const file = simFile(state, `${physicalPath}\\web.config`);
  let doc: WebConfigDoc;
  try {
    doc = file?.content
      ? (new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
          file.content,
        ) as WebConfigDoc)
      : {};
  } catch {
    doc = {};
  }
  const maps: MimeRule[] = list(doc.configuration?.['system.webServer']?.staticContent?.mimeMap);
  if (vdir)
    for (const l of list(doc.configuration?.location))
      if (`/${l.path}`.toLowerCase() === vdir.toLowerCase())
        maps.push(...list(l['system.webServer']?.staticContent?.mimeMap));
  const exact = maps.find((m) => m.fileExtension.toLowerCase() === ext);
  if (exact) return exact.mimeType;
  if (IIS_DEFAULT_MIME[ext]) return IIS_DEFAULT_MIME[ext];
  return maps.find((m) => m.fileExtension === '.*')?.mimeType;
}

/** Process ids the sim gives a running service: WinSW, its venv launcher child, the base python grandchild. */
const pidsOf = (name: string) => {
  const base = 2000 + (createHash('sha1').update(name).digest()[0]! << 4);
  return { winsw: base, launcher: base + 1, python: base + 2 };
};

/**
 * What the real portOwner script would answer on this machine, resolved by the same code as on
 * Windows (resolvePortOwner). A worker's listener is base python.exe, a grandchild of the service
 * process: WinSW starts venv\Scripts\python.exe, which is a launcher that starts the base
 * interpreter (CPython bpo-35797, https://github.com/python/cpython/issues/79978). http.sys (PID 4)
 * holds the ports of started IIS sites.
 */
export function simPortRaw(state: SimState, q: PortQuery): PortOwnerRaw {
  const services = Object.entries(state.services)
    .filter(([, s]) => s.state === 'running')
    .map(([name]) => ({ name, pid: pidsOf(name).winsw }));
  const seeded = state.ports[String(q.port)];
  if (seeded?.iisSite)
    return {
      inUse: true,
      listener: 4,
      chain: [{ pid: 4, parentPid: 0, name: 'System', created: 1 }],
      services,
      sites: [{ name: seeded.iisSite, state: 'Started', bindings: [`*:${q.port}:`] }],
    };
  if (seeded) {
    const pid = seeded.pid ?? 4242;
    return {
      inUse: true,
      listener: pid,
      chain: [{ pid, parentPid: 1, name: `${seeded.process ?? 'unknown'}.exe`, created: 2 }],
      services: seeded.service ? [...services, { name: seeded.service, pid }] : services,
      sites: [],
    };
  }
  const w = simWindows(state);
  const sites = w.iis.sites.map((s) => ({
    name: s.name,
    state: s.state === 'started' ? 'Started' : 'Stopped',
    bindings: s.bindings.map((b) => `*:${b.port}:${b.host}`),
  }));
  if (w.iis.sites.some((s) => s.state === 'started' && s.bindings.some((b) => b.port === q.port)))
    return {
      inUse: true,
      listener: 4,
      chain: [{ pid: 4, parentPid: 0, name: 'System', created: 1 }],
      services,
      sites,
    };
  for (const [name, s] of Object.entries(state.services)) {
    if (s.state !== 'running' || s.spec.port !== q.port) continue;
    const p = pidsOf(name);
    return {
      inUse: true,
      listener: p.python,
      chain: [
        { pid: p.python, parentPid: p.launcher, name: 'python.exe', created: 30 },
        { pid: p.launcher, parentPid: p.winsw, name: 'python.exe', created: 20 },
        { pid: p.winsw, parentPid: 700, name: `${name}.exe`, created: 10 },
        { pid: 700, parentPid: 600, name: 'services.exe', created: 5 },
      ],
      services,
      sites,
    };
  }
  return { inUse: false };
}

/** Who holds a port: a seeded listener, an IIS site binding, or one of our services. */
export function simPort(state: SimState, q: PortQuery): PortResult {
  return resolvePortOwner(simPortRaw(state, q), q.port);
}
