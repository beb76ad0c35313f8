import { z } from 'zod';
import { serviceSpecSchema } from '../../engine/actions/index.js';

/**
 * The simulated Windows machine, kept in a JSON file so that successive CLI runs see each other's
 * changes. Paths are stored as given; lookups are case-insensitive like NTFS (see the sim host).
 */
export const simFileSchema = z.object({
  type: z.enum(['file', 'dir']),
  content: z.string().optional(),
  sha256: z.string().optional(),
  size: z.number().int().default(0),
});

export const simServiceSchema = z.object({
  state: z.enum(['running', 'stopped']),
  spec: serviceSpecSchema,
  specHash: z.string(),
});

/** Make the next matching action fail, to test that repair converges from any point. */
export const simFaultSchema = z.object({
  /** Matches when the action's kind equals this (if set)... */
  kind: z.string().optional(),
  /** ...and its describe line contains this text (if set). */
  describeIncludes: z.string().optional(),
  message: z.string().default('Injected fault'),
  /** For exec: exit with this code instead of failing outright (okExitCodes/rebootExitCodes apply). */
  exitCode: z.number().int().optional(),
  /** How many matching actions fail before the fault is used up. */
  times: z.number().int().min(1).default(1),
});

/**
 * How long simulated actions take, so a parallel apply really has actions in flight together (the
 * sim otherwise applies each one at once). Keys: an action kind, or `msi` for an exec that runs a
 * Windows Installer transaction (it wins over `exec`). Milliseconds.
 */
export const simLatencySchema = z.record(z.string(), z.number().int().min(0).max(60_000));

/** What the sim saw while actions ran together: tests read it to prove what never overlapped. */
export const simConcurrencySchema = z.object({
  /** Most actions in flight at one moment. */
  maxInFlight: z.number().int().default(0),
  /** Windows Installer transactions that ran (each msiexec or MSI bootstrapper exec). */
  msiTransactions: z.number().int().default(0),
  /** Each time an MSI started while another held the mutex: it was refused with 1618. */
  msiOverlaps: z.array(z.object({ running: z.string(), refused: z.string() })).default([]),
});

export const simStateSchema = z.object({
  version: z.literal(1).default(1),
  os: z
    .object({
      name: z.string().default('Windows Server 2022 Datacenter'),
      release: z.string().default('10.0.20348'),
      arch: z.enum(['x64', 'x86', 'arm64']).default('x64'),
      hostname: z.string().default('QATRACK-SRV'),
      timeZone: z.string().default('W. Europe Standard Time'),
      elevated: z.boolean().default(true),
      pendingReboot: z.boolean().default(false),
      freeDiskBytes: z.number().default(200 * 1024 ** 3),
    })
    .prefault({}),
  files: z.record(z.string(), simFileSchema).default({}),
  products: z
    .record(
      z.string(),
      z.object({ version: z.string(), name: z.string().optional(), location: z.string().optional() }),
    )
    .default({}),
  services: z.record(z.string(), simServiceSchema).default({}),
  /** Listeners that exist before the installer runs (e.g. Default Web Site on :80). */
  ports: z
    .record(
      z.string(),
      z.object({
        pid: z.number().optional(),
        process: z.string().optional(),
        service: z.string().optional(),
        iisSite: z.string().optional(),
      }),
    )
    .default({}),
  facts: z.record(z.string(), z.unknown()).default({}),
  /** Fact key -> the program file created with it: once that file is gone, the exec is not found. */
  factPrograms: z.record(z.string(), z.string()).default({}),
  /** Windows subsystems (iis, sql, firewall, registry, tasks, features, certificates), owned by the Windows sim handlers. */
  windows: z.record(z.string(), z.unknown()).default({}),
  faults: z.array(simFaultSchema).default([]),
  latencyMs: simLatencySchema.optional(),
  concurrency: simConcurrencySchema.optional(),
  rebootRequired: z.boolean().default(false),
});
export type SimState = z.infer<typeof simStateSchema>;
