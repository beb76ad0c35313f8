import type { AclGrant, ActionInput } from '../../engine/actions/index.js';
import type { Answers } from '../../engine/answers/index.js';
import type { Layout } from '../../engine/layout.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { FIREWALL_RULE, iisRoot, servicePrincipals, SID } from '../../windows/names.js';
import { describeGrants } from './permissions.js';
import { directoryCaPath } from '../common/render-sign-in.js';
import { askWindows, type TopicResult } from '../../windows/topics.js';

/**
 * Least privilege on disk and on the network: only Administrators, SYSTEM and the service accounts
 * may read the install folder, the data folder and local_settings.py (which holds the database
 * passwords); IIS may read only what it serves; the firewall opens the site's ports and nothing else
 * (workers bind loopback addresses and are never opened).
 */

export interface AclSpec {
  path: string;
  grants: AclGrant[];
  why: string;
}

export function aclSpecs(a: Answers, l: Layout): AclSpec[] {
  const admins: AclGrant[] = [
    { principal: SID.administrators, rights: 'F', inherit: true },
    { principal: SID.system, rights: 'F', inherit: true },
  ];
  const svc = (rights: AclGrant['rights']): AclGrant[] =>
    servicePrincipals(a).map((principal) => ({ principal, rights, inherit: true }));
  const iisRead: AclGrant[] = [
    { principal: SID.iisUsers, rights: 'RX', inherit: true },
    { principal: SID.iusr, rights: 'RX', inherit: true },
  ];
  return [
    { path: l.installDir, grants: [...admins, ...svc('RX')], why: 'code, Python, venv, service wrappers' },
    { path: l.dataDir, grants: [...admins, ...svc('M')], why: 'data, logs, backups' },
    { path: l.logDir, grants: [...admins, ...svc('M')], why: 'logs' },
    { path: l.staticRoot, grants: [...admins, ...svc('M'), ...iisRead], why: 'served by IIS' },
    { path: l.mediaRoot, grants: [...admins, ...svc('M'), ...iisRead], why: 'uploads, served by IIS' },
    { path: iisRoot(l), grants: [...admins, ...iisRead], why: 'IIS site root (web.config only)' },
    {
      path: l.localSettings,
      grants: [
        ...admins.map((g) => ({ ...g, inherit: false })),
        ...svc('R').map((g) => ({ ...g, inherit: false })),
      ],
      why: 'database and mail passwords',
    },
    // AD_CERT_FILE: read by the workers' python-ldap; only Administrators may replace the CA they trust.
    ...((a.signIn.kind === 'activeDirectory' || a.signIn.kind === 'windowsIntegrated') && a.signIn.caFile
      ? [
          {
            path: directoryCaPath(l),
            grants: [
              ...admins.map((g) => ({ ...g, inherit: false })),
              ...svc('R').map((g) => ({ ...g, inherit: false })),
            ],
            why: "directory server's CA certificate",
          },
        ]
      : []),
  ];
}

export const firewallPorts = (a: Answers) =>
  a.site.https.enabled ? [a.site.httpPort, a.site.https.port] : [a.site.httpPort];

interface HardeningProbe {
  acls: { spec: AclSpec; actual: TopicResult<'acl'> }[];
  firewall: TopicResult<'firewallRule'>;
}

const grantKey = (g: { principal: string; rights: string }) => `${g.principal.toLowerCase()}=${g.rights}`;
export const aclMatches = (spec: AclSpec, actual: TopicResult<'acl'>) =>
  actual.exists &&
  actual.protected &&
  JSON.stringify(actual.grants.map(grantKey).sort()) === JSON.stringify(spec.grants.map(grantKey).sort());

async function probeHardening(ctx: StepContext): Promise<HardeningProbe> {
  const specs = aclSpecs(ctx.answers, ctx.layout);
  return {
    acls: await Promise.all(
      specs.map(async (spec) => ({ spec, actual: await askWindows(ctx.host, 'acl', { path: spec.path }) })),
    ),
    firewall: await askWindows(ctx.host, 'firewallRule', { name: FIREWALL_RULE }),
  };
}

export const hardeningStep = defineStep<HardeningProbe>({
  id: 'win-hardening',
  title: 'Permissions and firewall',
  dependsOn: ['win-services', 'win-iis-site'],
  probe: probeHardening,
  plan(ctx, p) {
    const actions: ActionInput[] = [];
    // Files other steps write (local_settings.py, the directory CA); folders nobody else creates (media) are made here.
    const files = new Set([ctx.layout.localSettings, directoryCaPath(ctx.layout)]);
    for (const { spec, actual } of p.acls) {
      if (aclMatches(spec, actual)) continue;
      if (!actual.exists && !files.has(spec.path))
        actions.push({ kind: 'mkdir', describe: `Create folder ${spec.path}`, path: spec.path });
      actions.push({
        kind: 'acl',
        describe: `Restrict ${spec.path} (${spec.why}) to ${describeGrants(spec.grants)}; nobody else`,
        path: spec.path,
        protect: true,
        grants: spec.grants,
      });
    }
    const ports = firewallPorts(ctx.answers);
    if (
      !p.firewall.exists ||
      JSON.stringify([...p.firewall.ports].sort()) !== JSON.stringify([...ports].sort())
    )
      actions.push({
        kind: 'firewall',
        describe: `Allow inbound TCP ${ports.join(', ')} (the site only; worker ports stay closed) as rule "${FIREWALL_RULE}"`,
        op: 'ensure',
        name: FIREWALL_RULE,
        ports,
      });
    return actions;
  },
  async verify(ctx) {
    const p = await probeHardening(ctx);
    const checks = p.acls.map(({ spec, actual }) => ({
      id: `acl.${spec.path}`,
      title: `Permissions on ${spec.path}`,
      ok: aclMatches(spec, actual),
      detail: actual.exists ? describeGrants(actual.grants) : 'not present',
      fix: 'Run repair.',
    }));
    const ports = firewallPorts(ctx.answers);
    checks.push({
      id: 'firewall',
      title: `Firewall rule "${FIREWALL_RULE}"`,
      ok: p.firewall.exists && p.firewall.ports.join(',') === ports.join(','),
      detail: p.firewall.exists ? `TCP ${p.firewall.ports.join(', ')}` : 'missing',
      fix: 'Run repair.',
    });
    return checks;
  },
  planUninstall(_ctx, p) {
    return p.firewall.exists
      ? [
          {
            kind: 'firewall',
            describe: `Remove firewall rule "${FIREWALL_RULE}"`,
            op: 'remove',
            name: FIREWALL_RULE,
          },
        ]
      : [];
  },
});
