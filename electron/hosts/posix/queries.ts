import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, readFile, readdir, stat, statfs } from 'node:fs/promises';
import os from 'node:os';
import { request } from 'undici';
import type { FileResult, HttpResult, ListDirResult, OsResult } from '../../engine/queries.js';

export async function queryFile(p: string, withContent?: boolean, withSha?: boolean): Promise<FileResult> {
  const st = await stat(p).catch(() => undefined);
  if (!st) return { exists: false };
  const writable = await access(p, constants.W_OK).then(
    () => true,
    () => false,
  );
  const type = st.isDirectory() ? 'dir' : 'file';
  const result: FileResult = { exists: true, type, size: st.size, writable };
  if (type === 'file' && (withContent || withSha)) {
    const buf = await readFile(p).catch(() => undefined);
    if (buf && withContent) result.content = buf.toString('utf8');
    if (buf && withSha) result.sha256 = createHash('sha256').update(buf).digest('hex');
  }
  return result;
}

export async function queryListDir(p: string): Promise<ListDirResult> {
  const entries = await readdir(p, { withFileTypes: true }).catch(() => undefined);
  if (!entries) return { exists: false };
  return {
    exists: true,
    entries: entries
      .map((e) => ({ name: e.name, type: e.isDirectory() ? ('dir' as const) : ('file' as const) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

/** One HTTP GET (optionally with a Host header); never throws. */
export async function queryHttp(url: string, hostHeader?: string, timeoutMs = 10_000): Promise<HttpResult> {
  try {
    const res = await request(url, {
      method: 'GET',
      headers: hostHeader ? { host: hostHeader } : {},
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await res.body.text();
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) {
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    }
    return { ok: true, status: res.statusCode, headers, body };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

async function osName(): Promise<string> {
  const text = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(text);
  return m?.[1] ?? `${os.type()} ${os.release()}`;
}

export async function queryOs(): Promise<OsResult> {
  const arch = process.arch === 'arm64' ? 'arm64' : process.arch === 'ia32' ? 'x86' : 'x64';
  const fsStat = await statfs('/').catch(() => undefined);
  return {
    platform: process.platform === 'darwin' ? 'darwin' : 'linux',
    release: os.release(),
    name: await osName(),
    arch,
    elevated: process.getuid?.() === 0,
    hostname: os.hostname(),
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    freeDiskBytes: fsStat ? fsStat.bavail * fsStat.bsize : undefined,
  };
}
