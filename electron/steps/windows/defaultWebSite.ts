import { z } from 'zod';
import type { ActionInput, Binding } from '../../engine/actions/index.js';
import type { Answers } from '../../engine/answers/index.js';
import type { Layout } from '../../engine/layout.js';
import type { FileResult } from '../../engine/queries.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { askWindows, type IisSite, type IisSnapshot } from '../../windows/topics.js';

/**
 * IIS's "Default Web Site" and QATrack+'s port. Adding the Web-Server role creates Default Web Site
 * on `*:80:` and starts it (the sim's addDefaultWebSite names the sources), so on a fresh server
 * QATrack+'s site on :80 could never start. `site.defaultWebSite` makes the choice visible:
 * - "stop" (default, the seed guide's step): stop it and set serverAutoStart false. What it was
 *   before is recorded on the machine (stateDir\default-web-site.json), and uninstall puts it back.
 * - "keep": leave it alone and bind QATrack+'s HTTP port by host name (site.hostNames[0]); http.sys
 *   routes by Host header, the blank-host Default Web Site keeps every other name.
 * The plan is made before IIS exists too: without Web-Server, Default Web Site is predicted as it
 * will be once the IIS step added it, so `plan` on a fresh server already shows the stop.
 */

export const DEFAULT_WEB_SITE = 'Default Web Site';

/** What IIS creates with the Web-Server role (see electron/hosts/sim/windows/iis.ts for sources). */
const PREDICTED: Pick<IisSite, 'bindings' | 'state' | 'autoStart'> = {
  bindings: [{ protocol: 'http', port: 80, host: '' }],
  state: 'started',
  autoStart: true,
};

const recordSchema = z.object({ state: z.enum(['started', 'stopped']), autoStart: z.boolean() }).strict();
export type DefaultSiteRecord = z.infer<typeof recordSchema>;

export const defaultSiteRecordPath = (l: Layout) => l.join(l.stateDir, 'default-web-site.json');

/** QATrack+'s bindings: by host name on the HTTP port when Default Web Site is kept. */
export const qatrackBindings = (a: Answers): Binding[] => {
  const b: Binding[] = [
    {
      protocol: 'http',
      port: a.site.httpPort,
      host: a.site.defaultWebSite === 'keep' ? a.site.hostNames[0]!.toLowerCase() : '',
    },
  ];
  if (a.site.https.enabled) b.push({ protocol: 'https', port: a.site.https.port, host: '' });
  return b;
};

interface DefaultSiteProbe {
  iisInstalled: boolean;
  site?: Pick<IisSite, 'bindings' | 'state' | 'autoStart'>;
  predicted: boolean;
  record: FileResult;
}

/** Does Default Web Site hold one of QATrack+'s bindings (same port, same host)? */
export function holdsOurPort(a: Answers, site: Pick<IisSite, 'bindings'>): number | undefined {
  for (const ours of qatrackBindings(a)) {
    const hit = site.bindings.find((b) => b.port === ours.port && b.host.toLowerCase() === ours.host);
    if (hit) return hit.port;
  }
  return undefined;
}

async function probe(ctx: StepContext): Promise<DefaultSiteProbe> {
  const iis: IisSnapshot = await askWindows(ctx.host, 'iis', {});
  const features = (await askWindows(ctx.host, 'features', {})).enabled;
  const record = await ctx.host.query({
    kind: 'file',
    path: defaultSiteRecordPath(ctx.layout),
    content: true,
  });
  const site = iis.sites.find((s) => s.name === DEFAULT_WEB_SITE);
  const webServer = iis.installed && features.includes('Web-Server');
  if (site) return { iisInstalled: webServer, site, predicted: false, record };
  // IIS is not there yet: the IIS step will add it, and Default Web Site with it.
  if (!webServer) return { iisInstalled: false, site: PREDICTED, predicted: true, record };
  return { iisInstalled: true, predicted: false, record };
}

