import { createHash } from 'node:crypto';
import type { ActionInput, ServiceSpec } from '../../engine/actions/index.js';
import { maxUploadBytes } from '../../engine/answers/index.js';
import { serviceSpecHash } from '../../engine/actions/spec-hash.js';
import { InputError } from '../../engine/errors.js';
import type { ServiceResult } from '../../engine/queries.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { homeRedirectProblem, LOGIN_FORM } from '../common/site-checks.js';
import { PROXY_SERVICE, workerPorts } from './names.js';
import { nginxPaths, renderNginxConfig } from './nginx-config.js';

/** Where Debian and source builds put nginx. */
export const NGINX_CANDIDATES = [
  '/usr/sbin/nginx',
  '/usr/local/sbin/nginx',
  '/usr/bin/nginx',
  '/usr/local/nginx/sbin/nginx',
];

export interface ProxyProbe {
  nginx?: string;
  config: string;
  configSha256: string;
  actualSha256?: string;
  service: ServiceResult;
  tempDirsExist: boolean;
}

export async function findNginx(ctx: StepContext): Promise<string | undefined> {
  const found = await Promise.all(NGINX_CANDIDATES.map((path) => ctx.host.query({ kind: 'file', path })));
  const i = found.findIndex((f) => f.exists && f.type === 'file');
  return i >= 0 ? NGINX_CANDIDATES[i] : undefined;
}

export async function probeProxy(ctx: StepContext): Promise<ProxyProbe> {
  const paths = nginxPaths(ctx.layout);
  const [nginx, os, conf, service, temp] = await Promise.all([
    findNginx(ctx),
    ctx.host.query({ kind: 'os' }),
    ctx.host.query({ kind: 'file', path: paths.conf, sha256: true }),
    ctx.host.query({ kind: 'service', name: PROXY_SERVICE }),
    ctx.host.query({ kind: 'file', path: ctx.layout.join(paths.temp, 'proxy') }),
  ]);
  const config = renderNginxConfig({
    layout: ctx.layout,
    httpPort: ctx.answers.site.httpPort,
    hostNames: ctx.answers.site.hostNames,
    workerPorts: workerPorts(ctx).map((w) => w.port),
    runAsRoot: os.elevated,
    maxBodyBytes: maxUploadBytes(ctx.answers),
  });
  return {
    nginx,
    config,
    configSha256: createHash('sha256').update(config).digest('hex'),
    actualSha256: conf.exists ? conf.sha256 : undefined,
    service,
    tempDirsExist: temp.exists,
  };
}

export function proxySpec(ctx: StepContext, nginx: string, configSha256: string): ServiceSpec {
  const paths = nginxPaths(ctx.layout);
  return {
    name: PROXY_SERVICE,
    displayName: 'QATrack+ reverse proxy (nginx)',
    description: `nginx on 127.0.0.1:${ctx.answers.site.httpPort} in front of the workers`,
    file: nginx,
    args: ['-p', ctx.layout.proxyDir, '-c', paths.conf, '-e', paths.errorLog],
    cwd: ctx.layout.proxyDir,
    // A new configuration gives a new spec hash, so `ensure` restarts nginx with it.
    env: { QATRACK_CONFIG: configSha256.slice(0, 16) },
    logDir: ctx.layout.logDir,
    port: ctx.answers.site.httpPort,
  };
}

