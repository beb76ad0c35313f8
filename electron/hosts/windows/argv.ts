import type { Action, ActionOf, IisAction } from '../../engine/actions/index.js';
import { POWERSHELL, SYSTEM32 } from '../../windows/names.js';
import { PS } from './scripts.js';

/**
 * Windows actions as programs to run: pure functions from an action to argv lists, golden-tested on
 * Linux. No shell is ever involved (execa passes argv to CreateProcess). Values that may be secret
 * never appear here: they travel as JSON on the stdin of a fixed PowerShell script.
 */

export const APPCMD = `${SYSTEM32}\\inetsrv\\appcmd.exe`;
export const NETSH = `${SYSTEM32}\\netsh.exe`;
export const ICACLS = `${SYSTEM32}\\icacls.exe`;
export const SCHTASKS = `${SYSTEM32}\\schtasks.exe`;
export const SC = `${SYSTEM32}\\sc.exe`;
export const REG = `${SYSTEM32}\\reg.exe`;
/** IIS's own app id for HTTPS bindings (any GUID works; this one is what IIS Manager uses). */
export const IIS_APPID = '{4dc3e181-e14b-4a21-b022-59fc669b0914}';

export interface Command {
  file: string;
  args: string[];
  /** JSON for a fixed PowerShell script; may hold SecretRefs, resolved by the host at run time. */
  stdinJson?: unknown;
  /** Exit codes that mean success (default [0]); `any` for "delete if present" clean-ups. */
  okExitCodes?: number[] | 'any';
  rebootExitCodes?: number[];
}

/** PowerShell running one of the fixed scripts: script text is constant, data arrives on stdin. */
export const powershell = (script: keyof typeof PS, input: unknown): Command => ({
  file: POWERSHELL,
  args: [
    '-NoProfile',
    '-NonInteractive',
    '-ExecutionPolicy',
    'Bypass',
    '-EncodedCommand',
    Buffer.from(PS[script], 'utf16le').toString('base64'),
  ],
  stdinJson: input,
});

const appcmd = (...args: string[]): Command => ({ file: APPCMD, args });
const inheritFlags = (inherit: boolean, isFile: boolean) => (inherit && !isFile ? '(OI)(CI)' : '');

export function aclCommands(a: ActionOf<'acl'>, isFile: boolean): Command[] {
  const grants = a.grants.map((g) => `${g.principal}:${inheritFlags(g.inherit, isFile)}${g.rights}`);
  // /reset drops every explicit entry; /inheritance:r then drops the inherited ones, so exactly
  // the grants below remain (the installer runs as an administrator throughout).
  return [
    { file: ICACLS, args: [a.path, '/reset', '/C', '/Q'] },
    {
      file: ICACLS,
      args: [a.path, ...(a.protect ? ['/inheritance:r'] : []), '/grant:r', ...grants, '/C', '/Q'],
    },
  ];
}

export function firewallCommands(a: ActionOf<'firewall'>): Command[] {
  // `add` does not de-duplicate names: delete first (exit 1 when absent), then add.
  const del: Command = {
    file: NETSH,
    args: ['advfirewall', 'firewall', 'delete', 'rule', `name=${a.name}`],
    okExitCodes: [0, 1],
  };
  if (a.op === 'remove') return [del];
  return [
    del,
    {
      file: NETSH,
      args: [
        'advfirewall',
        'firewall',
        'add',
        'rule',
        `name=${a.name}`,
        'dir=in',
        'action=allow',
        `protocol=${a.protocol}`,
        `localport=${a.ports.join(',')}`,
        'profile=any',
      ],
    },
  ];
}

export function registryCommands(a: ActionOf<'registry'>): Command[] {
  // `reg delete KEY /f` without /v removes the key and everything under it (Learn: reg delete).
  if (a.op === 'deleteKey') return [{ file: REG, args: ['delete', a.key, '/f', '/reg:64'] }];
  if (a.op === 'delete') return [{ file: REG, args: ['delete', a.key, '/v', a.name, '/f', '/reg:64'] }];
  const value = Array.isArray(a.value) ? a.value.join('\\0') : String(a.value ?? '');
  return [
    {
      file: REG,
      args: ['add', a.key, '/v', a.name, '/t', a.type ?? 'REG_SZ', '/d', value, '/f', '/reg:64'],
    },
  ];
}

/** `xmlFile` is where the host wrote the task XML (UTF-16 LE with BOM). */
export function scheduledTaskCommands(a: ActionOf<'scheduledTask'>, xmlFile: string): Command[] {
  if (a.op === 'remove')
    return [{ file: SCHTASKS, args: ['/Delete', '/TN', a.name, '/F'], okExitCodes: [0, 1] }];
  return [{ file: SCHTASKS, args: ['/Create', '/TN', a.name, '/XML', xmlFile, '/F'] }];
}

