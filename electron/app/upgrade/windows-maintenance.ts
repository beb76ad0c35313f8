import type { Answers } from '../../engine/answers/index.js';
import { siteWebConfig } from '../../steps/windows/webConfig.js';

/** The page IIS sends during the upgrade, in the site's folder beside web.config. */
export const MAINTENANCE_FILE = 'maintenance.html';

/** Text the tests and the upgrade look for (the posix page says the same). */
export const MAINTENANCE_TEXT = 'QATrack+ is being upgraded';

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function maintenancePage(from: string, to: string): string {
  return (
    '<!DOCTYPE html>\r\n<html lang="en"><head><meta charset="utf-8"><title>QATrack+ maintenance</title></head>\r\n' +
    `<body><h1>${MAINTENANCE_TEXT}</h1><p>From ${escapeHtml(from)} to ${escapeHtml(to)}. ` +
    'The site is back in a few minutes; nothing you saved is lost.</p></body></html>\r\n'
  );
}

/**
 * The site's web.config during the upgrade: the install's own rules, with two more before the
 * proxy rules:
 *  - /maintenance.html is left to IIS's static handler (action None), so the error page below can
 *    be served;
 *  - every request whose {REMOTE_ADDR} is not the server's loopback gets a CustomResponse 503
 *    (URL Rewrite action types: "CustomResponse ... responds to the HTTP client by using a
 *    user-specified status code", statusCode/statusReason/statusDescription; conditions with
 *    negate; https://learn.microsoft.com/iis/extensions/url-rewrite-module/url-rewrite-module-configuration-reference
 *    and "Configuring Action Types", https://learn.microsoft.com/previous-versions/windows/it-pro/windows-server-2008-r2-and-2008/ee215207(v=ws.10)).
 *    The upgrade's own health check runs on the server and reaches the new workers through IIS.
 * The static rule stays first, so /static and /media are still served (as on posix).
 * httpErrors then replaces the 503's body with the maintenance page (existingResponse="Replace",
 * an <error statusCode="503" responseMode="ExecuteURL">: "HTTP Errors <httpErrors>",
 * https://learn.microsoft.com/iis/configuration/system.webserver/httperrors/). UNCONFIRMED on a
 * real IIS here: that ExecuteURL keeps the 503 status for a CustomResponse (IIS documents it for
 * errors in general).
 */
export function maintenanceWebConfig(a: Answers): string {
  const normal = siteWebConfig(a);
  const rules = [
    '        <rule name="QATrack+ upgrade: maintenance page" stopProcessing="true">',
    '          <match url="^maintenance\\.html$"/>',
    '          <action type="None"/>',
    '        </rule>',
    '        <rule name="QATrack+ upgrade: maintenance" stopProcessing="true">',
    '          <match url=".*"/>',
    '          <conditions>',
    '            <add input="{REMOTE_ADDR}" pattern="^(127\\.0\\.0\\.1|::1)$" negate="true"/>',
    '          </conditions>',
    `          <action type="CustomResponse" statusCode="503" subStatusCode="0" statusReason="Service Unavailable" statusDescription="${MAINTENANCE_TEXT}"/>`,
    '        </rule>',
  ].join('\r\n');
  const at = normal.indexOf('<rule name="QATrack+ to workers');
  if (at < 0) throw new Error('the site web.config has no proxy rule to put the maintenance rule before');
  const lineStart = normal.lastIndexOf('\n', at) + 1;
  const withRules = `${normal.slice(0, lineStart)}${rules}\r\n${normal.slice(lineStart)}`;
  const errors = /<httpErrors existingResponse="PassThrough"\s*\/>/;
  if (!errors.test(withRules)) throw new Error('the site web.config has no httpErrors element');
  return withRules.replace(
    errors,
    '<httpErrors errorMode="Custom" existingResponse="Replace">\r\n' +
      '      <remove statusCode="503" subStatusCode="-1"/>\r\n' +
      `      <error statusCode="503" path="/${MAINTENANCE_FILE}" responseMode="ExecuteURL"/>\r\n` +
      '    </httpErrors>',
  );
}
