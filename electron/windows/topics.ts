import { z } from 'zod';
import { bindingSchema, sqlConnectionSchema } from '../engine/actions/index.js';
import { InstallerError } from '../engine/errors.js';
import { pdfRenderResultSchema } from '../engine/pdf-result.js';
import type { Host } from '../engine/host.js';

/**
 * The `windows` query topics: what each takes and answers. Steps, the sim host and the real host
 * share these schemas, and every answer is validated here, at the boundary, before a step uses it.
 */

export const iisSiteSchema = z.object({
  name: z.string(),
  appPool: z.string(),
  physicalPath: z.string(),
  bindings: z.array(bindingSchema),
  virtualDirs: z.array(z.object({ path: z.string(), physicalPath: z.string() })).default([]),
  logDir: z.string().optional(),
  /** Run state now (Get-Website State), not configuration. */
  state: z.enum(['started', 'stopped']).default('started'),
  /** serverAutoStart: whether IIS starts the site when W3SVC starts (configuration). */
  autoStart: z.boolean().default(true),
  /**
   * Authentication set for the site ('') or one of its paths ('/static') in applicationHost.config
   * `<location path="Site/path">`; paths not listed inherit the server's (anonymous on, Windows off).
   */
  authentication: z
    .array(z.object({ path: z.string(), windows: z.boolean(), anonymous: z.boolean() }))
    .default([]),
});
export type IisSite = z.infer<typeof iisSiteSchema>;

export const iisSnapshotSchema = z.object({
  installed: z.boolean(),
  proxy: z.object({ enabled: z.boolean(), preserveHostHeader: z.boolean(), timeout: z.string() }).nullable(),
  appPools: z.array(z.string()),
  sites: z.array(iisSiteSchema),
  webFarms: z.array(
    z.object({
      name: z.string(),
      servers: z.array(z.object({ address: z.string(), httpPort: z.number() })),
      healthCheckUrl: z.string().optional(),
    }),
  ),
  allowedServerVariables: z.array(z.string()),
  sslBindings: z.array(z.object({ port: z.number(), thumbprint: z.string() })),
});
export type IisSnapshot = z.infer<typeof iisSnapshotSchema>;

