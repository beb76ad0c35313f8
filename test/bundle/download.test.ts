import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  downloadAll,
  downloadEventSchema,
  DownloadError,
  mirrorUrl,
  type DownloadEvent,
} from '../../electron/bundle/download.js';
import { startMirror, type TestMirror } from '../support/bundle-mirror.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const big = randomBytes(3 * 1024 * 1024 + 17);
const small = Buffer.from('hello bundle\n');

let mirror: TestMirror;
let work: string;

beforeAll(async () => {
  mirror = await startMirror(
    new Map([
      ['/a/big.bin', big],
      ['/a/small.txt', small],
      ['/b/big.bin', big],
    ]),
  );
  work = await mkdtemp(path.join(tmpdir(), 'bundle-dl-'));
});
afterAll(async () => {
  await mirror.close();
  await rm(work, { recursive: true, force: true });
});

const fresh = async (name: string) => {
  const dir = path.join(work, name);
  await mkdir(dir, { recursive: true });
  return { cacheDir: path.join(dir, 'cache'), out: path.join(dir, 'out') };
};

describe('downloader', () => {
  it('resumes an interrupted download with a Range request and verifies the hash', async () => {
    const { cacheDir, out } = await fresh('resume');
    mirror.faults.drop = { '/a/big.bin': { afterBytes: 1_000_000, times: 2 } };
    mirror.log.length = 0;
    const events: DownloadEvent[] = [];
    const [r] = await downloadAll(
      [{ name: 'big', urls: [`${mirror.url}/a/big.bin`], dest: path.join(out, 'big.bin'), sha256: sha(big) }],
      { cacheDir, minRetryDelayMs: 10, onEvent: (e) => events.push(e) },
    );
    expect(r!.sha256).toBe(sha(big));
    expect(sha(await readFile(path.join(out, 'big.bin')))).toBe(sha(big));
    const ranges = mirror.log.filter((l) => l.path === '/a/big.bin').map((l) => l.range);
    // First request plain, then two resumes: each starts where the previous one was cut.
    expect(ranges[0]).toBeUndefined();
    expect(ranges[1]).toMatch(/^bytes=\d+-$/);
    const from = ranges.slice(1).map((r) => Number(/=(\d+)-/.exec(r!)![1]));
    expect(from[0]).toBeGreaterThan(0);
    expect(from[1]).toBeGreaterThan(from[0]!);
    expect(ranges).toHaveLength(3);
    expect(events.filter((e) => e.type === 'download-retry')).toHaveLength(2);
    expect(events.some((e) => e.type === 'download-start' && e.resumeFrom > 0)).toBe(true);
    // Every event is what the wizard accepts over IPC.
    for (const e of events) expect(downloadEventSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
    expect(events.some((e) => e.type === 'download-progress' && e.rate > 0)).toBe(true);
    mirror.faults.drop = undefined;
  });

  it('starts over when the server ignores Range (200 instead of 206)', async () => {
    const { cacheDir, out } = await fresh('norange');
    mirror.faults.drop = { '/a/big.bin': { afterBytes: 500_000, times: 1 } };
    mirror.faults.ignoreRange = true;
    const [r] = await downloadAll(
      [{ name: 'big', urls: [`${mirror.url}/a/big.bin`], dest: path.join(out, 'big.bin'), sha256: sha(big) }],
      { cacheDir, minRetryDelayMs: 10 },
    );
    expect(r!.size).toBe(big.length);
    expect(sha(await readFile(path.join(out, 'big.bin')))).toBe(sha(big));
    mirror.faults.ignoreRange = false;
    mirror.faults.drop = undefined;
  });

  it('rejects a wrong byte, deletes it and takes the file from the next source', async () => {
    const { cacheDir, out } = await fresh('nextsource');
    mirror.faults.corrupt = { '/a/big.bin': { offset: 12345 } };
    const events: DownloadEvent[] = [];
    const [r] = await downloadAll(
      [
        {
          name: 'big',
          urls: [`${mirror.url}/a/big.bin`, `${mirror.url}/b/big.bin`],
          dest: path.join(out, 'big.bin'),
          sha256: sha(big),
        },
      ],
      { cacheDir, minRetryDelayMs: 10, onEvent: (e) => events.push(e) },
    );
    expect(r!.url).toBe(`${mirror.url}/b/big.bin`);
    expect(sha(await readFile(path.join(out, 'big.bin')))).toBe(sha(big));
    const rejected = events.find((e) => e.type === 'download-rejected');
    expect(rejected).toMatchObject({ expected: sha(big), url: `${mirror.url}/a/big.bin` });
    expect(await readdir(path.join(cacheDir, 'partial'))).toEqual([]);
    mirror.faults.corrupt = undefined;
  });

  it('reports expected and actual hashes when every source serves a wrong file, and keeps nothing', async () => {
    const { cacheDir, out } = await fresh('allwrong');
    mirror.faults.corrupt = { '/a/small.txt': { offset: 0 } };
    const wrong = Buffer.from(small);
    wrong[0] = wrong[0]! ^ 0xff;
    const err = await downloadAll(
      [
        {
          name: 'small',
          urls: [`${mirror.url}/a/small.txt`],
          dest: path.join(out, 's.txt'),
          sha256: sha(small),
        },
      ],
      { cacheDir, minRetryDelayMs: 10 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    expect((err as DownloadError).code).toBe('BUNDLE_CHECKSUM_MISMATCH');
    expect((err as Error).message).toContain(sha(small));
    expect((err as Error).message).toContain(sha(wrong));
    await expect(readFile(path.join(out, 's.txt'))).rejects.toThrow();
    mirror.faults.corrupt = undefined;
  });

  it('gives up on a 404 without retrying and names the url', async () => {
    const { cacheDir, out } = await fresh('404');
    mirror.log.length = 0;
    const err = await downloadAll(
      [{ name: 'nope', urls: [`${mirror.url}/missing.bin`], dest: path.join(out, 'x'), sha256: sha(small) }],
      { cacheDir, minRetryDelayMs: 10 },
    ).catch((e: unknown) => e);
    expect((err as DownloadError).code).toBe('BUNDLE_DOWNLOAD_FAILED');
    expect((err as Error).message).toContain('HTTP 404');
    expect(mirror.log).toHaveLength(1);
  });

  it('serves a second run from the cache without touching the network', async () => {
    const { cacheDir, out } = await fresh('cache');
    const reqs = (o: string) => [
      { name: 'big', urls: [`${mirror.url}/a/big.bin`], dest: path.join(o, 'big.bin'), sha256: sha(big) },
      {
        name: 'small',
        urls: [`${mirror.url}/a/small.txt`],
        dest: path.join(o, 'small.txt'),
        sha256: sha(small),
      },
    ];
    await downloadAll(reqs(out), { cacheDir });
    const before = mirror.log.length;
    const second = await downloadAll(reqs(path.join(out, '2')), { cacheDir });
    expect(mirror.log.length).toBe(before);
    expect(second.every((r) => r.fromCache)).toBe(true);
    expect(await readFile(path.join(out, '2', 'small.txt'))).toEqual(small);
  });

  it('pins an unpinned file by its hash and keys the read-only cache entry by it', async () => {
    const { cacheDir, out } = await fresh('unpinned');
    const [r] = await downloadAll(
      [{ name: 'small', urls: [`${mirror.url}/a/small.txt`], dest: path.join(out, 's.txt') }],
      { cacheDir },
    );
    // Without a pin the hash is reported for pinning, and the cache is keyed by it.
    expect(r!.sha256).toBe(sha(small));
    const entry = path.join(cacheDir, 'sha256', sha(small));
    expect(await readFile(entry)).toEqual(small);
    if (process.platform !== 'win32') expect((await stat(entry)).mode & 0o222).toBe(0);
  });

  it('re-downloads when a cache entry was altered on disk', async () => {
    const { cacheDir, out } = await fresh('badcache');
    const req = (o: string) => [
      { name: 'small', urls: [`${mirror.url}/a/small.txt`], dest: path.join(o, 's.txt'), sha256: sha(small) },
    ];
    await downloadAll(req(out), { cacheDir });
    // As if the bundle copy (a hard link to the cache entry) had been edited in place.
    await chmod(path.join(out, 's.txt'), 0o644);
    await writeFile(path.join(out, 's.txt'), 'rotten');
    const events: DownloadEvent[] = [];
    const [r] = await downloadAll(req(path.join(out, '2')), { cacheDir, onEvent: (e) => events.push(e) });
    expect(r!.fromCache).toBe(false);
    expect(await readFile(path.join(out, '2', 's.txt'))).toEqual(small);
    expect(events.some((e) => e.type === 'download-rejected')).toBe(true);
    expect(await readFile(path.join(cacheDir, 'sha256', sha(small)))).toEqual(small);
  });

  it('maps a vendor url onto a mirror base, keeping the path', () => {
    expect(mirrorUrl('http://mirror.local/vendor/', 'https://download.microsoft.com/download/1/x.msi')).toBe(
      'http://mirror.local/vendor/download/1/x.msi',
    );
  });
});

describe('downloader through a proxy', () => {
  it('sends requests through HTTP_PROXY when it is set (EnvHttpProxyAgent)', async () => {
    const { createServer, request: httpRequest } = await import('node:http');
    const seen: string[] = [];
    // A minimal forward proxy: absolute-form request in, same request to the origin out.
    const proxy = createServer((req, res) => {
      seen.push(req.url ?? '');
      const target = new URL(req.url ?? '');
      const up = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: req.method,
          headers: req.headers,
        },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    // CONNECT tunnels, as corporate proxies do for https (and undici does by default for http too).
    const { connect } = await import('node:net');
    proxy.on('connect', (req, socket, head) => {
      seen.push(`CONNECT ${req.url}`);
      const [host, p] = (req.url ?? '').split(':');
      const up = connect(Number(p), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        up.write(head);
        up.pipe(socket);
        socket.pipe(up);
      });
      up.on('error', () => socket.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const { port } = proxy.address() as import('node:net').AddressInfo;
    try {
      const { defaultDispatcher } = await import('../../electron/bundle/download.js');
      const { cacheDir, out } = await fresh('proxy');
      const [r] = await downloadAll(
        [
          {
            name: 'small',
            urls: [`${mirror.url}/a/small.txt`],
            dest: path.join(out, 's'),
            sha256: sha(small),
          },
        ],
        { cacheDir, dispatcher: defaultDispatcher({ HTTP_PROXY: `http://127.0.0.1:${port}` }) },
      );
      expect(r!.sha256).toBe(sha(small));
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(
        new RegExp(`^(CONNECT ${new URL(mirror.url).host}|${mirror.url}/a/small.txt)$`),
      );
    } finally {
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });
});
