import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces.js';
import type { Answers } from '../../engine/answers/index.js';
import { FARM, maxUploadBytes } from '../../windows/names.js';
import { REMOTE_USER_HEADER } from '../common/render-sign-in.js';

/** The server variable URL Rewrite sets to send REMOTE_USER_HEADER to the workers. */
export const REMOTE_USER_VARIABLE = `HTTP_${REMOTE_USER_HEADER.toUpperCase().replace(/-/g, '_')}`;

/**
 * web.config of the QATrack+ site (its physical path holds nothing else). Rule order matters:
 * HTTPS redirect, then /static and /media left to IIS (action None), then everything else proxied
 * to the web farm with X-Forwarded-Host/Proto set (both allowed at server level).
 */
export function siteWebConfig(a: Answers): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('configuration');
  const ws = root.ele('system.webServer');
  const rules = ws.ele('rewrite').ele('rules');
  const https = a.site.https.enabled;
  if (https && a.site.https.redirectHttp) {
    const port = a.site.https.port === 443 ? '' : `:${a.site.https.port}`;
    const r = rules.ele('rule', { name: 'QATrack+ HTTPS redirect', stopProcessing: 'true' });
    r.ele('match', { url: '(.*)' });
    r.ele('conditions').ele('add', { input: '{HTTPS}', pattern: '^OFF$' });
    r.ele('action', {
      type: 'Redirect',
      url: `https://{SERVER_NAME}${port}/{R:1}`,
      redirectType: 'Permanent',
    });
  }
  const st = rules.ele('rule', { name: 'QATrack+ static and media', stopProcessing: 'true' });
  st.ele('match', { url: '^(static|media)/.*' });
  st.ele('action', { type: 'None' });
  const proxy = (name: string, httpsValue: 'on' | 'off') => {
    const r = rules.ele('rule', { name, stopProcessing: 'true' });
    r.ele('match', { url: '(.*)' });
    if (https) r.ele('conditions').ele('add', { input: '{HTTPS}', pattern: `^${httpsValue.toUpperCase()}$` });
    const vars = r.ele('serverVariables');
    vars.ele('set', { name: 'HTTP_X_FORWARDED_PROTO', value: httpsValue === 'on' ? 'https' : 'http' });
    vars.ele('set', { name: 'HTTP_X_FORWARDED_HOST', value: '{HTTP_HOST}' });
    // Windows integrated sign-in: the IIS-authenticated name for QATrack+ (render-sign-in.ts), always
    // set, so a client's own header of that name is overwritten (blank when nobody signed in).
    // UNCONFIRMED: distributed rewrite rules run at BeginRequest, before authentication
    // (https://learn.microsoft.com/iis/extensions/url-rewrite-module/url-rewrite-module-configuration-reference),
    // so {LOGON_USER} may still be empty here; not yet seen on a real IIS.
    if (a.signIn.kind === 'windowsIntegrated')
      vars.ele('set', { name: REMOTE_USER_VARIABLE, value: '{LOGON_USER}' });
    r.ele('action', { type: 'Rewrite', url: `http://${FARM}/{R:1}` });
  };
  if (https) proxy('QATrack+ to workers (https)', 'on');
  if (!https || !a.site.https.redirectHttp) proxy('QATrack+ to workers (http)', 'off');
  ws.ele('security')
    .ele('requestFiltering')
    .ele('requestLimits', {
      maxAllowedContentLength: String(maxUploadBytes(a)),
    });
  const sc: XMLBuilder = ws.ele('staticContent');
  for (const [ext, type] of [
    ['.woff2', 'font/woff2'],
    ['.json', 'application/json'],
  ]) {
    // Some IIS versions already map these: remove first, or IIS answers 500.19 for a duplicate.
    sc.ele('remove', { fileExtension: ext });
    sc.ele('mimeMap', { fileExtension: ext, mimeType: type });
  }
  ws.ele('httpErrors', { existingResponse: 'PassThrough' });
  // Attachments of any extension download from /media (DICOM .dcm, .log...: QATrack+ #637). IIS's
  // static handler answers 404.3 for an extension missing from its MIME map ("IIS 7 will not return
  // file types that are not added to the <staticContent> element",
  // https://learn.microsoft.com/iis/configuration/system.webserver/staticcontent/mimemap); the
  // wildcard mapping serves the rest as application/octet-stream (Microsoft KB 326965). Only for
  // the media folder: /static keeps IIS's own map. Known extensions keep their own types.
  root
    .ele('location', { path: 'media' })
    .ele('system.webServer')
    .ele('staticContent')
    .ele('mimeMap', { fileExtension: '.*', mimeType: 'application/octet-stream' });
  return root.end({ prettyPrint: true, newline: '\r\n' }) + '\r\n';
}
