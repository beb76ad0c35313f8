import type { ActionInput, Binding, CertRef } from '../../engine/actions/index.js';
import type { Answers } from '../../engine/answers/index.js';
import { InstallerError } from '../../engine/errors.js';
import type { Layout } from '../../engine/layout.js';
import type { FileResult } from '../../engine/queries.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { qatrackBindings } from './defaultWebSite.js';
import { APP_POOL, FARM, iisLogDir, iisRoot, SELF_SIGNED_NAME, workers } from '../../windows/names.js';
import { askWindows, type IisSnapshot, type TopicResult } from '../../windows/topics.js';
import { sha256 } from './winswXml.js';
import { REMOTE_USER_VARIABLE, siteWebConfig } from './webConfig.js';

/**
 * The QATrack+ site: ARR proxy on, a web farm of the workers with a health check, the forwarded
 * header variables allowed, an app pool without managed code, the site with HTTP (and HTTPS)
 * bindings whose physical path holds only web.config, and /static + /media from the data folder.
 */

export const SERVER_VARIABLES = ['HTTP_X_FORWARDED_HOST', 'HTTP_X_FORWARDED_PROTO'];
const serverVariables = (a: Answers) =>
  a.signIn.kind === 'windowsIntegrated' ? [...SERVER_VARIABLES, REMOTE_USER_VARIABLE] : SERVER_VARIABLES;

type SiteAuthentication = { path: string; windows: boolean; anonymous: boolean };

/**
 * Windows integrated sign-in: Windows authentication on (anonymous off) for the site, anonymous kept
 * for /static so CSS, JS and the IIS static check load without a challenge. Other sign-in kinds: the
 * server's defaults, so a site that had Windows authentication gets anonymous back.
 */
export const siteAuthentication = (a: Answers): SiteAuthentication[] =>
  a.signIn.kind === 'windowsIntegrated'
    ? [
        { path: '', windows: true, anonymous: false },
        { path: '/static', windows: false, anonymous: true },
      ]
    : [];

function planAuthentication(a: Answers, actual: SiteAuthentication[], siteRebuilt: boolean): ActionInput[] {
  const want = siteAuthentication(a);
  const wanted = new Set(want.map((w) => w.path));
  const changes = [
    ...want.filter((w) => {
      const have = actual.find((x) => x.path === w.path);
      return siteRebuilt || !have || have.windows !== w.windows || have.anonymous !== w.anonymous;
    }),
    // Left over from an earlier Windows-integrated install: back to the server's defaults.
    ...actual
      .filter((x) => !wanted.has(x.path) && (x.windows || !x.anonymous))
      .map((x) => ({ path: x.path, windows: false, anonymous: true })),
  ];
  return changes.map((c) => ({
    kind: 'iis',
    describe: `${c.path ? `${a.site.name}${c.path}` : `Site "${a.site.name}"`}: Windows authentication ${c.windows ? 'on' : 'off'}, anonymous ${c.anonymous ? 'on' : 'off'}`,
    op: 'authentication',
    site: a.site.name,
    path: c.path,
    windows: c.windows,
    anonymous: c.anonymous,
  }));
}

interface SiteProbe {
  iis: IisSnapshot;
  webConfig: FileResult;
  rootDir: FileResult;
  certificate?: TopicResult<'certificate'>;
}

/** HTTP (by host name when Default Web Site is kept) and HTTPS bindings: see defaultWebSite.ts. */
export const siteBindings = (a: Answers): Binding[] => qatrackBindings(a);

export const virtualDirs = (l: Layout) => [
  { path: '/static', physicalPath: l.staticRoot },
  { path: '/media', physicalPath: l.mediaRoot },
];

export const healthCheckUrl = (a: Answers) => `http://${a.site.hostNames[0]}/accounts/login/`;

const certRef = (a: Answers): CertRef | undefined => {
  const c = a.site.https.enabled ? a.site.https.certificate : undefined;
  if (!c) return undefined;
  return c.mode === 'thumbprint' ? { thumbprint: c.thumbprint } : { friendlyName: selfSignedName(a) };
};
export const selfSignedName = (a: Answers) => `${SELF_SIGNED_NAME} (${a.site.name})`;

/** No IIS physical path may hold code or local_settings.py: refuse rather than expose it. */
export function assertNoCodeUnderIis(l: Layout): void {
  const norm = (p: string) => p.replace(/[\\/]+$/, '').toLowerCase() + '\\';
  for (const p of [iisRoot(l), l.staticRoot, l.mediaRoot]) {
    for (const code of [l.installDir, l.sourceDir]) {
      if (norm(p).startsWith(norm(code)) || norm(code).startsWith(norm(p)))
        throw new InstallerError(
          'IIS_PATH_EXPOSES_CODE',
          `IIS would serve ${p}, which overlaps ${code} (QATrack+ code and local_settings.py).`,
          'Choose a paths.dataDir outside paths.installDir.',
        );
    }
  }
}

