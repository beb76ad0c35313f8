import path from 'node:path';
import { InputError } from '../engine/errors.js';
import type { Host } from './host.js';
import { createPosixHost } from './posix/host.js';
import { createSimHost } from './sim/host.js';
import { createWindowsHost } from './windows/host.js';

export interface CreateHostOptions {
  /** plan/verify: the sim host neither locks nor writes its state. */
  readOnly?: boolean;
  platform?: NodeJS.Platform;
  /** posix: where supervised services keep their spec and pid files (the layout's servicesDir). */
  posixRunDir?: string;
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
  switch (h.kind) {
    case 'windows':
      return createWindowsHost();
    case 'posix':
      return createPosixHost({ runDir: options.posixRunDir });
    case 'sim':
      return createSimHost(h.file, { readOnly: options.readOnly });
  }
}
