import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { RELEASE_ID } from '../catalog-schema.js';

/**
 * The release running on the machine, recorded in the installer's state folder when an upgrade
 * switches services to a new release (the posix equivalent of the ARP DisplayVersion). Before any
 * upgrade the deployment's answers name it: they are the answers it was installed with.
 */
export const INSTALLED_RELEASE_FILE = 'installed-release.json';

export const installedReleaseSchema = z.object({
  release: z.string().regex(RELEASE_ID),
  /** Folder of the release's code and venv (release-versioned, never overwritten in place). */
  releaseDir: z.string().optional(),
  /** The release it replaced, kept until `keepUntil` for a manual rollback. */
  previous: z
    .object({
      release: z.string(),
      releaseDir: z.string().optional(),
      keepUntil: z.string(),
      /** 3.x -> 4.0 (new-database path): the old database, dropped once keepUntil passed. */
      database: z.string().min(1).optional(),
      /** The upgrade's backup of that database, verified before it is dropped. */
      backupFile: z.string().min(1).optional(),
    })
    .optional(),
  backupDir: z.string().optional(),
  /** Set by the major path (3.x -> 4.0): the new database the release runs on (the answers name the old). */
  databaseName: z.string().min(1).optional(),
  upgradedAt: z.string().optional(),
  /** The deployment's answers for this release (secrets as env references): what repair plans for. */
  answers: z.record(z.string(), z.unknown()).optional(),
});
export type InstalledRelease = z.infer<typeof installedReleaseSchema>;

export async function readInstalledRelease(
  stateDir: string,
  answersRelease: string,
): Promise<InstalledRelease & { source: 'record' | 'answers' }> {
  const file = path.join(stateDir, INSTALLED_RELEASE_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return { release: answersRelease, source: 'answers' };
  }
  const parsed = installedReleaseSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a valid installed-release record`);
  return { ...parsed.data, source: 'record' };
}

export async function writeInstalledRelease(stateDir: string, record: InstalledRelease): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  await writeFile(path.join(stateDir, INSTALLED_RELEASE_FILE), `${JSON.stringify(record, null, 2)}\n`, {
    mode: 0o600,
  });
}
