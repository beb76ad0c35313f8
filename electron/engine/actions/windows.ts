import { z } from 'zod';
import { secretRefSchema } from '../secrets.js';

/**
 * Windows-only actions. The `windows` host turns them into argv for appcmd/netsh/icacls/schtasks/sc.exe
 * or into `mssql` requests; the `sim` host applies them to its JSON state. Every action is
 * serialisable and free of secret values (SecretRefs only).
 */
const base = { describe: z.string().min(1) };

export const sqlConnectionSchema = z.object({
  server: z.string().min(1),
  instance: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  database: z.string().optional(),
  auth: z.enum(['windows', 'sql']),
  user: z.string().optional(),
  password: secretRefSchema.optional(),
});
export type SqlConnection = z.infer<typeof sqlConnectionSchema>;

export const sqlParamSchema = z.object({
  type: z.enum(['nvarchar', 'int', 'bit']),
  value: z.union([z.string(), z.number(), z.boolean(), secretRefSchema]),
});
export type SqlParam = z.infer<typeof sqlParamSchema>;

/**
 * One T-SQL batch with typed parameters, sent with sp_executesql. Identifiers go through QUOTENAME
 * inside the batch; values (names, passwords) only ever travel as parameters.
 */
export const sqlActionSchema = z.object({
  kind: z.literal('sql'),
  ...base,
  connection: sqlConnectionSchema,
  batch: z.string().min(1),
  params: z.record(z.string(), sqlParamSchema).default({}),
  /**
   * The batch's own limit (the runner's, and the server command's): BACKUP and RESTORE of a large
   * database run far longer than the default 10 minutes.
   */
  timeoutMs: z.number().int().positive().optional(),
  /** What the batch converges, for the sim host (which does not parse T-SQL). */
  effect: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.literal('database'), name: z.string() }),
      z.object({ kind: z.literal('login'), name: z.string(), windows: z.boolean().default(false) }),
      z.object({
        kind: z.literal('user'),
        login: z.string(),
        database: z.string(),
        roles: z.array(z.string()),
      }),
      z.object({ kind: z.literal('loginDisabled'), name: z.string() }),
      z.object({ kind: z.literal('dropLogin'), name: z.string() }),
      z.object({ kind: z.literal('dropDatabase'), name: z.string() }),
      z.object({
        kind: z.literal('deny'),
        database: z.string(),
        user: z.string(),
        /** "table" or "table.column". */
        objects: z.array(z.string()),
      }),
    ])
    .optional(),
});

export const aclGrantSchema = z.object({
  /** `*S-1-5-32-544` style SID for built-ins (names are localised), or `NT SERVICE\x`, `DOMAIN\user`. */
  principal: z.string().min(1),
  rights: z.enum(['F', 'M', 'RX', 'R', 'W']),
  inherit: z.boolean().default(true),
});
export type AclGrant = z.infer<typeof aclGrantSchema>;

export const aclActionSchema = z.object({
  kind: z.literal('acl'),
  ...base,
  path: z.string().min(1),
  /** Remove inherited entries so only the grants below apply. */
  protect: z.boolean().default(true),
  grants: z.array(aclGrantSchema),
});

export const firewallActionSchema = z.object({
  kind: z.literal('firewall'),
  ...base,
  op: z.enum(['ensure', 'remove']),
  name: z.string().min(1),
  ports: z.array(z.number().int().min(1).max(65535)).default([]),
  protocol: z.enum(['TCP', 'UDP']).default('TCP'),
});

export const registryActionSchema = z.object({
  kind: z.literal('registry'),
  ...base,
  /** set/delete a value (`name`); deleteKey removes the key with its values (`name` unused). */
  op: z.enum(['set', 'delete', 'deleteKey']),
  key: z.string().min(1),
  name: z.string(),
  type: z.enum(['REG_SZ', 'REG_DWORD', 'REG_EXPAND_SZ', 'REG_MULTI_SZ']).optional(),
  value: z.union([z.string(), z.number(), z.array(z.string())]).optional(),
});

