import { z } from 'zod';
import { MANIFEST_FILE } from '../../bundle/manifest.js';
import type { Answers } from '../../engine/answers/index.js';
import type { Layout } from '../../engine/layout.js';
import { INSTALLED_RELEASE_FILE, type InstalledRelease } from '../../engine/upgrade/installed-release.js';
import type { UpgradeFacts } from '../../engine/upgrade/preflight.js';
import {
  UPGRADE_STATE_FILE,
  winUpgradeStateSchema,
  type WinUpgradeState,
} from '../../engine/upgrade/upgrade-state.js';
import type { Host } from '../../engine/host.js';
import { adminConnection } from '../../windows/names.js';
import { askWindows } from '../../windows/topics.js';

/** Any host that answers queries: the real Windows Server and the sim host alike. */
type QueryHost = Pick<Host, 'query'>;

const recordSchema = z.object({
  release: z.string(),
  releaseDir: z.string().optional(),
  /** The new release's answers (the 3 -> 4 path names the new database there). */
  answers: z
    .object({ database: z.object({ name: z.string() }).partial() })
    .partial()
    .optional(),
});
const manifestReleaseSchema = z.object({ release: z.string() });

/** The installed-release record on the target (written by the upgrade's record phase). */
export async function readWindowsInstalled(
  host: QueryHost,
  layout: Layout,
  answersRelease: string,
): Promise<
  Pick<InstalledRelease, 'release' | 'releaseDir' | 'databaseName'> & { source: 'record' | 'answers' }
> {
  const file = layout.join(layout.stateDir, INSTALLED_RELEASE_FILE);
  const r = await host.query({ kind: 'file', path: file, content: true });
  if (!r.exists || r.type !== 'file' || !r.content) return { release: answersRelease, source: 'answers' };
  const parsed = recordSchema.safeParse(JSON.parse(r.content));
  if (!parsed.success) throw new Error(`${file} on the server is not a valid installed-release record`);
  const { release, releaseDir, answers } = parsed.data;
  const databaseName = answers?.database?.name;
  return {
    release,
    ...(releaseDir ? { releaseDir } : {}),
    ...(databaseName ? { databaseName } : {}),
    source: 'record',
  };
}

/** The upgrade state a killed Windows upgrade left on the target (windows-upgrade.ts writes it). */
export async function readWindowsUpgradeState(
  host: QueryHost,
  layout: Layout,
): Promise<WinUpgradeState | undefined> {
  const file = layout.join(layout.stateDir, UPGRADE_STATE_FILE);
  const r = await host.query({ kind: 'file', path: file, content: true });
  if (!r.exists || r.type !== 'file' || !r.content) return undefined;
  const parsed = winUpgradeStateSchema.safeParse(JSON.parse(r.content));
  if (!parsed.success) throw new Error(`${file} on the server is not a valid upgrade state`);
  return parsed.data;
}

/**
 * The facts checkUpgrade decides on, asked of the server: the bundle's manifest (its release), free
 * disk where the backup goes, and what the backup needs (the database's data + log size from
 * sys.master_files, the `sqlDatabaseSize` topic, + the media files, the `folderSize` topic) and
 * the free space of the backup folder's drive or share (`diskFree`).
 */
export async function windowsUpgradeFacts(
  host: QueryHost,
  answers: Answers,
  layout: Layout,
): Promise<Pick<UpgradeFacts, 'bundle' | 'backupFreeBytes' | 'backupNeededBytes' | 'backupDir'>> {
  let bundle: UpgradeFacts['bundle'];
  const dir = answers.paths.bundleDir;
  if (!dir) bundle = { problem: 'no bundle folder in the answers (paths.bundleDir)' };
  else {
    const m = await host.query({ kind: 'file', path: `${dir}\\${MANIFEST_FILE}`, content: true });
    const parsed = m.exists && m.content ? manifestReleaseSchema.safeParse(JSON.parse(m.content)) : undefined;
    bundle = parsed?.success
      ? { release: parsed.data.release }
      : { problem: `${dir}\\${MANIFEST_FILE} was not found or names no release` };
  }
  const os = await host.query({ kind: 'os' });
  const db = await askWindows(host, 'sqlDatabaseSize', {
    connection: adminConnection(answers),
    database: answers.database.name,
  });
  const media = await askWindows(host, 'folderSize', { path: layout.mediaRoot });
  // The backup folder's own drive or share (osInfo's figure is the C: drive's); a drive the
  // server cannot read falls back to that figure.
  const disk = await askWindows(host, 'diskFree', { path: layout.backupDir });
  return {
    bundle,
    backupFreeBytes: disk.known ? disk.freeBytes : (os.freeDiskBytes ?? 0),
    backupNeededBytes: db.bytes + media.bytes,
    backupDir: layout.backupDir,
  };
}
