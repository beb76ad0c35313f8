import { parseArgs } from 'node:util';
import { wizardModeSchema, type WizardMode } from '../ipc/contract.js';

/**
 * The wizard's own command line. Add/Remove Programs' Modify runs `"<app>" --mode=reconfigure`, its
 * Repair and the "Repair QATrack+" shortcut `"<app>" --mode=repair` (build/installer.nsi); the wizard
 * then opens in that mode. `--host sim:FILE` previews against a simulated server (no change to this
 * machine; the packed-layout tests use it). Chromium switches Windows or a shortcut adds are ignored.
 */
export type StartArgs =
  { ok: true; mode?: WizardMode; host?: string } | { ok: false; issues: { path: string; message: string }[] };

export function parseStartArgs(argv: readonly string[]): StartArgs {
  const { values } = parseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    options: { mode: { type: 'string' }, host: { type: 'string' } },
  });
  const issues: { path: string; message: string }[] = [];
  let mode: WizardMode | undefined;
  if (values.mode !== undefined) {
    const m = wizardModeSchema.safeParse(values.mode);
    if (m.success) mode = m.data;
    else issues.push({ path: '--mode', message: `must be one of ${wizardModeSchema.options.join(', ')}` });
  }
  const host = values.host;
  if (host !== undefined && (typeof host !== 'string' || !/^sim:.+/.test(host)))
    issues.push({ path: '--host', message: 'must be sim:<state file> (the real machine is the default)' });
  if (issues.length) return { ok: false, issues };
  return { ok: true, ...(mode ? { mode } : {}), ...(typeof host === 'string' ? { host } : {}) };
}