export const scheduledTaskActionSchema = z.object({
  kind: z.literal('scheduledTask'),
  ...base,
  op: z.enum(['ensure', 'remove']),
  /** Task path, e.g. `\QATrack+\Nightly backup`. */
  name: z.string().min(1),
  /** Task Scheduler XML (schtasks /Create /XML), no secrets. The host writes it as UTF-16 LE + BOM. */
  xml: z.string().optional(),
});

/** Windows roles/features (Install-WindowsFeature names, e.g. Web-Server). */
export const windowsFeatureActionSchema = z.object({
  kind: z.literal('windowsFeature'),
  ...base,
  op: z.enum(['enable', 'disable']),
  features: z.array(z.string().regex(/^[A-Za-z0-9-]+$/)).min(1),
});

/**
 * A WinSW v2 wrapped service. `install` registers `<wrapperExe>` (a copy of WinSW named after the
 * service, next to its XML); `setAccount` runs the service as a virtual account or a user (the
 * password of a user travels on stdin to a fixed PowerShell script, never on a command line).
 */
export const winServiceActionSchema = z.discriminatedUnion('op', [
  z.object({
    kind: z.literal('winService'),
    ...base,
    op: z.literal('install'),
    name: z.string().min(1),
    wrapperExe: z.string().min(1),
    /** What the XML says, so sim and the plan know the service without parsing XML. */
    displayName: z.string(),
    file: z.string(),
    args: z.array(z.string()).default([]),
    cwd: z.string().optional(),
    port: z.number().int().optional(),
    address: z.string().optional(),
    logDir: z.string().optional(),
    /** SHA-256 of the XML, recorded so drift of the definition is seen. */
    specHash: z.string(),
  }),
  z.object({
    kind: z.literal('winService'),
    ...base,
    op: z.literal('uninstall'),
    name: z.string().min(1),
    wrapperExe: z.string().min(1),
  }),
  z.object({
    kind: z.literal('winService'),
    ...base,
    op: z.literal('setAccount'),
    name: z.string().min(1),
    account: z.string().min(1),
    password: secretRefSchema.optional(),
  }),
  ...(['start', 'stop', 'restart'] as const).map((op) =>
    z.object({ kind: z.literal('winService'), ...base, op: z.literal(op), name: z.string().min(1) }),
  ),
  /**
   * "Log on as a service" (SeServiceLogonRight) for a user account: Win32_Service.Change does not
   * grant it, so a service set to a user fails to start with error 1069 until it is granted.
   * Source: https://learn.microsoft.com/windows/win32/secauthz/account-rights-constants and
   * https://learn.microsoft.com/windows/win32/api/ntsecapi/nf-ntsecapi-lsaaddaccountrights; WinSW's
   * `<serviceaccount><allowservicelogon>` does the same (winsw/winsw v2 ServiceDescriptorTests.cs).
   */
  ...(['grantLogonRight', 'revokeLogonRight'] as const).map((op) =>
    z.object({
      kind: z.literal('winService'),
      ...base,
      op: z.literal(op),
      name: z.string().min(1),
      account: z.string().min(1),
    }),
  ),
]);
export type WinServiceAction = z.infer<typeof winServiceActionSchema>;

/** A certificate in LocalMachine\My. Self-signed ones are found again by their friendly name. */
export const certificateActionSchema = z.discriminatedUnion('op', [
  z.object({
    kind: z.literal('certificate'),
    ...base,
    op: z.literal('selfSigned'),
    friendlyName: z.string().min(1),
    dnsNames: z.array(z.string().min(1)).min(1),
    years: z.number().int().min(1).max(5).default(2),
  }),
  z.object({
    kind: z.literal('certificate'),
    ...base,
    op: z.literal('remove'),
    friendlyName: z.string().min(1),
  }),
]);

/** How an HTTPS binding names its certificate: a thumbprint the user gave, or our self-signed one. */
export const certRefSchema = z.union([
  z.object({ thumbprint: z.string().regex(/^[0-9A-F]{40}$/) }).strict(),
  z.object({ friendlyName: z.string().min(1) }).strict(),
]);
export type CertRef = z.infer<typeof certRefSchema>;

