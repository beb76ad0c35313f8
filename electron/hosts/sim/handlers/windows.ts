import { createHash } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { HostActionError } from '../../../engine/host.js';
import { topics, type Topic, type TopicArgs as TopicArgsOf } from '../../../windows/topics.js';
import { descendants } from '../paths.js';
import type { SimState } from '../state.js';
import { simHttp, simPort } from '../windows/http.js';
import { addDefaultWebSite, bindingConflict, portHeldByProcess } from '../windows/iis.js';
import { regKey, simFile, simPathExists, simWindows } from '../windows/state.js';
import type { SimActionHandlers, SimQueryHandlers } from './types.js';

/**
 * Windows actions and `windows` queries on the simulated machine. Each action checks what the real
 * tool would need first (IIS before appcmd, URL Rewrite before ARR, the wrapper before `install`),
 * so plans that would fail on a server fail here too.
 */

const fail = (code: string, message: string, exitCode?: number): never => {
  throw new HostActionError(code, message, { exitCode });
};

const SQL_KEY_RE = /\\MSSQL\d+\.([A-Za-z0-9_]+)\\MSSQLServer/i;

function sqlReachable(state: SimState): boolean {
  const w = simWindows(state);
  return w.sql.available || Object.keys(state.products).some((p) => p.startsWith('sqlserver:'));
}

const thumbprintOf = (seed: string) => createHash('sha1').update(seed).digest('hex').toUpperCase();

