import { z } from 'zod';
import { secretRefSchema } from '../secrets.js';

/**
 * Windows-only actions. The `windows` host turns them into argv for appcmd/netsh/icacls/schtasks or
 * into `mssql` requests; the `sim` host applies them to its JSON state. Owned by the Windows step
 * catalog: extend this file, keep every action serialisable and free of secret values.
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

/** One T-SQL batch with typed parameters. Identifiers go through QUOTENAME inside the batch. */
export const sqlActionSchema = z.object({
  kind: z.literal('sql'),
  ...base,
  connection: sqlConnectionSchema,
  batch: z.string().min(1),
  params: z.record(z.string(), sqlParamSchema).default({}),
});

export const aclActionSchema = z.object({
  kind: z.literal('acl'),
  ...base,
  path: z.string().min(1),
  /** Remove inherited entries so only the grants below apply. */
  protect: z.boolean().default(true),
  grants: z.array(
    z.object({
      principal: z.string().min(1),
      rights: z.enum(['F', 'M', 'RX', 'R', 'W']),
      inherit: z.boolean().default(true),
    }),
  ),
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
  op: z.enum(['set', 'delete']),
  key: z.string().min(1),
  name: z.string(),
  type: z.enum(['REG_SZ', 'REG_DWORD', 'REG_EXPAND_SZ', 'REG_MULTI_SZ']).optional(),
  value: z.union([z.string(), z.number(), z.array(z.string())]).optional(),
});

export const scheduledTaskActionSchema = z.object({
  kind: z.literal('scheduledTask'),
  ...base,
  op: z.enum(['ensure', 'remove']),
  name: z.string().min(1),
  /** Task Scheduler XML (schtasks /Create /XML), no secrets. */
  xml: z.string().optional(),
});

/**
 * IIS configuration as data (site, app pool, web farm, server variables, global sections).
 * The windows host turns each op into appcmd argv; sim records it. Shape owned by the IIS step.
 */
export const iisActionSchema = z.object({
  kind: z.literal('iis'),
  ...base,
  op: z.string().min(1),
  target: z.string().min(1),
  settings: z.record(z.string(), z.unknown()).default({}),
});

export const windowsActionSchemas = [
  sqlActionSchema,
  aclActionSchema,
  firewallActionSchema,
  registryActionSchema,
  scheduledTaskActionSchema,
  iisActionSchema,
] as const;
