import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { APP_HOST, APP_SCHEME } from '../ipc/sender-guard.js';
import {
  contentSecurityPolicy,
  contentTypeOf,
  newNonce,
  renderIndexHtml,
  resolveAppFile,
} from './app-page.js';

/** Before `ready`: app:// is a standard, secure scheme (not bypassing CSP). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: false } },
  ]);
}

/** After `ready`: serve the built renderer from `root`; index.html gets a fresh style nonce per load. */
export function serveAppPages(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST || request.method !== 'GET') return new Response('Not found', { status: 404 });
    const file = resolveAppFile(root, url.pathname);
    if (!file) return new Response('Not found', { status: 404 });
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return new Response('Not found', { status: 404 });
    }
    const headers: Record<string, string> = {
      'Content-Type': contentTypeOf(file) ?? 'application/octet-stream',
      'X-Content-Type-Options': 'nosniff',
    };
    if (file.endsWith('index.html')) {
      const nonce = newNonce();
      headers['Content-Security-Policy'] = contentSecurityPolicy(nonce);
      return new Response(renderIndexHtml(body.toString('utf8'), nonce), { headers });
    }
    return new Response(new Uint8Array(body), { headers });
  });
}
