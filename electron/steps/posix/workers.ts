import { createHash, createHmac } from 'node:crypto';
import type { ActionInput, ServiceSpec } from '../../engine/actions/index.js';
import { serviceSpecHash } from '../../engine/actions/spec-hash.js';
import { renderTemplatedText } from '../../engine/secret-text.js';
import type { ServiceResult } from '../../engine/queries.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { probeLocalSettings, secretKeyPath } from '../common/local-settings.js';
import { probeSource } from '../common/source.js';
import { MAX_WORKERS, workerName, workerPorts } from './names.js';

/**
 * What the workers run, as a short stamp in their spec: a change gives a new spec hash, so `ensure`
 * restarts them. It covers the release and local_settings.py including passwords, as an HMAC keyed
 * by the site's own SECRET_KEY file so the stamp (in plans and spec.json) reveals nothing about a
 * password. Before that key exists (first plan, sim) it covers the text without secret values.
 */
export async function configStamp(ctx: StepContext): Promise<string> {
  const [settings, source, key] = await Promise.all([
    probeLocalSettings(ctx),
    probeSource(ctx),
    ctx.host.query({ kind: 'file', path: secretKeyPath(ctx), content: true }),
  ]);
  const keyText = key.exists ? key.content?.trim() : undefined;
  const mac = keyText
    ? createHmac('sha256', keyText).update(renderTemplatedText(settings.content, ctx.secrets))
    : createHash('sha256').update(renderTemplatedText(settings.content, ctx.secrets, true));
  return mac
    .update('\0')
    .update(source.expectedStamp ?? '')
    .digest('hex')
    .slice(0, 16);
}

export function workerSpec(ctx: StepContext, n: number, port: number, stamp: string): ServiceSpec {
  const { layout } = ctx;
  return {
    name: workerName(n),
    displayName: `QATrack+ Worker ${n}`,
    description: `QATrack+ WSGI worker (cheroot) on 127.0.0.1:${port}`,
    file: layout.venvPython,
    args: [
      '-m',
      'cheroot',
      '--bind',
      `127.0.0.1:${port}`,
      '--chdir',
      layout.sourceDir,
      '--threads',
      '10',
      'qatrack.wsgi:application',
    ],
    cwd: layout.sourceDir,
    env: { DJANGO_SETTINGS_MODULE: 'qatrack.settings', PYTHONUNBUFFERED: '1', QATRACK_CONFIG: stamp },
    logDir: layout.logDir,
    port,
  };
}

export interface WorkersProbe {
  stamp: string;
  wanted: Record<string, ServiceResult>;
  /** Workers above the configured count that still exist (count was lowered). */
  surplus: string[];
}

export async function probeWorkers(ctx: StepContext): Promise<WorkersProbe> {
  const stamp = await configStamp(ctx);
  const wanted = Object.fromEntries(
    await Promise.all(
      workerPorts(ctx).map(
        async (w) => [w.name, await ctx.host.query({ kind: 'service', name: w.name })] as const,
      ),
    ),
  );
  const extra = await Promise.all(
    Array.from({ length: MAX_WORKERS - ctx.answers.workers.count }, async (_, i) => {
      const name = workerName(ctx.answers.workers.count + i + 1);
      return (await ctx.host.query({ kind: 'service', name })).exists ? name : undefined;
    }),
  );
  return { stamp, wanted, surplus: extra.filter((x): x is string => x !== undefined) };
}

/** N cheroot workers serving qatrack.wsgi:application on 127.0.0.1:basePort+N, as supervised services. */
export const workersStep = defineStep<WorkersProbe>({
  id: 'workers',
  title: 'QATrack+ workers (cheroot)',
  dependsOn: ['django', 'preflight'],
  probe: probeWorkers,
  plan(ctx, p): ActionInput[] {
    const actions: ActionInput[] = [];
    const host = ctx.answers.site.hostNames[0];
    for (const w of workerPorts(ctx)) {
      const spec = workerSpec(ctx, w.n, w.port, p.stamp);
      const now = p.wanted[w.name];
      const upToDate = now?.exists && now.specHash === serviceSpecHash(spec);
      if (upToDate && now.exists && now.state === 'running') continue;
      actions.push(
        upToDate
          ? { kind: 'service', op: 'start', name: w.name, describe: `Start ${spec.displayName}` }
          : {
              kind: 'service',
              op: 'ensure',
              name: w.name,
              spec,
              describe: `${now?.exists ? 'Update and restart' : 'Create and start'} ${spec.displayName} on 127.0.0.1:${w.port}`,
            },
        {
          kind: 'waitHttp',
          describe: `Wait for ${spec.displayName} to answer on 127.0.0.1:${w.port}`,
          url: `http://127.0.0.1:${w.port}/accounts/login/`,
          hostHeader: host,
          expectStatus: [200],
          timeoutMs: 60_000,
        },
      );
    }
    for (const name of p.surplus)
      actions.push({
        kind: 'service',
        op: 'remove',
        name,
        describe: `Remove ${name} (above the worker count)`,
      });
    return actions;
  },
  planUninstall: (_ctx, p) =>
    [
      ...Object.entries(p.wanted)
        .filter(([, s]) => s.exists)
        .map(([name]) => name),
      ...p.surplus,
    ].map((name): ActionInput => ({
      kind: 'service',
      op: 'remove',
      name,
      describe: `Stop and remove ${name}`,
    })),
  async verify(ctx) {
    const host = ctx.answers.site.hostNames[0];
    return Promise.all(
      workerPorts(ctx).map(async (w) => {
        const r = await ctx.host.query({
          kind: 'http',
          url: `http://127.0.0.1:${w.port}/accounts/login/`,
          hostHeader: host,
          timeoutMs: 10_000,
        });
        return {
          id: `workers.${w.n}`,
          title: `Worker ${w.n} answers on 127.0.0.1:${w.port}`,
          ok: r.ok && r.status === 200,
          detail: r.ok ? `HTTP ${r.status}` : r.error,
          fix: 'Run `repair`; see the worker log in the data folder.',
        };
      }),
    );
  },
});