export function windowsFeatureCommands(a: ActionOf<'windowsFeature'>): Command[] {
  return [
    {
      ...powershell(a.op === 'enable' ? 'enableFeatures' : 'disableFeatures', { features: a.features }),
      rebootExitCodes: [3010],
    },
  ];
}

export function winServiceCommands(a: ActionOf<'winService'>): Command[] {
  switch (a.op) {
    case 'install':
      return [{ file: a.wrapperExe, args: ['install'] }];
    case 'uninstall':
      return [{ file: a.wrapperExe, args: ['uninstall'] }];
    case 'setAccount':
      if (!a.password)
        // Virtual and built-in accounts have no password: sc.exe takes `obj=` and the name as two tokens.
        return [{ file: SC, args: ['config', a.name, 'obj=', a.account] }];
      return [powershell('setServiceAccount', { name: a.name, account: a.account, password: a.password })];
    case 'start':
    case 'stop':
    case 'restart':
      return [powershell('serviceControl', { name: a.name, op: a.op })];
    case 'grantLogonRight':
    case 'revokeLogonRight':
      return [powershell('setLogonRight', { account: a.account, grant: a.op === 'grantLogonRight' })];
  }
}

export function certificateCommands(a: ActionOf<'certificate'>): Command[] {
  return a.op === 'selfSigned'
    ? [
        powershell('newSelfSignedCertificate', {
          friendlyName: a.friendlyName,
          dnsNames: a.dnsNames,
          years: a.years,
        }),
      ]
    : [powershell('removeCertificate', { friendlyName: a.friendlyName })];
}

/**
 * serverAutoStart is configuration (what IIS does at boot); the run state is set and then read back
 * by a fixed script that fails when the site is not in the state asked for. Starting a site whose
 * port another program holds throws "The process cannot access the file because it is being used by
 * another process. (Exception from HRESULT: 0x80070020)"; a binding another started site holds fails
 * with 0x800700B7 (W3SVC event 1007 "Cannot register the URL prefix"). Captured reports:
 * https://www.rdpsupport.com/the-process-cannot-access-the-file-because-it-is-being-used-by-another-process-exception-from-hresult-0x80070020/
 * and http://w3-4u.blogspot.com/2006/11/howto-change-id-of-iis-website.html. Nothing is swallowed.
 */
function siteStateCommands(name: string, state: 'started' | 'stopped', autoStart: boolean): Command[] {
  return [
    appcmd('set', 'site', `/site.name:${name}`, `/serverAutoStart:${autoStart ? 'true' : 'false'}`),
    powershell('siteControl', { name, state }),
  ];
}

const tf = (b: boolean) => (b ? 'True' : 'False');
const farmPath = (name: string) => `[name='${name}']`;

/**
 * appcmd argv for each IIS op. `thumbprint` is the resolved certificate for sslBinding (the host looks
 * a self-signed certificate up by friendly name just before). Names reaching here are validated by
 * the answers schema (site names: letters, digits, space, + _ -; farm and pool names fixed).
 */
