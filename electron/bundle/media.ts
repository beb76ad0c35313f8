import { copyFile, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../engine/errors.js';
import type { Artifact } from '../engine/catalog-schema.js';
import { hashFiles } from './hash-pool.js';
import type { ManifestFile } from './manifest.js';

/** An artifact whose download is only a bootstrapper, and the offline media file given for it. */
export interface MediaItem {
  artifact: Artifact & { offlineMedia: NonNullable<Artifact['offlineMedia']> };
  from: string;
}

export const mediaFlag = (id: string) => `--${id}-media`;

/**
 * Split the selected artifacts into those to download and those replaced by user-provided offline
 * media. Throws before anything is downloaded when media is missing or names no such artifact.
 */
export function planMedia(
  selected: Artifact[],
  media: Record<string, string> = {},
): { download: Artifact[]; media: MediaItem[] } {
  const known = new Set(selected.filter((a) => a.offlineMedia).map((a) => a.id));
  const unknown = Object.keys(media).filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new InputError(
      'BUNDLE_MEDIA_UNEXPECTED',
      `Offline media was given for ${unknown.join(', ')}, which needs none (or is not in this release).`,
      unknown.map((id) => ({
        path: mediaFlag(id),
        message: `only for: ${[...known].join(', ') || 'no artifact of this release'}`,
      })),
    );
  }
  const download: Artifact[] = [];
  const items: MediaItem[] = [];
  const missing: MediaItem['artifact'][] = [];
  for (const a of selected) {
    if (!a.offlineMedia) download.push(a);
    else if (media[a.id])
      items.push({ artifact: { ...a, offlineMedia: a.offlineMedia }, from: media[a.id]! });
    else missing.push({ ...a, offlineMedia: a.offlineMedia });
  }
  if (missing.length > 0) {
    throw new InputError(
      'BUNDLE_MEDIA_MISSING',
      missing
        .map(
          (a) =>
            `${a.file} (${a.id}) is a web bootstrapper that needs the internet when run, so it cannot install on an air-gapped server. ` +
            `Prepare the offline media on a connected Windows machine: ${a.offlineMedia.prepare} — it writes ${a.offlineMedia.file}.`,
        )
        .join('\n'),
      missing.map((a) => ({ path: mediaFlag(a.id), message: `required with --include ${a.id}` })),
      `Pass that file with ${missing.map((a) => `${mediaFlag(a.id)} <path to ${a.offlineMedia.file}>`).join(' ')}, or leave ${missing.map((a) => a.id).join(', ')} out of --include.`,
    );
  }
  return { download, media: items };
}

/** Windows executables start with "MZ": catches a wrong file (an HTML error page, a zip) early. */
export async function checkMedia(items: MediaItem[]): Promise<void> {
  for (const item of items) await assertExecutable(item);
}

async function assertExecutable(item: MediaItem): Promise<void> {
  const flag = mediaFlag(item.artifact.id);
  let head: Buffer;
  try {
    const fh = await open(item.from, 'r');
    try {
      const { buffer, bytesRead } = await fh.read({ buffer: Buffer.alloc(2), position: 0 });
      head = buffer.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch {
    throw new InputError('BUNDLE_MEDIA_UNREADABLE', `Cannot read ${item.from}.`, [
      { path: flag, message: `must be a readable ${item.artifact.offlineMedia.file}` },
    ]);
  }
  if (head.toString('latin1') !== 'MZ') {
    throw new InputError('BUNDLE_MEDIA_INVALID', `${item.from} is not a Windows executable.`, [
      { path: flag, message: `must be the ${item.artifact.offlineMedia.file} written by the bootstrapper` },
    ]);
  }
}

/** Copy each media file into artifacts/ under its catalog name and pin it in the manifest. */
export async function addMedia(items: MediaItem[], out: string): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const item of items) {
    const rel = `artifacts/${item.artifact.offlineMedia.file}`;
    const dest = path.join(out, 'artifacts', item.artifact.offlineMedia.file);
    await mkdir(path.dirname(dest), { recursive: true });
    await copyFile(item.from, dest);
    const h = (await hashFiles([{ file: dest }])).get(dest);
    if (!h || 'error' in h)
      throw new Error(`could not hash ${rel}: ${h && 'error' in h ? h.error : 'no result'}`);
    files.push({
      path: rel,
      size: h.size,
      sha256: h.sha256,
      kind: 'artifact',
      id: item.artifact.id,
      version: item.artifact.version,
    });
  }
  return files;
}