export const bindingSchema = z.object({
  protocol: z.enum(['http', 'https']),
  port: z.number().int().min(1).max(65535),
  /** Host header; empty = any host. */
  host: z.string().default(''),
});
export type Binding = z.infer<typeof bindingSchema>;

export const webFarmServerSchema = z.object({
  address: z.string().regex(/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/),
  httpPort: z.number().int().min(1).max(65535),
});

const iis = { kind: z.literal('iis'), ...base };

/** IIS configuration as data; the windows host turns each op into appcmd/netsh argv. */
export const iisActionSchema = z.discriminatedUnion('op', [
  z.object({
    ...iis,
    op: z.literal('appPool'),
    name: z.string().min(1),
    /** No managed code (IIS only proxies and serves files); never recycle on idle. */
    managedRuntimeVersion: z.literal('').default(''),
    idleTimeout: z.string().default('00:00:00'),
  }),
  z.object({
    ...iis,
    op: z.literal('site'),
    name: z.string().min(1),
    appPool: z.string().min(1),
    physicalPath: z.string().min(1),
    bindings: z.array(bindingSchema).min(1),
    /** `/static` and `/media` served from the data folder. */
    virtualDirs: z.array(z.object({ path: z.string().regex(/^\/[a-z]+$/), physicalPath: z.string() })),
    logDir: z.string().min(1),
  }),
  z.object({ ...iis, op: z.literal('removeSite'), name: z.string().min(1) }),
  /** Windows and anonymous authentication for a site ('') or a path of it ('/static'), at apphost level. */
  z.object({
    ...iis,
    op: z.literal('authentication'),
    site: z.string().min(1),
    path: z.union([z.literal(''), z.string().regex(/^\/[a-z]+$/)]),
    windows: z.boolean(),
    anonymous: z.boolean(),
  }),
  /** Start or stop a site now and set whether IIS starts it at boot (serverAutoStart). */
  z.object({
    ...iis,
    op: z.literal('siteState'),
    name: z.string().min(1),
    state: z.enum(['started', 'stopped']),
    autoStart: z.boolean(),
  }),
  z.object({ ...iis, op: z.literal('removeAppPool'), name: z.string().min(1) }),
  z.object({
    ...iis,
    op: z.literal('proxy'),
    enabled: z.boolean(),
    preserveHostHeader: z.boolean().default(true),
    reverseRewriteHostInResponseHeaders: z.boolean().default(false),
    timeout: z.string().default('00:05:00'),
  }),
  z.object({
    ...iis,
    op: z.literal('webFarm'),
    name: z.string().regex(/^[A-Za-z0-9-]+$/),
    servers: z.array(webFarmServerSchema).min(1),
    healthCheck: z.object({
      url: z.string().url(),
      interval: z.string(),
      timeout: z.string(),
      statusCodeMatch: z.string(),
    }),
    algorithm: z.enum(['WeightedRoundRobin', 'LeastRequests', 'LeastResponseTime']).default('LeastRequests'),
    protocolTimeout: z.string().default('00:05:00'),
  }),
  z.object({ ...iis, op: z.literal('removeWebFarm'), name: z.string().min(1) }),
  z.object({
    ...iis,
    op: z.literal('allowServerVariable'),
    name: z.string().regex(/^[A-Z_]+$/),
  }),
  z.object({
    ...iis,
    op: z.literal('sslBinding'),
    port: z.number().int().min(1).max(65535),
    certificate: certRefSchema,
  }),
  z.object({ ...iis, op: z.literal('removeSslBinding'), port: z.number().int().min(1).max(65535) }),
]);
export type IisAction = z.infer<typeof iisActionSchema>;

export const windowsActionSchemas = [
  sqlActionSchema,
  aclActionSchema,
  firewallActionSchema,
  registryActionSchema,
  scheduledTaskActionSchema,
  windowsFeatureActionSchema,
  winServiceActionSchema,
  certificateActionSchema,
  iisActionSchema,
] as const;
