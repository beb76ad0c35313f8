import type { PlanResult } from '../engine/report.js';
import { describeGrants } from '../steps/windows/permissions.js';

/**
 * What a change board asks first, read from the plan's actions (data, not their text): what changes
 * for the whole server, which ports are bound, which services, logins, folders and firewall rules
 * appear. The review page shows it above the step-by-step list.
 */
export interface PlanSummary {
  serverWide: string[];
  ports: string[];
  services: string[];
  logins: string[];
  folders: string[];
  firewall: string[];
}

const SERVER_WIDE_IIS = new Set(['proxy', 'allowServerVariable', 'sslBinding', 'removeSslBinding']);

export function summarizePlan(plan: PlanResult): PlanSummary {
  const s: PlanSummary = { serverWide: [], ports: [], services: [], logins: [], folders: [], firewall: [] };
  const add = (list: string[], text: string) => {
    if (!list.includes(text)) list.push(text);
  };
  for (const step of plan.steps) {
    for (const a of step.actions) {
      switch (a.kind) {
        case 'windowsFeature':
        case 'registry':
        case 'certificate':
        case 'scheduledTask':
          add(s.serverWide, a.describe);
          break;
        case 'exec':
          // Programs installed machine-wide (msiexec, setup.exe), not the app's own commands.
          if (/msiexec|setup\.exe|python-[\d.]+.*\.exe|vc_redist/i.test(a.file))
            add(s.serverWide, a.describe);
          break;
        case 'iis':
          // Stopping a site (IIS's Default Web Site) changes the server beyond QATrack+'s own site.
          if (SERVER_WIDE_IIS.has(a.op) || (a.op === 'siteState' && a.state === 'stopped'))
            add(s.serverWide, a.describe);
          if (a.op === 'site')
            for (const b of a.bindings)
              add(
                s.ports,
                `${b.protocol.toUpperCase()} port ${b.port}${b.host ? ` for host name ${b.host}` : ' (all host names)'}: IIS site "${a.name}"`,
              );
          if (a.op === 'sslBinding')
            add(s.ports, `HTTPS certificate bound to port ${a.port} (all addresses)`);
          break;
        case 'winService':
          if (a.op === 'install') {
            add(s.services, `${a.displayName} (${a.name})`);
            if (a.port)
              add(s.ports, `${a.address ?? '127.0.0.1'}:${a.port}: ${a.displayName} (this machine only)`);
          } else if (a.op === 'uninstall') add(s.services, a.describe);
          break;
        case 'service':
          if (a.op === 'remove') add(s.services, a.describe);
          break;
        case 'sql':
          if (/login|user|database/i.test(a.describe)) add(s.logins, a.describe);
          break;
        case 'acl':
          add(s.folders, `${a.path}: ${describeGrants(a.grants)}`);
          break;
        case 'mkdir':
          if (!s.folders.some((f) => f.startsWith(`${a.path}:`))) add(s.folders, `${a.path}: created`);
          break;
        case 'firewall':
          add(s.firewall, a.describe);
          break;
        default:
          break;
      }
    }
  }
  // A folder that is created and restricted shows once, with its permissions.
  s.folders = s.folders.filter(
    (f) =>
      !(f.endsWith(': created') && s.folders.some((g) => g !== f && g.startsWith(f.replace(/created$/, '')))),
  );
  return s;
}

/**
 * Rough seconds per action, for the progress page's estimate before anything has run. These are
 * guesses from the installers' own descriptions (SQL Server Express setup takes minutes, Windows
 * features a minute or two), not measurements on Windows; the page refines the estimate from the
 * run's own pace as soon as actions finish.
 */
export function estimateSeconds(plan: PlanResult): number {
  let total = 0;
  for (const step of plan.steps)
    for (const a of step.actions) {
      if (a.kind === 'exec')
        total += /sqlexpr|SQL Server Express/i.test(`${a.file} ${a.describe}`)
          ? 600
          : /msiexec|python-[\d.]+.*\.exe|vc_redist/i.test(a.file)
            ? 60
            : /pip|uv(\.exe)?$|install/i.test(
                  `${a.file} ${a.args.filter((x) => typeof x === 'string').join(' ')}`,
                )
              ? 120
              : 20;
      else if (a.kind === 'windowsFeature') total += 120;
      else if (a.kind === 'extract' || a.kind === 'copy') total += 15;
      else if (a.kind === 'winService' || a.kind === 'service' || a.kind === 'waitHttp') total += 5;
      else total += 1;
    }
  return total;
}
