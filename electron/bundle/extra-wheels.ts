import { copyFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../engine/errors.js';
import { wheelTags } from './python-ldap.js';

/** Platform tags a wheel for a Windows Python of this arch may carry. */
const fitsArch = (platforms: string[], arch: 'x64' | 'x86') =>
  platforms.some((p) => p === 'any' || p === (arch === 'x64' ? 'win_amd64' : 'win32'));

/**
 * `bundle create --extra-wheel FILE`: each file is checked (a wheel by its PEP 427 name, for this
 * arch) before anything is downloaded; `copyExtraWheels` then puts them into the wheelhouse and the
 * manifest hashes them with the rest.
 */
export async function checkExtraWheels(files: string[], arch: 'x64' | 'x86'): Promise<void> {
  const issues: { path: string; message: string }[] = [];
  for (const f of files) {
    const name = path.basename(f);
    const tags = wheelTags(name);
    const st = await stat(f).catch(() => undefined);
    if (!st?.isFile()) issues.push({ path: '--extra-wheel', message: `${f} is not a readable file` });
    else if (!tags)
      issues.push({
        path: '--extra-wheel',
        message: `${name} is not a wheel file name (name-version-python-abi-platform.whl)`,
      });
    else if (!fitsArch(tags.platform, arch))
      issues.push({
        path: '--extra-wheel',
        message: `${name} is for ${tags.platform.join('.')}, not a ${arch} Windows Python (${arch === 'x64' ? 'win_amd64' : 'win32'})`,
      });
  }
  if (issues.length)
    throw new InputError(
      'EXTRA_WHEEL_INVALID',
      'An --extra-wheel cannot be added to this bundle; nothing was built.',
      issues,
    );
}

/** Copies the checked wheels into the wheelhouse; returns their file names. */
export async function copyExtraWheels(files: string[], wheelDir: string): Promise<Set<string>> {
  const added = new Set<string>();
  for (const f of files) {
    await copyFile(f, path.join(wheelDir, path.basename(f)));
    added.add(path.basename(f));
  }
  return added;
}
