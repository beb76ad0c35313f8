import type { Host } from '../engine/host.js';
import { DEFAULT_WEB_SITE } from '../steps/windows/defaultWebSite.js';
import type { PreflightCheck, WizardMode } from './contract.js';

const GB = 1024 ** 3;

async function firstFreePort(host: Host, from: number): Promise<number | undefined> {
  for (let p = from; p < from + 20; p++) if (!(await host.query({ kind: 'port', port: p })).inUse) return p;
  return undefined;
}

/**
 * The machine check page: reads the machine through the host (never changes it) and says, for each
 * finding, what to do about it.
 */
export async function preflight(
  host: Host,
  mode: WizardMode,
): Promise<{ machine: { name: string; hostname: string; elevated: boolean }; checks: PreflightCheck[] }> {
  const os = await host.query({ kind: 'os' });
  const checks: PreflightCheck[] = [];
  if (mode === 'bundle') {
    checks.push({ id: 'os', title: 'This computer', status: 'ok', detail: `${os.name} (${os.arch})` });
    return { machine: { name: os.name, hostname: os.hostname, elevated: os.elevated }, checks };
  }
  const server = /server/i.test(os.name);
  checks.push({
    id: 'os',
    title: 'Operating system',
    status:
      os.platform !== 'win32' && host.kind === 'windows'
        ? 'error'
        : server || os.platform !== 'win32'
          ? 'ok'
          : 'warning',
    detail: `${os.name} ${os.release}, ${os.arch}`,
    fix: 'QATrack+ is supported on Windows Server 2016 or later; a desktop Windows works for trials only.',
  });
  checks.push({
    id: 'arch',
    title: 'Processor architecture',
    status: os.arch === 'arm64' ? 'error' : 'ok',
    detail: os.arch,
    fix: 'Use an x64 server: the bundled Python and ODBC driver are x64 or x86 only.',
  });
  if (os.freeDiskBytes !== undefined) {
    const free = os.freeDiskBytes / GB;
    checks.push({
      id: 'disk',
      title: 'Free disk space',
      status: free < 2 ? 'error' : free < 10 ? 'warning' : 'ok',
      detail: `${free.toFixed(1)} GB free`,
      fix: 'Free at least 10 GB on the system drive (2 GB is the minimum).',
    });
  }
  checks.push({
    id: 'reboot',
    title: 'Pending restart',
    status: os.pendingReboot ? 'warning' : 'ok',
    detail: os.pendingReboot ? 'Windows is waiting for a restart' : 'none',
    fix: 'Restart the server before installing: installers of Windows components may refuse to run.',
  });
  checks.push({
    id: 'elevation',
    title: 'Administrator rights',
    status: 'ok',
    detail: os.elevated
      ? 'already running as an administrator'
      : 'Windows will ask once for administrator rights when you press Install',
  });
  if (mode === 'install' || mode === 'reconfigure') {
    for (const [port, field, title] of [
      [80, 'site.httpPort', 'HTTP port 80'],
      [443, 'site.https.port', 'HTTPS port 443'],
    ] as const) {
      const held = await host.query({ kind: 'port', port });
      if (!held.inUse) continue;
      const dws = held.owner?.iisSite === DEFAULT_WEB_SITE;
      const who = held.owner?.iisSite
        ? `IIS site "${held.owner.iisSite}"`
        : (held.owner?.process ?? 'another program');
      checks.push({
        id: `port${port}`,
        title,
        status: 'warning',
        detail: `in use by ${who}`,
        fix: dws
          ? `Choose below: stop the Default Web Site (QATrack+ takes port ${port}), keep it (QATrack+ answers by its host name on the same port), or use another port.`
          : `Use another port, or stop ${who} before installing.`,
        field: dws ? 'site.defaultWebSite' : field,
        port,
        freePort: await firstFreePort(host, port === 80 ? 8080 : 8443),
        defaultWebSite: dws,
      });
    }
  }
  return { machine: { name: os.name, hostname: os.hostname, elevated: os.elevated }, checks };
}