export const windowsActionHandlers: SimActionHandlers = {
  windowsFeature(state, a) {
    const w = simWindows(state);
    // Adding the Web-Server role creates and starts Default Web Site on *:80 (sources in iis.ts).
    if (a.op === 'enable' && a.features.includes('Web-Server') && !w.features.includes('Web-Server'))
      addDefaultWebSite(w);
    w.features =
      a.op === 'enable'
        ? [...new Set([...w.features, ...a.features])]
        : w.features.filter((f) => !a.features.includes(f));
  },

  registry(state, a) {
    const w = simWindows(state);
    const key = regKey(a.key);
    if (a.op === 'deleteKey') {
      delete w.registry[key];
      return;
    }
    if (a.op === 'delete') {
      delete w.registry[key]?.[a.name];
      return;
    }
    if (a.value === undefined) fail('REGISTRY_VALUE_MISSING', `No value given for ${a.key}\\${a.name}`);
    w.registry[key] = { ...(w.registry[key] ?? {}), [a.name]: a.value! };
  },

  firewall(state, a) {
    const w = simWindows(state);
    if (a.op === 'remove') delete w.firewall[a.name];
    else w.firewall[a.name] = { ports: a.ports, protocol: a.protocol };
  },

  acl(state, a) {
    if (!simPathExists(state, a.path))
      fail('ACL_PATH_MISSING', `icacls: ${a.path}: The system cannot find the file specified.`, 2);
    const w = simWindows(state);
    const bad = a.grants.find(
      (g) =>
        /^NT SERVICE\\/i.test(g.principal) &&
        !state.services[g.principal.slice(11)] &&
        !/^NT SERVICE\\MSSQL/i.test(g.principal),
    );
    if (bad)
      fail(
        'ACL_PRINCIPAL_UNKNOWN',
        `icacls: No mapping between account names and security IDs was done (${bad.principal}).`,
        1332,
      );
    w.acls[a.path.toLowerCase()] = {
      protected: a.protect,
      grants: a.grants.map((g) => ({ principal: g.principal, rights: g.rights })),
    };
  },

  scheduledTask(state, a) {
    const w = simWindows(state);
    if (a.op === 'remove') {
      delete w.tasks[a.name];
      return;
    }
    if (!a.xml?.startsWith('<?xml version="1.0" encoding="UTF-16"?>'))
      fail('TASK_XML_INVALID', 'ERROR: The task XML is malformed (encoding).');
    w.tasks[a.name] = { xml: a.xml! };
  },

  certificate(state, a) {
    const w = simWindows(state);
    if (a.op === 'remove') {
      w.certificates = w.certificates.filter((c) => c.friendlyName !== a.friendlyName);
      return;
    }
    w.certificates = w.certificates.filter((c) => c.friendlyName !== a.friendlyName);
    w.certificates.push({
      thumbprint: thumbprintOf(a.friendlyName + a.dnsNames.join(',')),
      friendlyName: a.friendlyName,
      dnsNames: a.dnsNames,
    });
  },

  winService(state, a) {
    const w = simWindows(state);
    const svc = state.services[a.name];
    const isSql =
      /^MSSQL(\$|SERVER$)/i.test(a.name) &&
      Object.keys(state.products).some((p) => p.startsWith('sqlserver:'));
    switch (a.op) {
      case 'install': {
        if (svc) fail('SERVICE_EXISTS', `WinSW: the service ${a.name} already exists.`, 1073);
        if (!simFile(state, a.wrapperExe)) fail('WRAPPER_MISSING', `${a.wrapperExe} not found.`, 2);
        const xml = a.wrapperExe.replace(/\.exe$/i, '.xml');
        if (!simFile(state, xml)) fail('SERVICE_XML_MISSING', `WinSW: unable to locate ${xml}.`, -1);
        state.services[a.name] = {
          state: 'stopped',
          spec: {
            name: a.name,
            displayName: a.displayName,
            file: a.file,
            args: a.args,
            cwd: a.cwd,
            logDir: a.logDir,
            port: a.port,
          },
          specHash: a.specHash,
        };
        w.serviceAccounts[a.name] = 'LocalSystem';
        if (a.address) w.serviceAddresses[a.name] = a.address;
        return;
      }
      case 'uninstall':
        delete state.services[a.name];
        delete w.serviceAccounts[a.name];
        delete w.serviceAddresses[a.name];
        return;
      case 'setAccount':
        if (!svc)
          fail(
            'SERVICE_MISSING',
            `[SC] ChangeServiceConfig FAILED 1060: The specified service does not exist.`,
            1060,
          );
        w.serviceAccounts[a.name] = a.account;
        return;
      case 'start':
      case 'restart':
        if (isSql) {
          const instance = a.name.includes('$') ? a.name.split('$')[1]! : 'MSSQLSERVER';
          const info = windowsTopic(state, 'sqlInstance', { instance, major: 0 }) as Record<string, unknown>;
          w.sqlEffective[instance.toUpperCase()] = JSON.stringify({
            tcpPort: info.tcpPort,
            dynamicPorts: info.dynamicPorts,
            loginMode: info.loginMode,
          });
          return;
        }
        if (!svc) fail('SERVICE_MISSING', `The service ${a.name} does not exist.`, 1060);
        {
          // A user account without "Log on as a service" cannot start a service: error 1069
          // ("The service did not start due to a logon failure"). Virtual accounts (NT SERVICE\x),
          // LocalSystem and NT AUTHORITY\* hold the right implicitly.
          // Source: https://learn.microsoft.com/troubleshoot/windows-server/system-management-components/service-startup-permissions
          // and https://learn.microsoft.com/windows/win32/secauthz/account-rights-constants
          const account = w.serviceAccounts[a.name] ?? 'LocalSystem';
          const builtIn = /^(LocalSystem|NT SERVICE\\|NT AUTHORITY\\)/i.test(account);
          if (!builtIn && !w.logonRights.includes(account.toLowerCase()))
            fail(
              'SERVICE_LOGON_FAILED',
              `The ${a.name} service did not start due to a logon failure (1069): ${account} lacks "Log on as a service".`,
              1069,
            );
        }
        if (!simFile(state, svc!.spec.file))
          fail(
            'SERVICE_START_FAILED',
            `The service ${a.name} did not start: ${svc!.spec.file} not found.`,
            1053,
          );
        svc!.state = 'running';
        return;
      case 'stop':
        if (isSql) return;
        if (svc) svc.state = 'stopped';
        return;
      case 'grantLogonRight':
        if (!w.logonRights.includes(a.account.toLowerCase())) w.logonRights.push(a.account.toLowerCase());
        return;
      case 'revokeLogonRight':
        w.logonRights = w.logonRights.filter((x) => x !== a.account.toLowerCase());
        return;
    }
  },

  sql(state, a) {
    const w = simWindows(state);
    if (!sqlReachable(state))
      fail('SQL_LOGIN_FAILED', 'SQL Server error 18456 (or the server is unreachable).', 18456);
    // Below compatibility level 130 the engine "is unable to find the STRING_SPLIT function": error
    // 208 "Invalid object name 'STRING_SPLIT'" (https://learn.microsoft.com/sql/t-sql/functions/string-split-transact-sql;
    // 208 in https://learn.microsoft.com/sql/relational-databases/errors-events/database-engine-events-and-errors-0-to-999).
    if (/\bSTRING_SPLIT\s*\(/i.test(a.batch) && w.sql.compatibilityLevel < 130)
      fail('SQL_ERROR', "SQL Server error 208: Invalid object name 'STRING_SPLIT'.", 208);
    if (/\bOPENJSON\s*\(/i.test(a.batch) && w.sql.compatibilityLevel < 130)
      fail('SQL_ERROR', "SQL Server error 208: Invalid object name 'OPENJSON'.", 208);
    // THROW, IS_ROLEMEMBER and ALTER ROLE ... ADD MEMBER arrived in SQL Server 2012 (11.x).
    if (w.sql.major < 11 && /\b(THROW|IS_ROLEMEMBER|ADD MEMBER)\b/i.test(a.batch))
      fail('SQL_ERROR', 'SQL Server error 102: Incorrect syntax.', 102);
    for (const [name, p] of Object.entries(a.params))
      if (p.type === 'nvarchar' && typeof p.value === 'string' && name !== 'roles' && p.value.length > 128)
        fail('SQL_ERROR', 'SQL Server error 50001: name longer than 128 characters.', 50001);
    const e = a.effect;
    if (!e) return;
    switch (e.kind) {
      case 'database': {
        // RESTORE of a backup as a new database (its action names the database backed up, @oldDb):
        // the copy holds what the database itself holds, its users with their roles and its DENYs;
        // only server-level metadata (logins, jobs) stays outside
        // (https://learn.microsoft.com/sql/relational-databases/databases/manage-metadata-when-making-a-database-available-on-another-server).
        const from = a.params.oldDb?.value;
        const source =
          typeof from === 'string' && /\bRESTORE DATABASE\b/.test(a.batch)
            ? w.sql.databases[from]
            : undefined;
        w.sql.databases[e.name] ??= source ? structuredClone(source) : { users: {}, denied: {} };
        return;
      }
      case 'login': {
        const l = w.sql.logins[e.name];
        w.sql.logins[e.name] = { disabled: false, windows: l?.windows ?? e.windows };
        return;
      }
      case 'loginDisabled':
        if (w.sql.logins[e.name]) w.sql.logins[e.name]!.disabled = true;
        return;
      case 'dropLogin':
        delete w.sql.logins[e.name];
        return;
      case 'dropDatabase':
        delete w.sql.databases[e.name];
        return;
      case 'deny': {
        const db = w.sql.databases[e.database];
        if (!db)
          fail(
            'SQL_DATABASE_UNAVAILABLE',
            `SQL Server error 911: database '${e.database}' does not exist.`,
            911,
          );
        // DENY_REPORTS throws 50002 when the reports login has no user in the database.
        if (!db!.users[e.user])
          fail('SQL_ERROR', 'SQL Server error 50002: The reports login has no user in this database.', 50002);
        db!.denied[e.user] = [...new Set([...(db!.denied[e.user] ?? []), ...e.objects])].sort();
        return;
      }
      case 'user': {
        const db = w.sql.databases[e.database];
        if (!db)
          fail(
            'SQL_DATABASE_UNAVAILABLE',
            `SQL Server error 911: database '${e.database}' does not exist.`,
            911,
          );
        if (!w.sql.logins[e.login])
          fail('SQL_LOGIN_MISSING', `SQL Server error 15007: '${e.login}' is not a valid login.`, 15007);
        const u = db!.users[e.login];
        db!.users[e.login] = { roles: [...new Set([...(u?.roles ?? []), ...e.roles])] };
        return;
      }
    }
  },

  iis(state, a) {
    const w = simWindows(state);
    if (!w.features.includes('Web-Server'))
      fail('IIS_MISSING', 'appcmd.exe was not found: IIS is not installed.', 2);
    const iis = w.iis;
    switch (a.op) {
      case 'appPool':
        if (!iis.appPools.includes(a.name)) iis.appPools.push(a.name);
        return;
      case 'removeAppPool':
        iis.appPools = iis.appPools.filter((p) => p !== a.name);
        return;
      case 'site': {
        if (!iis.appPools.includes(a.appPool))
          fail('IIS_APPPOOL_MISSING', `ERROR ( message:Application pool "${a.appPool}" does not exist. )`, 1);
        iis.sites = iis.sites.filter((s) => s.name !== a.name);
        const site = {
          name: a.name,
          appPool: a.appPool,
          physicalPath: a.physicalPath,
          bindings: a.bindings,
          virtualDirs: a.virtualDirs,
          logDir: a.logDir,
          state: 'stopped' as 'started' | 'stopped',
          autoStart: true,
          // Modelled as dropped with the deleted site (UNCONFIRMED whether appcmd delete site removes
          // its <location> sections); the IIS site step sets authentication again after a site action.
          authentication: [] as { path: string; windows: boolean; anonymous: boolean }[],
        };
        // appcmd add site succeeds; the site then stays stopped if its binding is taken (iis.ts).
        iis.sites.push(site);
        startSite(state, w, site);
        return;
      }
      case 'siteState': {
        const site = iis.sites.find((s) => s.name === a.name);
        if (!site) fail('IIS_SITE_MISSING', `IIS has no site named "${a.name}".`, 2);
        site!.autoStart = a.autoStart;
        if (a.state === 'stopped') site!.state = 'stopped';
        else startSite(state, w, site!);
        return;
      }
      case 'removeSite':
        iis.sites = iis.sites.filter((s) => s.name !== a.name);
        return;
      case 'authentication': {
        const site = iis.sites.find((s) => s.name === a.site);
        // appcmd answers for a location that is not a site: "Cannot find SITE object" style error.
        if (!site)
          fail(
            'IIS_SITE_MISSING',
            `ERROR ( message:Cannot find SITE object with identifier "${a.site}". )`,
            1168,
          );
        site!.authentication = [
          ...site!.authentication.filter((x) => x.path !== a.path),
          { path: a.path, windows: a.windows, anonymous: a.anonymous },
        ].sort((x, y) => (x.path < y.path ? -1 : 1));
        return;
      }
      case 'proxy':
        if (!state.products['iis-arr'])
          fail(
            'IIS_SECTION_MISSING',
            'ERROR ( message:Unknown config section "system.webServer/proxy". )',
            13,
          );
        iis.proxy = { enabled: a.enabled, preserveHostHeader: a.preserveHostHeader, timeout: a.timeout };
        return;
      case 'webFarm':
        if (!state.products['iis-arr'])
          fail('IIS_SECTION_MISSING', 'ERROR ( message:Unknown config section "webFarms". )', 13);
        iis.webFarms = iis.webFarms.filter((f) => f.name !== a.name);
        iis.webFarms.push({ name: a.name, servers: a.servers, healthCheckUrl: a.healthCheck.url });
        return;
      case 'removeWebFarm':
        iis.webFarms = iis.webFarms.filter((f) => f.name !== a.name);
        return;
      case 'allowServerVariable':
        if (!state.products['iis-urlrewrite'])
          fail(
            'IIS_SECTION_MISSING',
            'ERROR ( message:Unknown config section "system.webServer/rewrite/allowedServerVariables". )',
            13,
          );
        if (!iis.allowedServerVariables.includes(a.name)) iis.allowedServerVariables.push(a.name);
        return;
      case 'sslBinding': {
        const ref = a.certificate;
        const cert = w.certificates.find((c) =>
          'thumbprint' in ref ? c.thumbprint === ref.thumbprint : c.friendlyName === ref.friendlyName,
        );
        if (!cert)
          fail(
            'CERTIFICATE_NOT_FOUND',
            'SSL Certificate add failed, Error: 1312 A specified logon session does not exist.',
            1312,
          );
        iis.sslBindings = iis.sslBindings.filter((b) => b.port !== a.port);
        iis.sslBindings.push({ port: a.port, thumbprint: cert!.thumbprint });
        return;
      }
      case 'removeSslBinding':
        iis.sslBindings = iis.sslBindings.filter((b) => b.port !== a.port);
        return;
    }
  },
};

/** Start a site object that lives in `w` (simWindows re-parses state, so the caller passes its own `w`). */
function startSite(
  state: SimState,
  w: ReturnType<typeof simWindows>,
  site: { name: string; bindings: { port: number; host: string }[]; state: string },
) {
  const held = portHeldByProcess(state, site as never);
  if (held !== undefined)
    fail(
      'IIS_SITE_START_FAILED',
      `Start-Website : The process cannot access the file because it is being used by another process. (Exception from HRESULT: 0x80070020) [site "${site.name}", port ${held}]`,
      1,
    );
  const c = bindingConflict(w, site as never);
  if (c)
    fail(
      'IIS_SITE_START_FAILED',
      `Start-Website : Cannot create a file when that file already exists. (Exception from HRESULT: 0x800700B7) [site "${site.name}": port ${c.port} is bound by started site "${c.other}"]`,
      1,
    );
  site.state = 'started';
}

const taskDescription = (xml: string) => {
  const doc = new XMLParser().parse(xml) as { Task?: { RegistrationInfo?: { Description?: string } } };
  return doc.Task?.RegistrationInfo?.Description;
};

/** Loose view of validated topic arguments (each topic's schema has already checked them). */
interface TopicArgs {
  name: string;
  path: string;
  instance: string;
  database: string;
  logins: string[];
  login: string;
  thumbprint?: string;
  friendlyName?: string;
}

/**
 * The tables the reports login must not read exist once migrate ran: auth_user (django.contrib.auth
 * 0001_initial), django_session (django.contrib.sessions 0001_initial) and authtoken_token
 * (rest_framework.authtoken 0001_initial; QATrack+ 3.1.1.4's settings.py lists that app). The sim
 * runs no migrate: it takes the schema probe's fact, which migrate's action sets, as "migrated".
 */
const DJANGO_PROTECTED_TABLES = ['auth_user', 'authtoken_token', 'django_session'] as const;
function migrated(state: SimState): boolean {
  const fact = state.facts['django.schema'] as { exitCode?: number; stdout?: string } | undefined;
  try {
    return fact?.exitCode === 0 && (JSON.parse(fact.stdout ?? '') as { unapplied?: number }).unapplied === 0;
  } catch {
    return false;
  }
}

/**
 * A worker answers the PDF request only while one runs (the watcher is a thread of the worker
 * program, electron/steps/windows/workerScript.ts); it renders when CHROME_PATH in the site's
 * local_settings.py names a file on the machine. Chrome itself is not modelled: a present Chrome
 * renders one page (what Debian's Chromium does with the same command line in test/e2e/posix-pdf).
 */
function simPdfCheck(state: SimState, a: TopicArgsOf<'pdfCheck'>) {
  const running = Object.entries(state.services).some(
    ([name, s]) => /^QATrackWorker\d+$/.test(name) && s.state === 'running',
  );
  if (!running) return { answered: false };
  const settings = Object.entries(state.files).find(([p]) => /\\qatrack\\local_settings\.py$/i.test(p))?.[1];
  const text = settings && 'content' in settings ? String(settings.content) : '';
  const chrome = /^CHROME_PATH = "((?:[^"\\]|\\.)*)"$/m.exec(text)?.[1]?.replace(/\\\\/g, '\\') ?? '';
  const reportRoot = `${a.folder.replace(/\\logs$/i, '')}\\media\\reports`;
  const base = { chrome, reportRoot };
  if (!chrome) return { answered: true, result: { ...base, problem: 'no-chrome' } };
  if (!simFile(state, chrome)) return { answered: true, result: { ...base, problem: 'chrome-missing' } };
  const pdf = `${reportRoot}\\installer-pdf-check.pdf`;
  return { answered: true, result: { ...base, pdf, size: 14132 }, pages: 1 };
}

