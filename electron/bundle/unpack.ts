import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import yauzl from 'yauzl';

const openZip = promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open);

/** Every entry of the zip, read through the central directory (no extraction). */
function listEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      entries.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', reject);
    zip.readEntry();
  });
}

/**
 * Copy one executable out of a release zip (uv's zip holds uv.exe, uvx.exe, uvw.exe, at the top or
 * in one folder): the entry whose file name is `member`, wherever it sits. Exactly one must match,
 * so a changed archive layout fails the build instead of shipping the wrong file.
 */
export async function unpackMember(zipFile: string, member: string, dest: string): Promise<void> {
  const zip = await openZip(zipFile, { lazyEntries: true, autoClose: false, strictFileNames: true });
  try {
    const matches = (await listEntries(zip)).filter(
      (e) => !e.fileName.endsWith('/') && path.posix.basename(e.fileName) === member,
    );
    if (matches.length !== 1) {
      throw new Error(
        `${path.basename(zipFile)} holds ${matches.length} entries named ${member} (expected exactly one).`,
      );
    }
    const stream = await promisify<yauzl.Entry, Readable>(zip.openReadStream.bind(zip))(matches[0]!);
    await mkdir(path.dirname(dest), { recursive: true });
    await pipeline(stream, createWriteStream(dest));
  } finally {
    zip.close();
  }
}
