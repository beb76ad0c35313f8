import type { IisSite } from '../../../windows/topics.js';
import type { SimState } from '../state.js';
import type { SimWindows } from './state.js';

/**
 * IIS behaviours the simulator models, each with where it comes from. A behaviour with no source
 * is marked GUESS.
 */

/**
 * What adding the Web-Server role leaves behind: DefaultAppPool and "Default Web Site" (id 1) on
 * `*:80:` serving %SystemDrive%\inetpub\wwwroot, started, serverAutoStart true.
 * Sources: the site element of a fresh applicationHost.config as Microsoft documents it
 * (https://learn.microsoft.com/iis/web-development-reference/native-code-api-reference/iapphostelement-collection-property,
 * sample `<site name="Default Web Site" id="1">` with `bindingInformation="*:80:"`), the captured
 * Windows Server 2019 applicationHost.config in test/fixtures/windows/applicationhost-2019.config,
 * serverAutoStart defaults to true (https://learn.microsoft.com/iis/configuration/system.applicationhost/sites/site/),
 * and the seed guide's own step "stop the Default Web Site" (issue 10) exists because the site
 * runs right after installation.
 */
export function addDefaultWebSite(w: SimWindows): void {
  if (!w.iis.appPools.includes('DefaultAppPool')) w.iis.appPools.push('DefaultAppPool');
  if (w.iis.sites.some((s) => s.name === 'Default Web Site')) return;
  w.iis.sites.unshift({
    name: 'Default Web Site',
    appPool: 'DefaultAppPool',
    physicalPath: 'C:\\inetpub\\wwwroot',
    bindings: [{ protocol: 'http', port: 80, host: '' }],
    virtualDirs: [],
    logDir: 'C:\\inetpub\\logs\\LogFiles',
    state: 'started',
    autoStart: true,
    authentication: [],
  });
}

/**
 * Two started sites cannot hold the same IP:port:host binding: the second does not start (W3SVC
 * event 1007 "Cannot register the URL prefix ... The necessary network binding may already be in
 * use", data 0x800700B7). A site with a host name and one without may share a port: http.sys
 * routes by Host header, and a blank host header takes every other name
 * (https://learn.microsoft.com/iis/configuration/system.applicationhost/sites/site/bindings/binding).
 */
export function bindingConflict(
  w: SimWindows,
  site: Pick<IisSite, 'name' | 'bindings'>,
): { port: number; other: string } | undefined {
  for (const b of site.bindings) {
    const other = w.iis.sites.find(
      (s) =>
        s.name !== site.name &&
        s.state === 'started' &&
        s.bindings.some((x) => x.port === b.port && x.host.toLowerCase() === b.host.toLowerCase()),
    );
    if (other) return { port: b.port, other: other.name };
  }
  return undefined;
}

/** A non-IIS listener on a site's port stops it from starting (0x80070020, "being used by another process"). */
export function portHeldByProcess(state: SimState, site: Pick<IisSite, 'bindings'>): number | undefined {
  return site.bindings.find((b) => state.ports[String(b.port)])?.port;
}

/** The started site http.sys gives a request to: exact host binding first, then the blank host one. */
export function siteForRequest(w: SimWindows, port: number, hostHeader?: string): IisSite | undefined {
  const host = (hostHeader ?? '').split(':')[0]!.toLowerCase();
  const started = w.iis.sites.filter((s) => s.state === 'started');
  return (
    started.find((s) => s.bindings.some((b) => b.port === port && b.host && b.host.toLowerCase() === host)) ??
    started.find((s) => s.bindings.some((b) => b.port === port && !b.host))
  );
}

/**
 * Extensions in IIS 10's default MIME map (a subset), copied from the <staticContent> section of
 * the captured Windows Server 2019 applicationHost.config (test/fixtures/windows/README.md). There is
 * no ".dcm" and no ".log": the static handler answers 404.3 for them ("IIS 7 will not return file
 * types that are not added to the <staticContent> element",
 * https://learn.microsoft.com/iis/configuration/system.webserver/staticcontent/mimemap; QATrack+
 * issue #637 is the DICOM attachment case).
 */
export const IIS_DEFAULT_MIME: Record<string, string> = {
  '.css': 'text/css',
  '.csv': 'application/octet-stream',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.gif': 'image/gif',
  '.htm': 'text/html',
  '.html': 'text/html',
  '.ico': 'image/x-icon',
  '.jpeg': 'image/jpeg',
  '.jpg': 'image/jpeg',
  '.js': 'application/javascript',
  '.json': 'application/json',
  '.map': 'text/plain',
  '.mp4': 'video/mp4',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.ttf': 'application/octet-stream',
  '.txt': 'text/plain',
  '.woff': 'font/x-woff',
  '.woff2': 'application/font-woff2',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.xml': 'text/xml',
  '.zip': 'application/x-zip-compressed',
};