export function iisCommands(a: IisAction, thumbprint?: string): Command[] {
  switch (a.op) {
    case 'appPool':
      return [
        { ...appcmd('add', 'apppool', `/name:${a.name}`), okExitCodes: 'any' },
        appcmd(
          'set',
          'apppool',
          `/apppool.name:${a.name}`,
          `/managedRuntimeVersion:${a.managedRuntimeVersion}`,
          `/processModel.idleTimeout:${a.idleTimeout}`,
        ),
      ];
    case 'removeAppPool':
      return [{ ...appcmd('delete', 'apppool', `/apppool.name:${a.name}`), okExitCodes: 'any' }];
    case 'site': {
      const bindings = a.bindings.map((b) => `${b.protocol}/*:${b.port}:${b.host}`).join(',');
      return [
        { ...appcmd('delete', 'site', `/site.name:${a.name}`), okExitCodes: 'any' },
        appcmd('add', 'site', `/name:${a.name}`, `/bindings:${bindings}`, `/physicalPath:${a.physicalPath}`),
        appcmd('set', 'app', `/app.name:${a.name}/`, `/applicationPool:${a.appPool}`),
        ...a.virtualDirs.map((v) =>
          appcmd('add', 'vdir', `/app.name:${a.name}/`, `/path:${v.path}`, `/physicalPath:${v.physicalPath}`),
        ),
        appcmd('set', 'site', `/site.name:${a.name}`, `/logFile.directory:${a.logDir}`),
        ...siteStateCommands(a.name, 'started', true),
      ];
    }
    case 'siteState':
      return siteStateCommands(a.name, a.state, a.autoStart);
    case 'removeSite':
      return [{ ...appcmd('delete', 'site', `/site.name:${a.name}`), okExitCodes: 'any' }];
    case 'authentication':
      // The authentication sections are locked below apphost (overrideModeDefault="Deny"), so they are
      // set in applicationHost.config for the site's location, as Microsoft Learn's appcmd examples do:
      // https://learn.microsoft.com/iis/configuration/system.webserver/security/authentication/windowsauthentication/
      return (['windows', 'anonymous'] as const).map((k) =>
        appcmd(
          'set',
          'config',
          `${a.site}${a.path}`,
          `-section:system.webServer/security/authentication/${k}Authentication`,
          `/enabled:${tf(a[k])}`,
          '/commit:apphost',
        ),
      );
    case 'proxy':
      return [
        appcmd(
          'set',
          'config',
          '-section:system.webServer/proxy',
          `/enabled:${tf(a.enabled)}`,
          `/preserveHostHeader:${tf(a.preserveHostHeader)}`,
          `/reverseRewriteHostInResponseHeaders:${tf(a.reverseRewriteHostInResponseHeaders)}`,
          `/timeout:${a.timeout}`,
          '/commit:apphost',
        ),
      ];
    case 'webFarm': {
      const f = farmPath(a.name);
      const arr = `/${f}.applicationRequestRouting`;
      return [
        { ...appcmd('set', 'config', '-section:webFarms', `/-${f}`, '/commit:apphost'), okExitCodes: 'any' },
        appcmd('set', 'config', '-section:webFarms', `/+${f}`, '/commit:apphost'),
        ...a.servers.flatMap((s) => [
          appcmd('set', 'config', '-section:webFarms', `/+${f}.[address='${s.address}']`, '/commit:apphost'),
          appcmd(
            'set',
            'config',
            '-section:webFarms',
            `/${f}.[address='${s.address}'].applicationRequestRouting.httpPort:${s.httpPort}`,
            '/commit:apphost',
          ),
        ]),
        appcmd(
          'set',
          'config',
          '-section:webFarms',
          `${arr}.healthCheck.url:${a.healthCheck.url}`,
          `${arr}.healthCheck.interval:${a.healthCheck.interval}`,
          `${arr}.healthCheck.timeout:${a.healthCheck.timeout}`,
          `${arr}.healthCheck.statusCodeMatch:${a.healthCheck.statusCodeMatch}`,
          `${arr}.loadBalancing.algorithm:${a.algorithm}`,
          `${arr}.protocol.timeout:${a.protocolTimeout}`,
          `${arr}.protocol.cache.enabled:False`,
          '/commit:apphost',
        ),
      ];
    }
    case 'removeWebFarm':
      return [
        {
          ...appcmd('set', 'config', '-section:webFarms', `/-${farmPath(a.name)}`, '/commit:apphost'),
          okExitCodes: 'any',
        },
      ];
    case 'allowServerVariable':
      return [
        {
          ...appcmd(
            'set',
            'config',
            '-section:system.webServer/rewrite/allowedServerVariables',
            `/+[name='${a.name}']`,
            '/commit:apphost',
          ),
          // Already allowed is fine: the collection refuses a duplicate.
          okExitCodes: 'any',
        },
      ];
    case 'sslBinding':
      if (!thumbprint) throw new Error('sslBinding needs the resolved certificate thumbprint');
      return [
        {
          file: NETSH,
          args: ['http', 'delete', 'sslcert', `ipport=0.0.0.0:${a.port}`],
          okExitCodes: 'any',
        },
        {
          file: NETSH,
          args: [
            'http',
            'add',
            'sslcert',
            `ipport=0.0.0.0:${a.port}`,
            `certhash=${thumbprint}`,
            `appid=${IIS_APPID}`,
            'certstorename=MY',
          ],
        },
      ];
    case 'removeSslBinding':
      return [
        { file: NETSH, args: ['http', 'delete', 'sslcert', `ipport=0.0.0.0:${a.port}`], okExitCodes: 'any' },
      ];
  }
}

/** Every action kind that becomes programs to run (files and SQL are handled in-process). */
export function commandsFor(
  action: Action,
  extra: { isFile?: boolean; taskXmlFile?: string; thumbprint?: string } = {},
): Command[] | undefined {
  switch (action.kind) {
    case 'acl':
      return aclCommands(action, extra.isFile ?? false);
    case 'firewall':
      return firewallCommands(action);
    case 'registry':
      return registryCommands(action);
    case 'scheduledTask':
      return scheduledTaskCommands(action, extra.taskXmlFile ?? '');
    case 'windowsFeature':
      return windowsFeatureCommands(action);
    case 'winService':
      return winServiceCommands(action);
    case 'certificate':
      return certificateCommands(action);
    case 'iis':
      return iisCommands(action, extra.thumbprint);
    case 'exec':
      return [
        {
          file: action.file,
          args: action.args.map((x) => (typeof x === 'string' ? x : '<secret>')),
          okExitCodes: action.okExitCodes,
          rebootExitCodes: action.rebootExitCodes,
        },
      ];
    default:
      return undefined;
  }
}
