import type { HttpResult } from '../../engine/queries.js';
import { defineStep, type Check, type StepContext } from '../../engine/step.js';
import { homeRedirectProblem } from '../common/site-checks.js';
import { serviceNames, workers } from '../../windows/names.js';

/**
 * The end-to-end proof: every service running, each worker answering on its loopback address, the
 * site answering through IIS, the penguin served by IIS itself (not a worker) and the login page
 * rendering. Plans nothing; its checks are the readable report.
 */

const header = (r: HttpResult, name: string) => (r.ok ? (r.headers[name.toLowerCase()] ?? '') : '');

export function siteUrl(ctx: StepContext, path: string): string {
  const a = ctx.answers;
  const https = a.site.https.enabled;
  return https
    ? `https://127.0.0.1:${a.site.https.port}${path}`
    : `http://127.0.0.1:${a.site.httpPort}${path}`;
}

const httpCheck = (
  id: string,
  title: string,
  r: HttpResult,
  ok: (r: Extract<HttpResult, { ok: true }>) => string | undefined,
  fix: string,
): Check => {
  if (!r.ok) return { id, title, ok: false, detail: r.error, fix };
  const problem = ok(r);
  return { id, title, ok: !problem, detail: problem ?? `HTTP ${r.status}`, fix: problem ? fix : undefined };
};

export const verifySiteStep = defineStep<null>({
  id: 'win-verify',
  title: 'Verify the site',
  dependsOn: ['win-hardening', 'win-iis-site'],
  probe: () => Promise.resolve(null),
  plan: () => [],
  async verify(ctx) {
    const { host, answers: a } = ctx;
    const hostHeader = a.site.hostNames[0];
    const checks: Check[] = [];
    for (const name of serviceNames(a)) {
      const s = await host.query({ kind: 'service', name });
      checks.push({
        id: `verify.service.${name}`,
        title: `Service ${name}`,
        ok: s.exists && s.state === 'running',
        detail: s.exists ? s.state : 'not installed',
        fix: 'Run repair; the service log is in the data folder under logs\\services.',
      });
    }
    for (const w of workers(a)) {
      const r = await host.query({
        kind: 'http',
        url: `http://${w.address}:${w.port}/accounts/login/`,
        hostHeader,
        timeoutMs: 10_000,
      });
      checks.push(
        httpCheck(
          `verify.worker.${w.n}`,
          `${w.displayName} on ${w.address}:${w.port}`,
          r,
          (x) => (x.status === 200 ? undefined : `HTTP ${x.status}`),
          `Check service ${w.name} and its log.`,
        ),
      );
    }
    const login = await host.query({
      kind: 'http',
      url: siteUrl(ctx, '/accounts/login/'),
      hostHeader,
      timeoutMs: 15_000,
    });
    checks.push(
      httpCheck(
        'verify.site',
        'Login page through IIS',
        login,
        (x) =>
          x.status !== 200
            ? `HTTP ${x.status}${x.status === 502 ? ' (502: no worker answered; are the services running?)' : ''}${x.status === 403 ? ' (403: the proxy rule did not run; are URL Rewrite and ARR installed?)' : ''}`
            : /password/i.test(x.body)
              ? undefined
              : 'the page has no login form',
        'Run repair; then read the IIS log in the data folder under logs\\iis.',
      ),
    );
    const home = await host.query({ kind: 'http', url: siteUrl(ctx, '/'), hostHeader, timeoutMs: 15_000 });
    const homeProblem = homeRedirectProblem(home);
    checks.push({
      id: 'verify.home',
      title: '/ sends anonymous users to the login page (302) through IIS',
      ok: homeProblem === undefined,
      detail: homeProblem ?? `HTTP 302 to ${home.ok ? home.headers.location : ''}`,
      fix: homeProblem ? 'Run repair; then read the IIS log in the data folder under logs\\iis.' : undefined,
    });
    const tux = await host.query({
      kind: 'http',
      url: siteUrl(ctx, '/static/qa/img/tux.png'),
      hostHeader,
      timeoutMs: 10_000,
    });
    checks.push(
      httpCheck(
        'verify.static',
        '/static/qa/img/tux.png served by IIS',
        tux,
        (x) =>
          x.status !== 200
            ? `HTTP ${x.status} (static files missing: run repair so collectstatic runs)`
            : !header(tux, 'content-type').startsWith('image/png')
              ? `content type ${header(tux, 'content-type')}`
              : // IIS's static handler sends byte ranges and an ETag; Django behind the proxy does not.
                !header(tux, 'accept-ranges') || !header(tux, 'etag')
                ? 'answered by a worker, not by IIS'
                : undefined,
        'Run repair so the static rule precedes the proxy rule.',
      ),
    );
    return checks;
  },
});
