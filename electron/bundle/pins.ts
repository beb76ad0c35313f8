import { readFile } from 'node:fs/promises';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { resources } from '../engine/resources.js';
import { pinKey, pinsFileSchema, type Artifact, type Pin, type PinsFile } from '../engine/catalog-schema.js';

/** Reviewed pins live beside the catalog, in the configured resources folder. */
export const defaultPinsDir = () => resources().pinsDir;

export async function loadPins(release: string, dir = defaultPinsDir()): Promise<PinsFile> {
  let raw: string;
  try {
    raw = await readFile(path.join(dir, `${release}.json`), 'utf8');
  } catch {
    return { release, pins: {} };
  }
  return pinsFileSchema.parse(JSON.parse(raw));
}

export async function savePins(file: PinsFile, dir = defaultPinsDir()): Promise<string> {
  const target = path.join(dir, `${file.release}.json`);
  const sorted = Object.fromEntries(Object.entries(file.pins).sort(([a], [b]) => (a < b ? -1 : 1)));
  await writeFileAtomic(target, `${JSON.stringify({ release: file.release, pins: sorted }, null, 2)}\n`);
  return target;
}

/** The hash an artifact must have: the catalog's published one, else the reviewed pin. */
export function expectedPin(a: Artifact, pins: PinsFile): { sha256: string; size?: number } | undefined {
  if (a.sha256) return { sha256: a.sha256, size: a.size };
  const pin: Pin | undefined = pins.pins[pinKey(a)];
  return pin ? { sha256: pin.sha256, size: pin.size } : undefined;
}
