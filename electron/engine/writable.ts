import { accessSync, constants, mkdirSync } from 'node:fs';
import { InputError } from './errors.js';

const FS_REFUSALS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'ENOENT']);

/**
 * Creates `dir` if needed and checks it can be written, before anything on the machine changes.
 * A refusal is bad input (exit 64) naming the answer or flag that chose the folder.
 */
export function ensureWritableDir(dir: string, field: { path: string; what: string }): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    if (!FS_REFUSALS.has(code)) throw e;
    throw new InputError(
      'PATH_NOT_WRITABLE',
      `The installer cannot write ${field.what} ${dir} (${code}); nothing was changed.`,
      [{ path: field.path, message: `must name a folder the installer can create and write (${dir})` }],
      `Choose another ${field.path}, or fix the permissions of ${dir}.`,
    );
  }
}
