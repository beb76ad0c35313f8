import { randomBytes } from 'node:crypto';
import path from 'node:path';

/**
 * How the app's own pages are served (app://bundle/...), as plain functions so the same code serves
 * the renderer in Electron and in the Playwright test server.
 */

export const NONCE_PLACEHOLDER = '__CSP_NONCE__';

/** Strict policy: our scripts only, styles only from our files or Griffel's nonce-tagged tags. */
export function contentSecurityPolicy(nonce: string, extra: { connectSelf?: boolean } = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src ${extra.connectSelf ? "'self'" : "'none'"}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
  ].join('; ');
}

export const newNonce = () => randomBytes(18).toString('base64');

/** index.html with a fresh nonce in the CSP meta and in `<meta property="csp-nonce">`. */
export function renderIndexHtml(template: string, nonce: string): string {
  if (!/^[A-Za-z0-9+/=]+$/.test(nonce)) throw new Error('bad nonce');
  return template.split(NONCE_PLACEHOLDER).join(nonce);
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export const contentTypeOf = (file: string) => TYPES[path.extname(file).toLowerCase()];

/**
 * Maps a request URL path to a file inside `root`, or undefined when it would leave the folder, is
 * not a type we serve, or is not a plain path (Electron docs' protocol.handle example, hardened).
 */
export function resolveAppFile(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = path.resolve(root, rel);
  const inside = path.relative(root, file);
  if (!inside || inside.startsWith('..') || path.isAbsolute(inside)) return undefined;
  return contentTypeOf(file) ? file : undefined;
}
