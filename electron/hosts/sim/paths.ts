import type { SimState } from './state.js';

type SimFile = SimState['files'][string];

/**
 * NTFS paths are case-insensitive and accept both separators: `C:/QATrack/` and `c:\qatrack` are one
 * folder. Keys stay as first written (readable state file); lookups go through the normal form.
 */
export function normalizePath(p: string): string {
  let n = p.replace(/\//g, '\\').replace(/\\+/g, '\\').toLowerCase();
  if (n.length > 1 && n.endsWith('\\') && !/^[a-z]:\\$/.test(n)) n = n.slice(0, -1);
  return n;
}

/** The parent folder's path, or undefined at a root (`C:\`, `\\`). */
export function parentPath(p: string): string | undefined {
  const clean = p.replace(/[\\/]+$/, '');
  const i = Math.max(clean.lastIndexOf('\\'), clean.lastIndexOf('/'));
  if (i < 0) return undefined;
  const parent = clean.slice(0, i);
  if (/^[A-Za-z]:$/.test(parent)) return parent + '\\';
  return parent.length ? parent : undefined;
}

const indexes = new WeakMap<object, Map<string, string>>();

function indexFor(files: SimState['files']): Map<string, string> {
  let index = indexes.get(files);
  if (!index || index.size !== Object.keys(files).length) {
    index = new Map(Object.keys(files).map((k) => [normalizePath(k), k]));
    indexes.set(files, index);
  }
  return index;
}

/** The key under which `p` is stored (any case, any separator), if it is. */
export function findKey(state: SimState, p: string): string | undefined {
  const key = indexFor(state.files).get(normalizePath(p));
  if (key !== undefined && key in state.files) return key;
  // Someone changed state.files behind the index: rebuild once.
  indexes.delete(state.files);
  const again = indexFor(state.files).get(normalizePath(p));
  return again !== undefined && again in state.files ? again : undefined;
}

export function getFile(state: SimState, p: string): SimFile | undefined {
  const key = findKey(state, p);
  return key === undefined ? undefined : state.files[key];
}

export function putFile(state: SimState, p: string, file: SimFile): void {
  const key = findKey(state, p) ?? p;
  state.files[key] = file;
  indexFor(state.files).set(normalizePath(p), key);
}

/** mkdir -p. */
export function ensureDir(state: SimState, p: string): void {
  const parent = parentPath(p);
  if (parent && !getFile(state, parent)) ensureDir(state, parent);
  const existing = getFile(state, p);
  if (!existing) putFile(state, p, { type: 'dir', size: 0 });
}

const isInside = (child: string, parent: string) =>
  child.startsWith(parent.endsWith('\\') ? parent : parent + '\\');

/** Keys of everything below `p` (not `p` itself). */
export function descendants(state: SimState, p: string): string[] {
  const n = normalizePath(p);
  return Object.keys(state.files).filter((k) => isInside(normalizePath(k), n));
}

/** Direct children of `p`. */
export function children(state: SimState, p: string): { key: string; name: string }[] {
  const n = normalizePath(p);
  const prefix = n.endsWith('\\') ? n : n + '\\';
  return Object.keys(state.files)
    .filter((k) => {
      const nk = normalizePath(k);
      return nk.startsWith(prefix) && !nk.slice(prefix.length).includes('\\') && nk.length > prefix.length;
    })
    .map((key) => ({
      key,
      name: key
        .replace(/[\\/]+$/, '')
        .split(/[\\/]/)
        .pop()!,
    }));
}

export function removePath(state: SimState, p: string): void {
  for (const k of descendants(state, p)) delete state.files[k];
  const key = findKey(state, p);
  if (key !== undefined) delete state.files[key];
  indexes.delete(state.files);
}
