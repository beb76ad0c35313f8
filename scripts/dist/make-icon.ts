/**
 * Draws the app icon (a white check mark and plus on a rounded blue square: "QA" and "+") and writes
 * build/icon.ico with PNG-compressed frames at the sizes Windows asks for (16-256 px). Run once when
 * the design changes: `npx tsx scripts/dist/make-icon.ts`; the .ico is committed.
 */
import { writeFile } from 'node:fs/promises';
import { deflateSync } from 'node:zlib';

const SIZES = [16, 24, 32, 48, 64, 128, 256];
type Rgba = [number, number, number, number];

/** Signed distance from p to segment a-b minus half the stroke width. */
function segment(px: number, py: number, ax: number, ay: number, bx: number, by: number, w: number): number {
  const [dx, dy] = [bx - ax, by - ay];
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy)) - w / 2;
}

function roundedSquare(px: number, py: number, half: number, radius: number): number {
  const qx = Math.abs(px - 0.5) - half + radius;
  const qy = Math.abs(py - 0.5) - half + radius;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

/** Colour at unit coordinates (0..1). */
function shade(x: number, y: number): Rgba {
  if (roundedSquare(x, y, 0.47, 0.16) > 0) return [0, 0, 0, 0];
  const check = Math.min(segment(x, y, 0.2, 0.55, 0.4, 0.74, 0.11), segment(x, y, 0.4, 0.74, 0.64, 0.42, 0.11));
  const plus = Math.min(segment(x, y, 0.76, 0.14, 0.76, 0.36, 0.075), segment(x, y, 0.65, 0.25, 0.87, 0.25, 0.075));
  if (check <= 0 || plus <= 0) return [255, 255, 255, 255];
  const t = y; // vertical gradient, darker at the bottom
  return [Math.round(30 - 10 * t), Math.round(110 - 30 * t), Math.round(200 - 40 * t), 255];
}

function render(size: number): Buffer {
  const ss = 4; // 4x4 supersampling for smooth edges
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // PNG filter: none
    for (let x = 0; x < size; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const c = shade((x + (sx + 0.5) / ss) / size, (y + (sy + 0.5) / ss) / size);
          for (let i = 0; i < 3; i++) acc[i]! += c[i]! * c[3];
          acc[3]! += c[3];
        }
      }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      const a = acc[3]!;
      for (let i = 0; i < 3; i++) raw[o + i] = a === 0 ? 0 : Math.round(acc[i]! / a);
      raw[o + 3] = Math.round(a / (ss * ss));
    }
  }
  return png(size, raw);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size: number, raw: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(6, 9); // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** ICO container (ICONDIR + ICONDIRENTRY per frame), PNG frames as Windows Vista+ accepts. */
export function ico(frames: { size: number; data: Buffer }[]): Buffer {
  const header = Buffer.alloc(6 + 16 * frames.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(frames.length, 4);
  let offset = header.length;
  frames.forEach((f, i) => {
    const e = 6 + 16 * i;
    header.writeUInt8(f.size >= 256 ? 0 : f.size, e);
    header.writeUInt8(f.size >= 256 ? 0 : f.size, e + 1);
    header.writeUInt16LE(1, e + 4); // planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(f.data.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += f.data.length;
  });
  return Buffer.concat([header, ...frames.map((f) => f.data)]);
}

export async function writeIcon(icoPath: string, previewPngPath?: string): Promise<void> {
  const frames = SIZES.map((size) => ({ size, data: render(size) }));
  await writeFile(icoPath, ico(frames));
  if (previewPngPath) await writeFile(previewPngPath, frames.at(-1)!.data);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeIcon('build/icon.ico', process.argv[2]);
}
