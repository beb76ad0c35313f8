import { app, session, shell, type WebContents } from 'electron';
import { isAppUrl } from '../ipc/sender-guard.js';

/** Help pages the app may open in the user's browser: constants, never a URL from the page. */
const EXTERNAL_LINKS = new Set([
  'https://docs.qatrackplus.com/en/stable/',
  'https://github.com/qatrackplus/qatrackplus',
  // The wizard's "Learn more" links (renderer/src/words.ts LEARN_MORE).
  'https://docs.qatrackplus.com/en/stable/install/win.html',
  'https://docs.qatrackplus.com/en/stable/install/config.html',
  'https://learn.microsoft.com/en-us/iis/get-started/getting-started-with-iis/create-a-web-site',
  'https://learn.microsoft.com/en-us/iis/manage/configuring-security/how-to-set-up-ssl-on-iis',
  'https://learn.microsoft.com/en-us/sql/relational-databases/security/authentication-access/create-a-login',
]);

/**
 * App-wide hardening from Electron's security checklist: no permissions, no webviews, no navigation
 * away from our pages, no new windows.
 */
export function hardenApp(): void {
  app.on('web-contents-created', (_event, contents) => hardenContents(contents));
}

/** Call after `ready`: the default session exists only then. */
export function hardenSession(): void {
  const s = session.defaultSession;
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
  s.setDevicePermissionHandler(() => false);
  s.on('will-download', (event) => event.preventDefault());
}

function hardenContents(contents: WebContents): void {
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (EXTERNAL_LINKS.has(url)) setImmediate(() => void shell.openExternal(url));
    return { action: 'deny' };
  });
}