const readRecord = (f: FileResult): DefaultSiteRecord | undefined => {
  if (!f.exists || !('content' in f) || typeof f.content !== 'string') return undefined;
  try {
    const r = recordSchema.safeParse(JSON.parse(f.content));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
};

export const defaultWebSiteStep = defineStep<DefaultSiteProbe>({
  id: 'win-default-site',
  title: 'Default Web Site',
  dependsOn: ['win-iis-features'],
  probe,
  plan(ctx, p) {
    const a = ctx.answers;
    if (a.site.defaultWebSite === 'keep' || !p.site) return [];
    const port = holdsOurPort(a, p.site);
    if (port === undefined) return [];
    if (p.site.state === 'stopped' && !p.site.autoStart) return [];
    const actions: ActionInput[] = [];
    const path = defaultSiteRecordPath(ctx.layout);
    if (!readRecord(p.record)) {
      const before: DefaultSiteRecord = { state: p.site.state, autoStart: p.site.autoStart };
      actions.push({
        kind: 'writeFile',
        describe: `Record how "${DEFAULT_WEB_SITE}" was (${before.state}, serverAutoStart ${before.autoStart}) in ${path}, so uninstall restores it`,
        path,
        content: [`${JSON.stringify(before)}\n`],
      });
    }
    actions.push({
      kind: 'iis',
      describe: `Stop IIS's "${DEFAULT_WEB_SITE}" and set serverAutoStart false: it ${p.predicted ? 'will hold' : 'holds'} port ${port}, which site "${a.site.name}" needs (site.defaultWebSite "stop"; "keep" binds QATrack+ by host name ${a.site.hostNames[0]} instead)`,
      op: 'siteState',
      name: DEFAULT_WEB_SITE,
      state: 'stopped',
      autoStart: false,
    });
    return actions;
  },
  async verify(ctx) {
    const a = ctx.answers;
    const p = await probe(ctx);
    const port = p.site ? holdsOurPort(a, p.site) : undefined;
    if (port === undefined || !p.site || p.predicted)
      return [
        {
          id: 'iis.defaultWebSite',
          title: `"${DEFAULT_WEB_SITE}" and port ${a.site.httpPort}`,
          ok: true,
          detail:
            a.site.defaultWebSite === 'keep'
              ? `kept; QATrack+ answers for ${a.site.hostNames[0]} on port ${a.site.httpPort}`
              : 'does not hold a QATrack+ port',
        },
      ];
    const running = p.site.state === 'started';
    return [
      {
        id: 'iis.defaultWebSite',
        title: `"${DEFAULT_WEB_SITE}" and port ${port}`,
        ok: !running,
        detail: running ? `started and holding port ${port}` : 'stopped, serverAutoStart false',
        fix: running
          ? `Run repair (site.defaultWebSite "stop" stops it), or set site.defaultWebSite to "keep" to bind QATrack+ by host name.`
          : undefined,
      },
    ];
  },
  planUninstall(ctx, p) {
    if (!p.record.exists) return [];
    return restoreFromRecord(ctx, p, 'before QATrack+', '');
  },
});

/**
 * Puts Default Web Site back as the record says, if it differs now, then deletes the record. Shared by
 * uninstall and by "keep" after an earlier "stop".
 */
function restoreFromRecord(
  ctx: StepContext,
  p: DefaultSiteProbe,
  asItWas: string,
  why: string,
): ActionInput[] {
  const before = readRecord(p.record);
  const actions: ActionInput[] = [];
  if (
    before &&
    p.site &&
    !p.predicted &&
    (p.site.state !== before.state || p.site.autoStart !== before.autoStart)
  )
    actions.push({
      kind: 'iis',
      describe: `Put "${DEFAULT_WEB_SITE}" back as it was ${asItWas} (${before.state}, serverAutoStart ${before.autoStart})${why && `: ${why}`}`,
      op: 'siteState',
      name: DEFAULT_WEB_SITE,
      state: before.state,
      autoStart: before.autoStart,
    });
  const path = defaultSiteRecordPath(ctx.layout);
  actions.push({
    kind: 'remove',
    describe: `Delete ${path}${why && ': nothing of ours to undo any more'}`,
    path,
  });
  return actions;
}

/**
 * "keep" after an earlier "stop": put Default Web Site back the way the record says it was, and only
 * if we changed it (the record exists only when an install stopped it). It runs after the IIS site
 * step, which has by then rebound QATrack+ by host name, so the blank-host Default Web Site can
 * take *:80 again; before that, the two would collide on the port (0x800700B7).
 */
export const defaultWebSiteKeepStep = defineStep<DefaultSiteProbe>({
  id: 'win-default-site-keep',
  title: 'Default Web Site (kept)',
  dependsOn: ['win-iis-site'],
  probe,
  plan(ctx, p) {
    if (ctx.answers.site.defaultWebSite !== 'keep' || !p.record.exists) return [];
    return restoreFromRecord(ctx, p, 'before QATrack+ stopped it', 'site.defaultWebSite is "keep" now');
  },
});
