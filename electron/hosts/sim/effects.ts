import { createHash } from 'node:crypto';
import type { Effect } from '../../engine/actions/index.js';
import { ensureDir, parentPath, putFile, removePath } from './paths.js';
import type { SimState } from './state.js';

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key (recursively), so several execs can each add to one fact. */
export function deepMerge(target: unknown, source: unknown): unknown {
  if (!isPlainObject(target) || !isPlainObject(source)) return structuredClone(source);
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(source)) out[k] = deepMerge(out[k], v);
  return out;
}

/** A file as the sim stores it: content as given, its real hash (which may differ if masked). */
export function writeSimFile(
  state: SimState,
  path: string,
  stored: string,
  realSha256 = sha256(stored),
): void {
  const parent = parentPath(path);
  if (parent) ensureDir(state, parent);
  putFile(state, path, {
    type: 'file',
    content: stored,
    sha256: realSha256,
    size: Buffer.byteLength(stored, 'utf8'),
  });
}

/** Applies what an exec declared it produces; true when it asks for a reboot. */
export function applyEffects(state: SimState, effects: readonly Effect[]): boolean {
  let reboot = false;
  // An exec that creates a program and records its probe answer (venv: python.exe + version):
  // the answer holds only while the program file exists.
  const program = effects.find((e) => e.kind === 'file');
  for (const e of effects)
    if (e.kind === 'fact' && program?.kind === 'file') state.factPrograms[e.key] = program.path;
  for (const e of effects) {
    switch (e.kind) {
      case 'file':
        writeSimFile(state, e.path, e.content ?? '');
        break;
      case 'dir':
        ensureDir(state, e.path);
        break;
      case 'removed':
        removePath(state, e.path);
        break;
      case 'product':
        state.products[e.id] = { version: e.version, ...(e.name ? { name: e.name } : {}) };
        break;
      case 'productRemoved':
        delete state.products[e.id];
        break;
      case 'fact':
        state.facts[e.key] = deepMerge(state.facts[e.key], e.value);
        break;
      case 'rebootRequired':
        state.rebootRequired = true;
        reboot = true;
        break;
    }
  }
  return reboot;
}
