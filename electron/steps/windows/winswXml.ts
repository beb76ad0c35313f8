import { createHash } from 'node:crypto';
import { create } from 'xmlbuilder2';

/**
 * WinSW v2.12 service XML. v2 element names only (v3 alpha differs: no <username>, and
 * <delayedAutoStart/> is enabled by presence). The account is set afterwards with sc.exe, because
 * v2 silently installs as LocalSystem when it does not understand the account element.
 */
export interface WinswSpec {
  id: string;
  name: string;
  description: string;
  executable: string;
  arguments: string[];
  workingDirectory: string;
  env: Record<string, string>;
  depends: string[];
  logDir: string;
}

/** Quote one argument the way the MSVC runtime splits a command line (paths are validated: no quotes). */
export const quoteArg = (a: string) => (/[\s"]/.test(a) || a === '' ? `"${a.replace(/"/g, '\\"')}"` : a);

export function winswXml(s: WinswSpec): string {
  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele('service');
  root.ele('id').txt(s.id);
  root.ele('name').txt(s.name);
  root.ele('description').txt(s.description);
  root.ele('executable').txt(s.executable);
  root.ele('arguments').txt(s.arguments.map(quoteArg).join(' '));
  root.ele('workingdirectory').txt(s.workingDirectory);
  for (const [name, value] of Object.entries(s.env)) root.ele('env', { name, value });
  root.ele('startmode').txt('Automatic');
  root.ele('delayedAutoStart');
  for (const d of s.depends) root.ele('depend').txt(d);
  // Back-off: 10 s, 30 s, then every 2 min; the failure count resets after an hour of running.
  root.ele('onfailure', { action: 'restart', delay: '10 sec' });
  root.ele('onfailure', { action: 'restart', delay: '30 sec' });
  root.ele('onfailure', { action: 'restart', delay: '2 min' });
  root.ele('resetfailure').txt('1 hour');
  root.ele('stoptimeout').txt('20 sec');
  root.ele('priority').txt('normal');
  root.ele('logpath').txt(s.logDir);
  const log = root.ele('log', { mode: 'roll-by-size' });
  log.ele('sizeThreshold').txt('10240');
  log.ele('keepFiles').txt('8');
  return root.end({ prettyPrint: true, newline: '\r\n' }) + '\r\n';
}

export const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
