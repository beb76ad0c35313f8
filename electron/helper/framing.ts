import { createInterface } from 'node:readline';
import type { Socket } from 'node:net';
import type { z } from 'zod';
import { MAX_LINE_BYTES } from './protocol.js';

/** Writes one message as one JSON line. */
export function sendLine(socket: Socket, message: unknown): void {
  if (!socket.destroyed) socket.write(JSON.stringify(message) + '\n');
}

export type LineResult<T> = { ok: true; message: T } | { ok: false; reason: string };

/**
 * Reads newline-delimited JSON from a socket and validates each line with `schema`. Oversized lines
 * and lines that are not JSON or do not match are reported, never passed on.
 */
export function readLines<T>(
  socket: Socket,
  schema: z.ZodType<T>,
  onLine: (result: LineResult<T>) => void | Promise<void>,
): void {
  const rl = createInterface({ input: socket, crlfDelay: Infinity });
  let chain = Promise.resolve();
  rl.on('line', (line) => {
    // Handle lines one after another so replies keep the order of requests.
    chain = chain.then(() => onLine(parseLine(line, schema))).catch(() => undefined);
  });
  socket.on('data', () => {
    const pending = (rl as unknown as { line?: string }).line;
    if (pending && pending.length > MAX_LINE_BYTES) socket.destroy(new Error('line too long'));
  });
}

export function parseLine<T>(line: string, schema: z.ZodType<T>): LineResult<T> {
  if (Buffer.byteLength(line) > MAX_LINE_BYTES) return { ok: false, reason: 'line too long' };
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      reason: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    };
  }
  return { ok: true, message: parsed.data };
}