async function probeSite(ctx: StepContext): Promise<SiteProbe> {
  const ref = certRef(ctx.answers);
  return {
    iis: await askWindows(ctx.host, 'iis', {}),
    webConfig: await ctx.host.query({
      kind: 'file',
      path: ctx.layout.join(iisRoot(ctx.layout), 'web.config'),
      sha256: true,
    }),
    rootDir: await ctx.host.query({ kind: 'file', path: iisRoot(ctx.layout) }),
    certificate: ref ? await askWindows(ctx.host, 'certificate', ref) : undefined,
  };
}

const sameBindings = (a: Binding[], b: Binding[]) =>
  JSON.stringify(a.map((x) => `${x.protocol}:${x.port}:${x.host}`).sort()) ===
  JSON.stringify(b.map((x) => `${x.protocol}:${x.port}:${x.host}`).sort());

export const iisSiteStep = defineStep<SiteProbe>({
  id: 'win-iis-site',
  title: 'IIS site and web farm',
  dependsOn: ['win-iis-features', 'win-default-site', 'win-services'],
  probe: probeSite,
  plan(ctx, p) {
    const { answers: a, layout } = ctx;
    assertNoCodeUnderIis(layout);
    const actions: ActionInput[] = [];
    const { iis } = p;
    if (!iis.proxy?.enabled || !iis.proxy.preserveHostHeader)
      actions.push({
        kind: 'iis',
        describe: 'Enable the ARR proxy server-wide (keep the Host header, 5 min timeout)',
        op: 'proxy',
        enabled: true,
      });
    for (const name of serverVariables(a))
      if (!iis.allowedServerVariables.includes(name))
        actions.push({
          kind: 'iis',
          describe: `Allow URL Rewrite to set server variable ${name}`,
          op: 'allowServerVariable',
          name,
        });
    const servers = workers(a).map((w) => ({ address: w.address, httpPort: w.port }));
    const farm = iis.webFarms.find((f) => f.name === FARM);
    const farmOk =
      farm &&
      farm.healthCheckUrl === healthCheckUrl(a) &&
      JSON.stringify(farm.servers) === JSON.stringify(servers);
    if (!farmOk)
      actions.push({
        kind: 'iis',
        describe: `Web farm ${FARM}: ${servers.map((s) => `${s.address}:${s.httpPort}`).join(', ')}, health check ${healthCheckUrl(a)} every 10 s`,
        op: 'webFarm',
        name: FARM,
        servers,
        healthCheck: {
          url: healthCheckUrl(a),
          interval: '00:00:10',
          timeout: '00:00:05',
          statusCodeMatch: '200',
        },
      });
    if (!iis.appPools.includes(APP_POOL))
      actions.push({
        kind: 'iis',
        describe: `Create app pool ${APP_POOL} (no managed code, no idle timeout)`,
        op: 'appPool',
        name: APP_POOL,
      });
    const root = iisRoot(layout);
    if (!p.rootDir.exists) actions.push({ kind: 'mkdir', describe: `Create folder ${root}`, path: root });
    const webConfig = siteWebConfig(a);
    const webConfigPath = layout.join(root, 'web.config');
    if (!p.webConfig.exists || p.webConfig.sha256 !== sha256(webConfig))
      actions.push({
        kind: 'writeFile',
        describe: `Write ${webConfigPath}: static and media served by IIS, everything else to ${FARM}, uploads up to ${a.site.maxUploadMB} MB, attachments of any extension under /media`,
        path: webConfigPath,
        content: [webConfig],
      });
    const site = iis.sites.find((s) => s.name === a.site.name);
    const bindings = siteBindings(a);
    const vdirs = virtualDirs(layout);
    const siteOk =
      site &&
      site.physicalPath.toLowerCase() === root.toLowerCase() &&
      site.appPool === APP_POOL &&
      sameBindings(site.bindings, bindings) &&
      JSON.stringify(site.virtualDirs) === JSON.stringify(vdirs) &&
      site.logDir === iisLogDir(layout) &&
      site.state === 'started';
    if (!siteOk)
      actions.push({
        kind: 'iis',
        describe: `Site "${a.site.name}" on ${bindings.map((b) => `${b.protocol} :${b.port}`).join(', ')}, root ${root}, /static from ${layout.staticRoot}, /media from ${layout.mediaRoot}, logs in ${iisLogDir(layout)}`,
        op: 'site',
        name: a.site.name,
        appPool: APP_POOL,
        physicalPath: root,
        bindings,
        virtualDirs: vdirs,
        logDir: iisLogDir(layout),
      });
    actions.push(...planAuthentication(a, site?.authentication ?? [], !siteOk));
    const ref = certRef(a);
    if (ref) {
      const cert = a.site.https.certificate!;
      if (cert.mode === 'thumbprint' && !p.certificate?.exists)
        throw new InstallerError(
          'CERTIFICATE_NOT_FOUND',
          `No certificate with thumbprint ${cert.thumbprint} is in the LocalMachine\\My store.`,
          'Import the certificate (with its private key) into Local Computer > Personal, or use {"mode":"selfSigned"} for testing.',
        );
      if (cert.mode === 'selfSigned' && !p.certificate?.exists)
        actions.push({
          kind: 'certificate',
          describe: `Create a self-signed certificate "${selfSignedName(a)}" for ${a.site.hostNames.join(', ')} (testing only)`,
          op: 'selfSigned',
          friendlyName: selfSignedName(a),
          dnsNames: a.site.hostNames,
        });
      const bound = iis.sslBindings.find((b) => b.port === a.site.https.port);
      const want = p.certificate?.thumbprint;
      if (!bound || !want || bound.thumbprint !== want)
        actions.push({
          kind: 'iis',
          describe: `Bind ${'thumbprint' in ref ? `certificate ${ref.thumbprint}` : `certificate "${ref.friendlyName}"`} to 0.0.0.0:${a.site.https.port}`,
          op: 'sslBinding',
          port: a.site.https.port,
          certificate: ref,
        });
    }
    return actions;
  },
  async verify(ctx) {
    const p = await probeSite(ctx);
    const plan = await this.plan(ctx, p);
    const a = ctx.answers;
    const site = p.iis.sites.find((s) => s.name === a.site.name);
    if (site && site.state !== 'started') {
      // The run state (Get-Website), not serverAutoStart: a configured site that did not start.
      const holders: string[] = [];
      for (const b of siteBindings(a)) {
        const r = await ctx.host.query({ kind: 'port', port: b.port });
        const o = r.inUse ? r.owner : undefined;
        if (o && o.iisSite !== a.site.name)
          holders.push(
            `port ${b.port} is held by ${o.iisSite ? `IIS site "${o.iisSite}"` : o.service ? `service "${o.service}"` : `${o.process ?? 'another program'}${o.pid ? ` (PID ${o.pid})` : ''}`}`,
          );
      }
      return [
        {
          id: 'iis.site.started',
          title: `IIS site "${a.site.name}" is running`,
          ok: false,
          detail: `the site is ${site.state}${holders.length ? `: ${holders.join('; ')}` : ''}`,
          fix: holders.some((h) => h.includes('"Default Web Site"'))
            ? 'Set site.defaultWebSite to "stop" (the default) and run repair, or "keep" to bind QATrack+ by host name.'
            : holders.length
              ? `Stop what holds the port or choose another site.httpPort / site.https.port, then run repair.`
              : 'Run repair; the IIS log and the System event log (source W3SVC) say why the site did not start.',
        },
      ];
    }
    return [
      {
        id: 'iis.site',
        title: `IIS site "${ctx.answers.site.name}" and farm ${FARM}`,
        ok: plan.length === 0,
        detail: plan.length ? `differs: ${plan.map((x) => x.describe).join('; ')}` : 'as planned',
        fix: plan.length ? 'Run repair.' : undefined,
      },
    ];
  },
  planUninstall(ctx, p) {
    const a = ctx.answers;
    const actions: ActionInput[] = [];
    if (a.site.https.enabled && p.iis.sslBindings.some((b) => b.port === a.site.https.port))
      actions.push({
        kind: 'iis',
        describe: `Remove the certificate binding on 0.0.0.0:${a.site.https.port}`,
        op: 'removeSslBinding',
        port: a.site.https.port,
      });
    if (p.iis.sites.some((s) => s.name === a.site.name))
      actions.push({
        kind: 'iis',
        describe: `Remove IIS site "${a.site.name}"`,
        op: 'removeSite',
        name: a.site.name,
      });
    if (p.iis.appPools.includes(APP_POOL))
      actions.push({
        kind: 'iis',
        describe: `Remove app pool ${APP_POOL}`,
        op: 'removeAppPool',
        name: APP_POOL,
      });
    if (p.iis.webFarms.some((f) => f.name === FARM))
      actions.push({ kind: 'iis', describe: `Remove web farm ${FARM}`, op: 'removeWebFarm', name: FARM });
    return actions;
  },
});
