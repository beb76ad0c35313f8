import path from 'node:path';
import { InputError } from '../engine/errors.js';
import type { SecretStore } from '../engine/secrets.js';
import type { Host } from '../engine/host.js';

export interface CreateHostOptions {
  /** plan/verify: the sim host neither locks nor writes its state. */
  readOnly?: boolean;
  /** Names the run holding a lock (sim state), for the error another run gets. */
  owner?: string;
  platform?: NodeJS.Platform;
  /** posix: where supervised services keep their spec and pid files (the layout's servicesDir). */
  posixRunDir?: string;
  /** Resolves SecretRefs in queries that must log in (posix `database`). */
  secrets?: SecretStore;
}

export type HostSpec = { kind: 'windows' } | { kind: 'posix' } | { kind: 'sim'; file: string };

const HELP = 'Use --host windows, --host posix or --host sim:STATEFILE.';

/** Parses `windows | posix | sim:FILE`; without one, windows on Windows and an error elsewhere. */
export function parseHostSpec(
  spec: string | undefined,
  platform: NodeJS.Platform = process.platform,
): HostSpec {
  if (spec === undefined || spec === '') {
    if (platform === 'win32') return { kind: 'windows' };
    throw new InputError(
      'HOST_REQUIRED',
      `--host is required on ${platform}.`,
      [{ path: '--host', message: 'is required' }],
      HELP,
    );
  }
  if (spec === 'windows' || spec === 'posix') return { kind: spec };
  if (spec.startsWith('sim:') && spec.length > 4) return { kind: 'sim', file: path.resolve(spec.slice(4)) };
  throw new InputError(
    'HOST_INVALID',
    `Unknown host "${spec}".`,
    [{ path: '--host', message: 'must be windows, posix or sim:STATEFILE' }],
    HELP,
  );
}

export const formatHostSpec = (h: HostSpec) => (h.kind === 'sim' ? `sim:${h.file}` : h.kind);

export async function createHost(
  spec: string | HostSpec | undefined,
  options: CreateHostOptions = {},
): Promise<Host> {
  const h = typeof spec === 'object' ? spec : parseHostSpec(spec, options.platform);
  // Each host is loaded only when used: the posix host's process tooling and the Windows host's SQL
  // client cost hundreds of milliseconds at startup that a sim plan does not need.
  switch (h.kind) {
    case 'windows': {
      const { createWindowsHost } = await import('./windows/host.js');
      return createWindowsHost(options.secrets);
    }
    case 'posix': {
      const { createPosixHost } = await import('./posix/host.js');
      return createPosixHost({ runDir: options.posixRunDir, secrets: options.secrets });
    }
    case 'sim': {
      const { createSimHost } = await import('./sim/host.js');
      return createSimHost(h.file, { readOnly: options.readOnly, owner: options.owner });
    }
  }
}
