import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  contentSecurityPolicy,
  newNonce,
  renderIndexHtml,
  resolveAppFile,
} from '../../electron/main/app-page.js';
import { secureWebPreferences } from '../../electron/main/web-preferences.js';

const root = path.resolve('/srv/app/dist/renderer');

describe('app:// page serving', () => {
  it('maps page paths inside the renderer folder', () => {
    expect(resolveAppFile(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveAppFile(root, '/assets/index-abc.js')).toBe(path.join(root, 'assets', 'index-abc.js'));
  });

  it.each([
    ['/../main/index.js'],
    ['/%2e%2e/%2e%2e/etc/passwd.js'],
    ['/assets/..%2f..%2fsecret.json'],
    ['/..\\..\\x.js'],
    ['/a%00.js'],
    ['/%E0%A4%A'],
    ['/assets/tool.exe'],
    ['/assets/data.bin'],
  ])('refuses %s', (p) => {
    expect(resolveAppFile(root, p)).toBeUndefined();
  });

  it('puts a fresh nonce into both the CSP and the csp-nonce meta of each load', () => {
    const template =
      '<meta http-equiv="Content-Security-Policy" content="style-src \'nonce-__CSP_NONCE__\'"><meta property="csp-nonce" nonce="__CSP_NONCE__">';
    const a = newNonce();
    const b = newNonce();
    expect(a).not.toBe(b);
    const html = renderIndexHtml(template, a);
    expect(html).not.toContain('__CSP_NONCE__');
    expect(html.split(a)).toHaveLength(3);
    expect(() => renderIndexHtml(template, '"><script>')).toThrow();
  });

  it('allows no inline script, no eval, no remote origin and no network from the page', () => {
    const csp = contentSecurityPolicy('abc');
    const directives = Object.fromEntries(
      csp.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]),
    );
    expect(directives['script-src']).toBe("'self'");
    expect(directives['style-src']).toBe("'self' 'nonce-abc'");
    expect(directives['connect-src']).toBe("'none'");
    expect(directives['default-src']).toBe("'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)|https?:|\*/);
  });
});

describe('window preferences', () => {
  it('keep every security switch on (and DevTools off when packaged)', () => {
    const p = secureWebPreferences('/app/preload.cjs', true);
    expect(p).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      devTools: false,
    });
    expect(p).not.toHaveProperty('enableBlinkFeatures');
    expect(secureWebPreferences('/p', false).devTools).toBe(true);
  });
});
