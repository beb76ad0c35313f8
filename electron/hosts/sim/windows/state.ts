import { z } from 'zod';
import { iisSiteSchema } from '../../../windows/topics.js';
import { descendants, getFile } from '../paths.js';
import type { SimState } from '../state.js';

/**
 * The Windows subsystems of the simulated machine, kept under `state.windows`: features, IIS, SQL
 * Server, firewall, ACLs, scheduled tasks, registry, certificates and service accounts.
 */
export const simWindowsSchema = z.object({
  features: z.array(z.string()).default([]),
  iis: z
    .object({
      proxy: z
        .object({ enabled: z.boolean(), preserveHostHeader: z.boolean(), timeout: z.string() })
        .nullable()
        .default(null),
      appPools: z.array(z.string()).default([]),
      // The same shape the IIS query topic answers, so the sim cannot drift from what steps read.
      sites: z.array(iisSiteSchema).default([]),
      webFarms: z
        .array(
          z.object({
            name: z.string(),
            servers: z.array(z.object({ address: z.string(), httpPort: z.number() })),
            healthCheckUrl: z.string().optional(),
          }),
        )
        .default([]),
      allowedServerVariables: z.array(z.string()).default([]),
      sslBindings: z.array(z.object({ port: z.number(), thumbprint: z.string() })).default([]),
    })
    .prefault({}),
  sql: z
    .object({
      /** An existing SQL Server the installer may use (mode "existing"); Express counts once installed. */
      available: z.boolean().default(false),
      /** Server roles of the installer's admin connection (SQL Server setup makes its admin sysadmin). */
      adminRoles: z.array(z.string()).default(['sysadmin']),
      /**
       * Major version (13 = 2016, 14 = 2017, 15 = 2019, 16 = 2022; 12 = 2014) and the compatibility
       * level of the database the installer's batches run in (master). A level below 130 has no
       * STRING_SPLIT ("the Database Engine is unable to find the STRING_SPLIT function",
       * https://learn.microsoft.com/sql/t-sql/functions/string-split-transact-sql); master's level is
       * the server's default level (https://learn.microsoft.com/sql/t-sql/statements/alter-database-transact-sql-compatibility-level).
       */
      major: z.number().int().default(16),
      compatibilityLevel: z.number().int().default(160),
      databases: z
        .record(
          z.string(),
          z.object({
            users: z.record(z.string(), z.object({ roles: z.array(z.string()) })),
            /** DENY SELECT per database user: "table" or "table.column" (DENY_REPORTS). */
            denied: z.record(z.string(), z.array(z.string())).default({}),
            /** Data and log size, what a full backup of it needs (the upgrade's disk check). */
            sizeBytes: z.number().int().min(0).optional(),
          }),
        )
        .default({}),
      logins: z
        .record(z.string(), z.object({ disabled: z.boolean(), windows: z.boolean().default(false) }))
        .default({
          sa: { disabled: true, windows: false },
        }),
    })
    .prefault({}),
  firewall: z.record(z.string(), z.object({ ports: z.array(z.number()), protocol: z.string() })).default({}),
  acls: z
    .record(
      z.string(),
      z.object({
        protected: z.boolean(),
        grants: z.array(z.object({ principal: z.string(), rights: z.string() })),
      }),
    )
    .default({}),
  tasks: z.record(z.string(), z.object({ xml: z.string() })).default({}),
  registry: z
    .record(z.string(), z.record(z.string(), z.union([z.string(), z.number(), z.array(z.string())])))
    .default({}),
  certificates: z
    .array(
      z.object({
        thumbprint: z.string(),
        friendlyName: z.string().optional(),
        dnsNames: z.array(z.string()),
      }),
    )
    .default([]),
  serviceAccounts: z.record(z.string(), z.string()).default({}),
  /** Accounts holding "Log on as a service" (SeServiceLogonRight), lower case. */
  logonRights: z.array(z.string()).default([]),
  /**
   * Names of well-known SIDs in this Windows' language (default English). German Windows names
   * S-1-5-32-544 "VORDEFINIERT\\Administratoren":
   * https://learn.microsoft.com/windows-server/identity/ad-ds/manage/understand-security-identifiers
   * lists the SID; the localised name is what LookupAccountSid answers on a German system.
   */
  accountNames: z.record(z.string(), z.string()).default({ 'S-1-5-32-544': 'BUILTIN\\Administrators' }),
  /** Loopback address each worker service binds (from its install action). */
  serviceAddresses: z.record(z.string(), z.string()).default({}),
  /** Port and login mode each SQL instance started with (registry changes apply at restart). */
  sqlEffective: z.record(z.string(), z.string()).default({}),
  /** False to simulate an SMTP server that refuses the test mail. */
  smtpReachable: z.boolean().default(true),
});
export type SimWindows = z.infer<typeof simWindowsSchema>;

/** The typed Windows part of the sim state, created with defaults on first use (mutations stick). */
export function simWindows(state: SimState): SimWindows {
  const parsed = simWindowsSchema.parse(state.windows);
  Object.assign(state.windows, parsed);
  return state.windows as unknown as SimWindows;
}

/** A folder exists when it was made, or when anything lies inside it (NTFS-like, any case). */
export function simPathExists(state: SimState, path: string): boolean {
  return getFile(state, path) !== undefined || descendants(state, path).length > 0;
}

export const simFile = (state: SimState, path: string) => getFile(state, path);

export const regKey = (key: string) => key.toLowerCase();
