import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Faults the mirror can inject, per url path. */
export interface MirrorFaults {
  /** Close the socket after this many body bytes, for the next `times` requests of the path. */
  drop?: Record<string, { afterBytes: number; times: number }>;
  /** Serve the file with one byte flipped (at `offset`) on every request. */
  corrupt?: Record<string, { offset: number }>;
  /** Answer every request with 200 and the whole file, as servers without Range support do. */
  ignoreRange?: boolean;
  /** Pace every response body to this many bytes per second (a slow WAN link). */
  bytesPerSecond?: number;
}

/** Send a body in 64 KiB chunks paced to `rate` bytes/s. */
function sendPaced(res: ServerResponse, body: Buffer, rate: number): void {
  const chunk = 64 * 1024;
  const started = Date.now();
  let off = 0;
  const next = () => {
    if (res.destroyed) return;
    if (off >= body.length) {
      res.end();
      return;
    }
    const end = Math.min(off + chunk, body.length);
    res.write(body.subarray(off, end));
    off = end;
    const due = started + (off / rate) * 1000;
    setTimeout(next, Math.max(0, due - Date.now()));
  };
  next();
}

export interface TestMirror {
  url: string;
  /** Requests seen per path (with their Range header) and body bytes sent in total. */
  log: { path: string; range?: string; status: number }[];
  bytesSent: () => number;
  faults: MirrorFaults;
  close: () => Promise<void>;
}

/**
 * A small HTTP mirror on 127.0.0.1 (free port) serving in-memory files, with Range support and
 * fault injection: dropped connections and wrong bytes. Used by the bundle tests, bench and fixture.
 */
export async function startMirror(
  files: Map<string, Buffer>,
  faults: MirrorFaults = {},
): Promise<TestMirror> {
  const log: TestMirror['log'] = [];
  let sent = 0;
  const state: MirrorFaults = faults;

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const urlPath = new URL(req.url ?? '/', 'http://x').pathname;
    let body = files.get(urlPath);
    if (!body) {
      log.push({ path: urlPath, status: 404 });
      res.writeHead(404).end('not found');
      return;
    }
    const corrupt = state.corrupt?.[urlPath];
    if (corrupt) {
      body = Buffer.from(body);
      body[corrupt.offset] = (body[corrupt.offset] ?? 0) ^ 0xff;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    let start = 0;
    let status = 200;
    if (range && !state.ignoreRange) {
      start = Number(range[1]);
      if (start >= body.length) {
        log.push({ path: urlPath, range: req.headers.range, status: 416 });
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      status = 206;
    }
    const slice = body.subarray(start);
    const headers: Record<string, string | number> = {
      'content-length': slice.length,
      'accept-ranges': state.ignoreRange ? 'none' : 'bytes',
      'content-type': 'application/octet-stream',
    };
    if (status === 206) headers['content-range'] = `bytes ${start}-${body.length - 1}/${body.length}`;
    log.push({ path: urlPath, range: req.headers.range, status });
    res.writeHead(status, headers);
    const drop = state.drop?.[urlPath];
    if (drop && drop.times > 0) {
      drop.times -= 1;
      const part = slice.subarray(0, drop.afterBytes);
      sent += part.length;
      res.write(part, () => res.destroy());
      return;
    }
    sent += slice.length;
    if (state.bytesPerSecond) sendPaced(res, slice, state.bytesPerSecond);
    else res.end(slice);
  };

  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    bytesSent: () => sent,
    faults: state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