export const topics = {
  iis: { args: z.object({}), result: iisSnapshotSchema },
  features: { args: z.object({}), result: z.object({ enabled: z.array(z.string()) }) },
  certificate: {
    args: z.union([z.object({ thumbprint: z.string() }), z.object({ friendlyName: z.string() })]),
    result: z.object({ exists: z.boolean(), thumbprint: z.string().optional() }),
  },
  /** LocalMachine\\My, for the wizard's certificate picker. */
  certificates: {
    args: z.object({}),
    result: z.object({
      certificates: z.array(
        z.object({
          thumbprint: z.string(),
          subject: z.string().default(''),
          friendlyName: z.string().optional(),
          dnsNames: z.array(z.string()).default([]),
          notAfter: z.string().optional(),
          hasPrivateKey: z.boolean().optional(),
        }),
      ),
    }),
  },
  winService: {
    args: z.object({ name: z.string() }),
    result: z.object({ exists: z.boolean(), account: z.string().optional() }),
  },
  sqlInstance: {
    args: z.object({ instance: z.string(), major: z.number() }),
    result: z.object({
      installed: z.boolean(),
      tcpPort: z.string().optional(),
      dynamicPorts: z.string().optional(),
      loginMode: z.number().optional(),
      /** The configuration changed since the instance last started (port or login mode not in effect). */
      restartPending: z.boolean().default(false),
    }),
  },
  sql: {
    args: z.object({ connection: sqlConnectionSchema, database: z.string(), logins: z.array(z.string()) }),
    result: z.discriminatedUnion('reachable', [
      z.object({ reachable: z.literal(false), errorNumber: z.number().optional(), message: z.string() }),
      z.object({
        reachable: z.literal(true),
        databaseExists: z.boolean(),
        saEnabled: z.boolean(),
        /** Server roles of the admin connection itself (what provisioning needs). */
        adminRoles: z
          .object({ sysadmin: z.boolean(), dbcreator: z.boolean(), securityadmin: z.boolean() })
          .default({ sysadmin: true, dbcreator: true, securityadmin: true }),
        /** SERVERPROPERTY('ProductVersion') major (11 = 2012 ... 16 = 2022) and master's compatibility level. */
        server: z.object({ major: z.number().int(), masterLevel: z.number().int() }).optional(),
        logins: z.array(
          z.object({
            name: z.string(),
            exists: z.boolean(),
            disabled: z.boolean(),
            userExists: z.boolean(),
            roles: z.array(z.string()),
          }),
        ),
      }),
    ]),
  },
  /** Connected as a DBA-prepared login: database there, usable, roles held (PROBE_LOGIN). */
  sqlLogin: {
    args: z.object({ connection: sqlConnectionSchema, database: z.string(), roles: z.array(z.string()) }),
    result: z.discriminatedUnion('reachable', [
      z.object({ reachable: z.literal(false), errorNumber: z.number().optional(), message: z.string() }),
      z.object({
        reachable: z.literal(true),
        databaseExists: z.boolean(),
        hasAccess: z.boolean(),
        missingRoles: z.array(z.string()),
      }),
    ]),
  },
  /** The reports login's DENYs and which protected tables exist (PROBE_REPORTS_RIGHTS). */
  sqlReportsRights: {
    args: z.object({ connection: sqlConnectionSchema, database: z.string(), login: z.string() }),
    result: z.discriminatedUnion('reachable', [
      z.object({ reachable: z.literal(false), errorNumber: z.number().optional(), message: z.string() }),
      z.object({
        reachable: z.literal(true),
        databaseExists: z.boolean(),
        /** Of auth_user, django_session, authtoken_token: those that exist. */
        tables: z.array(z.string()),
        /** "table" for a table-level DENY SELECT, "table.column" for a column-level one. */
        denied: z.array(z.string()),
      }),
    ]),
  },
  /**
   * Data + log size of one database (what a full backup of it needs at most): the upgrade's disk
   * check. `exists` false when the server has no database of that name.
   */
  sqlDatabaseSize: {
    args: z.object({ connection: sqlConnectionSchema, database: z.string().min(1) }),
    result: z.object({ exists: z.boolean(), bytes: z.number().int().min(0) }),
  },
  /** Total size and count of the files below a folder (hidden ones too): the media the backup copies. */
  folderSize: {
    args: z.object({ path: z.string().min(1) }),
    result: z.object({
      exists: z.boolean(),
      bytes: z.number().int().min(0),
      files: z.number().int().min(0),
    }),
  },
  /** Free space for the caller on the drive or network share holding `path` (the backup folder). */
  diskFree: {
    args: z.object({ path: z.string().min(1) }),
    result: z.object({ known: z.boolean(), freeBytes: z.number().min(0) }),
  },
  firewallRule: {
    args: z.object({ name: z.string() }),
    result: z.object({ exists: z.boolean(), ports: z.array(z.number()).default([]) }),
  },
  acl: {
    args: z.object({ path: z.string() }),
    result: z.object({
      exists: z.boolean(),
      protected: z.boolean().default(false),
      grants: z.array(z.object({ principal: z.string(), rights: z.string() })).default([]),
    }),
  },
  scheduledTask: {
    args: z.object({ name: z.string() }),
    result: z.object({ exists: z.boolean(), description: z.string().optional() }),
  },
  /** Whether an account holds "Log on as a service" (SeServiceLogonRight). */
  logonRight: {
    args: z.object({ account: z.string() }),
    result: z.object({ granted: z.boolean() }),
  },
  /**
   * Named values of one registry key (absent names are left out; a missing key gives {}). The key is
   * written as reg.exe takes it (HKLM\\...); the host maps the root for PowerShell's Registry:: provider.
   */
  registryValues: {
    args: z.object({
      key: z.string().regex(/^HK(LM|EY_LOCAL_MACHINE)\\/),
      names: z.array(z.string()).min(1),
    }),
    result: z.record(z.string(), z.union([z.string(), z.number(), z.array(z.string())])),
  },
  /** The local name of a well-known SID (BUILTIN\\Administrators is localised). */
  accountName: {
    args: z.object({ sid: z.string().regex(/^S-1-5-[0-9-]+$/) }),
    result: z.object({ name: z.string().min(1) }),
  },
  testMail: {
    args: z.object({ python: z.string(), managepy: z.string() }),
    result: z.object({ sent: z.boolean(), error: z.string().optional() }),
  },
  /**
   * A test PDF rendered by a running worker service, as its account (electron/steps/windows/
   * workerScript.ts): the request is dropped into `folder`, the answer read back within `timeoutSeconds`,
   * and the PDF's pages counted from its page objects (no pdfinfo on Windows).
   */
  pdfCheck: {
    args: z.object({
      folder: z.string(),
      id: z.string().regex(/^[0-9a-f]{8,32}$/),
      marker: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
      timeoutSeconds: z.number().int().min(1).max(600),
    }),
    result: z.object({
      answered: z.boolean(),
      result: pdfRenderResultSchema.optional(),
      pages: z.number().int().nullable().optional(),
    }),
  },
} as const;

export type Topic = keyof typeof topics;
export type TopicArgs<T extends Topic> = z.input<(typeof topics)[T]['args']>;
export type TopicResult<T extends Topic> = z.output<(typeof topics)[T]['result']>;

/** Ask the host about a Windows subsystem; the answer is validated before anyone trusts it. */
export async function askWindows<T extends Topic>(
  host: Pick<Host, 'query'>,
  topic: T,
  args: TopicArgs<T>,
): Promise<TopicResult<T>> {
  const r = await host.query({ kind: 'windows', topic, args });
  if (!r.supported)
    throw new InstallerError(
      'WINDOWS_QUERY_UNSUPPORTED',
      `This host cannot answer "${topic}" (it is not a Windows machine).`,
    );
  const parsed = topics[topic].result.safeParse(r.value);
  if (!parsed.success)
    throw new InstallerError(
      'WINDOWS_QUERY_INVALID',
      `The host's answer about "${topic}" was not understood: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  return parsed.data as TopicResult<T>;
}