/** nginx in front of the workers, run in the foreground as a supervised service. */
export const proxyStep = defineStep<ProxyProbe>({
  id: 'proxy',
  title: 'Reverse proxy (nginx)',
  dependsOn: ['workers', 'preflight'],
  probe: probeProxy,
  plan(ctx, p): ActionInput[] {
    if (!p.nginx)
      throw new InputError(
        'NGINX_MISSING',
        `nginx was not found (looked in ${NGINX_CANDIDATES.join(', ')}).`,
        [{ path: 'site', message: 'the posix profile needs nginx as its reverse proxy' }],
        'Install it (Debian: apt-get install nginx-light).',
      );
    const paths = nginxPaths(ctx.layout);
    const spec = proxySpec(ctx, p.nginx, p.configSha256);
    const actions: ActionInput[] = [];
    if (!p.tempDirsExist)
      actions.push(
        ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t): ActionInput => ({
          kind: 'mkdir',
          describe: `Create nginx temp folder ${t}`,
          path: ctx.layout.join(paths.temp, t),
        })),
        { kind: 'mkdir', describe: `Create the log folder ${ctx.layout.logDir}`, path: ctx.layout.logDir },
        {
          kind: 'mkdir',
          describe: `Create the media folder ${ctx.layout.mediaRoot}`,
          path: ctx.layout.mediaRoot,
        },
      );
    const upToDate = p.service.exists && p.service.specHash === serviceSpecHash(spec);
    const running = p.service.exists && p.service.state === 'running';
    if (p.actualSha256 !== p.configSha256)
      actions.push({
        kind: 'writeFile',
        describe: `Write the nginx configuration ${paths.conf}`,
        path: paths.conf,
        content: [p.config],
      });
    // Never (re)start nginx on a configuration it refuses.
    if (p.actualSha256 !== p.configSha256 || !upToDate || !running)
      actions.push({
        kind: 'exec',
        describe: `Check the nginx configuration (nginx -t)`,
        file: p.nginx,
        args: ['-t', '-q', ...spec.args],
        timeoutMs: 30_000,
      });
    if (!upToDate || !running) {
      actions.push(
        upToDate
          ? { kind: 'service', op: 'start', name: PROXY_SERVICE, describe: `Start ${spec.displayName}` }
          : {
              kind: 'service',
              op: 'ensure',
              name: PROXY_SERVICE,
              spec,
              describe: `${p.service.exists ? 'Update and restart' : 'Create and start'} ${spec.displayName} on 127.0.0.1:${ctx.answers.site.httpPort}`,
            },
        {
          kind: 'waitHttp',
          describe: `Wait for QATrack+ to answer through nginx on 127.0.0.1:${ctx.answers.site.httpPort}`,
          url: `http://127.0.0.1:${ctx.answers.site.httpPort}/accounts/login/`,
          hostHeader: ctx.answers.site.hostNames[0],
          expectStatus: [200],
          timeoutMs: 60_000,
        },
      );
    }
    return actions;
  },
  planUninstall: (_ctx, p) =>
    p.service.exists
      ? [
          {
            kind: 'service',
            op: 'remove',
            name: PROXY_SERVICE,
            describe: 'Stop and remove the nginx reverse proxy',
          },
        ]
      : [],
  async verify(ctx) {
    const base = `http://127.0.0.1:${ctx.answers.site.httpPort}`;
    const hostHeader = ctx.answers.site.hostNames[0];
    const [home, login, tux] = await Promise.all([
      ctx.host.query({ kind: 'http', url: `${base}/`, hostHeader, timeoutMs: 10_000 }),
      ctx.host.query({ kind: 'http', url: `${base}/accounts/login/`, hostHeader, timeoutMs: 10_000 }),
      ctx.host.query({ kind: 'http', url: `${base}/static/qa/img/tux.png`, hostHeader, timeoutMs: 10_000 }),
    ]);
    const byNginx = tux.ok && tux.status === 200 && tux.headers['x-served-by'] === 'nginx';
    const home302 = homeRedirectProblem(home);
    return [
      {
        id: 'site.home',
        title: `QATrack+ at ${base}/ sends anonymous users to the login page`,
        ok: home302 === undefined,
        detail: home302 ?? `HTTP 302 to ${home.ok ? home.headers.location : ''}`,
        fix: 'Run `repair`; see the logs in the data folder.',
      },
      {
        id: 'site.login',
        title: `The login page answers at ${base}/accounts/login/`,
        ok: login.ok && login.status === 200 && LOGIN_FORM.test(login.body),
        detail: !login.ok
          ? login.error
          : login.status !== 200
            ? `HTTP ${login.status}`
            : LOGIN_FORM.test(login.body)
              ? 'HTTP 200 with the login form'
              : 'HTTP 200 but the page has no login form',
        fix: 'Run `repair`; see the logs in the data folder.',
      },
      {
        id: 'site.static',
        title: 'Static files are served by nginx (/static/qa/img/tux.png)',
        ok: byNginx,
        detail: tux.ok
          ? `HTTP ${tux.status}, served by ${tux.headers['x-served-by'] ?? 'a worker'}`
          : tux.error,
        fix: 'Run `repair` (collectstatic and the nginx configuration).',
      },
    ];
  },
});