function windowsTopic(state: SimState, topic: string, raw: unknown): unknown {
  if (!(topic in topics)) return undefined;
  const a = topics[topic as Topic].args.parse(raw ?? {}) as unknown as TopicArgs;
  const w = simWindows(state);
  switch (topic) {
    case 'iis':
      return { installed: w.features.includes('Web-Server'), ...w.iis };
    case 'features':
      return { enabled: w.features };
    case 'certificate': {
      const c = w.certificates.find((x) =>
        a.thumbprint ? x.thumbprint === a.thumbprint : x.friendlyName === a.friendlyName,
      );
      return c ? { exists: true, thumbprint: c.thumbprint } : { exists: false };
    }
    case 'certificates':
      // New-SelfSignedCertificate saves the first DNS name as the subject (learn.microsoft.com,
      // New-SelfSignedCertificate -DnsName); the sim keeps only names and thumbprints.
      return {
        certificates: w.certificates.map((c) => ({
          thumbprint: c.thumbprint,
          subject: c.dnsNames[0] ? `CN=${c.dnsNames[0]}` : '',
          ...(c.friendlyName ? { friendlyName: c.friendlyName } : {}),
          dnsNames: c.dnsNames,
          hasPrivateKey: true,
        })),
      };
    case 'winService':
      return state.services[a.name]
        ? { exists: true, account: w.serviceAccounts[a.name] ?? 'LocalSystem' }
        : { exists: false };
    case 'sqlInstance': {
      const installed = !!state.products[`sqlserver:${a.instance.toUpperCase()}`];
      if (!installed) return { installed: false };
      const base = Object.entries(w.registry).filter(
        ([k]) => SQL_KEY_RE.exec(k)?.[1]?.toLowerCase() === a.instance.toLowerCase(),
      );
      const val = (suffix: string, name: string) => base.find(([k]) => k.endsWith(suffix))?.[1][name];
      const configured = {
        installed,
        tcpPort: (val('\\tcp\\ipall', 'TcpPort') as string | undefined) ?? '',
        dynamicPorts: (val('\\tcp\\ipall', 'TcpDynamicPorts') as string | undefined) ?? '0',
        loginMode: (val('\\mssqlserver', 'LoginMode') as number | undefined) ?? 1,
      };
      const effective =
        w.sqlEffective[a.instance.toUpperCase()] ??
        JSON.stringify({ tcpPort: '', dynamicPorts: '0', loginMode: 1 });
      const now = JSON.stringify({
        tcpPort: configured.tcpPort,
        dynamicPorts: configured.dynamicPorts,
        loginMode: configured.loginMode,
      });
      return { ...configured, restartPending: effective !== now };
    }
    case 'sql': {
      if (!sqlReachable(state)) return { reachable: false, errorNumber: 18456, message: 'Login failed' };
      const db = w.sql.databases[a.database];
      return {
        reachable: true,
        databaseExists: !!db,
        saEnabled: w.sql.logins.sa ? !w.sql.logins.sa.disabled : false,
        adminRoles: {
          sysadmin: w.sql.adminRoles.includes('sysadmin'),
          dbcreator: w.sql.adminRoles.includes('dbcreator'),
          securityadmin: w.sql.adminRoles.includes('securityadmin'),
        },
        server: { major: w.sql.major, masterLevel: w.sql.compatibilityLevel },
        logins: a.logins.map((name) => {
          const l = w.sql.logins[name];
          const u = db?.users[name];
          return {
            name,
            exists: !!l,
            disabled: l?.disabled ?? false,
            userExists: !!u,
            roles: u?.roles ?? [],
          };
        }),
      };
    }
    case 'sqlLogin': {
      if (!sqlReachable(state)) return { reachable: false, errorNumber: 18456, message: 'Login failed' };
      const user = String((raw as { connection?: { user?: string } }).connection?.user ?? '');
      const l = w.sql.logins[user];
      // SQL Server answers a missing or disabled login with 18456 (Microsoft Learn, "MSSQLSERVER_18456").
      if (!l || l.disabled) return { reachable: false, errorNumber: 18456, message: 'Login failed' };
      const db = w.sql.databases[a.database];
      const u = db?.users[user];
      const roles = (raw as { roles: string[] }).roles;
      return {
        reachable: true,
        databaseExists: !!db,
        hasAccess: !!u,
        missingRoles: roles.filter((r) => !u?.roles.includes(r)),
      };
    }
    case 'sqlReportsRights': {
      if (!sqlReachable(state)) return { reachable: false, errorNumber: 18456, message: 'Login failed' };
      const db = w.sql.databases[a.database];
      return {
        reachable: true,
        databaseExists: !!db,
        tables: db && migrated(state) ? [...DJANGO_PROTECTED_TABLES] : [],
        denied: db?.denied[a.login] ?? [],
      };
    }
    case 'sqlDatabaseSize': {
      // What the real server refuses without a login it accepts (Microsoft Learn, "MSSQLSERVER_18456").
      if (!sqlReachable(state)) fail('SQL_LOGIN_FAILED', 'Login failed', 18456);
      const db = w.sql.databases[a.database];
      return db ? { exists: true, bytes: db.sizeBytes ?? 0 } : { exists: false, bytes: 0 };
    }
    case 'folderSize': {
      const dir = simFile(state, a.path);
      if (dir?.type !== 'dir' && !(dir === undefined && simPathExists(state, a.path)))
        return { exists: false, bytes: 0, files: 0 };
      const files = descendants(state, a.path)
        .map((k) => state.files[k]!)
        .filter((f) => f.type === 'file');
      return { exists: true, bytes: files.reduce((n, f) => n + f.size, 0), files: files.length };
    }
    case 'diskFree':
      // The sim models one disk: every path's drive has the machine's free space.
      return { known: true, freeBytes: state.os.freeDiskBytes };
    case 'firewallRule': {
      const r = w.firewall[a.name];
      return r ? { exists: true, ports: r.ports } : { exists: false, ports: [] };
    }
    case 'acl': {
      const acl = w.acls[a.path.toLowerCase()];
      return {
        exists: simPathExists(state, a.path),
        protected: acl?.protected ?? false,
        grants: acl?.grants ?? [],
      };
    }
    case 'scheduledTask': {
      const t = w.tasks[a.name];
      return t ? { exists: true, description: taskDescription(t.xml) } : { exists: false };
    }
    case 'logonRight':
      return {
        granted: w.logonRights.includes(String((a as unknown as { account: string }).account).toLowerCase()),
      };
    case 'registryValues': {
      const { key, names } = a as unknown as { key: string; names: string[] };
      // Keyed as the registry action wrote it (regKey), the same spelling the steps use for both.
      const values = w.registry[regKey(key)] ?? {};
      return Object.fromEntries(names.filter((n) => n in values).map((n) => [n, values[n]]));
    }
    case 'accountName': {
      const sid = (a as unknown as { sid: string }).sid;
      const name = w.accountNames[sid];
      return name ? { name } : undefined;
    }
    case 'pdfCheck':
      return simPdfCheck(state, a as unknown as TopicArgsOf<'pdfCheck'>);
    case 'testMail':
      return w.smtpReachable
        ? { sent: true }
        : { sent: false, error: 'SMTPConnectError: connection refused' };
    default:
      return undefined;
  }
}

export const windowsQueryHandlers: SimQueryHandlers = {
  windows(state, q) {
    const value = windowsTopic(state, q.topic, q.args);
    return value === undefined ? { supported: false } : { supported: true, value };
  },
  http: (state, q) => simHttp(state, q),
  port: (state, q) => simPort(state, q),
  // A simulated Windows Server reaches SQL Server through the `sql` topics, not a PostgreSQL client.
  database: () => ({ supported: false }),
};
