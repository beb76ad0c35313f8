import type { ActionInput } from '../../engine/actions/index.js';
import type { Answers } from '../../engine/answers/index.js';
import type { ProductResult } from '../../engine/queries.js';
import { defineStep } from '../../engine/step.js';
import { artifact, IIS_FEATURES, MSIEXEC, PRODUCT, setupLogDir } from '../../windows/names.js';
import { SETUP_LOGS_STEP } from './setupLogs.js';
import { askWindows } from '../../windows/topics.js';

/**
 * IIS with static content and request filtering, then URL Rewrite 2.1 and ARR 3.0 from the bundle
 * (Rewrite first: ARR's MSI needs it, and both need IIS). Modules already installed are reused.
 */

/**
 * Windows integrated sign-in needs IIS's Windows Authentication role service (feature
 * Web-Windows-Auth; https://learn.microsoft.com/iis/configuration/system.webserver/security/authentication/windowsauthentication/).
 */
export const iisFeaturesFor = (a: Answers): string[] =>
  a.signIn.kind === 'windowsIntegrated' ? [...IIS_FEATURES, 'Web-Windows-Auth'] : [...IIS_FEATURES];

interface IisFeaturesProbe {
  enabled: string[];
  urlRewrite: ProductResult;
  arr: ProductResult;
}

export const iisFeaturesStep = defineStep<IisFeaturesProbe>({
  id: 'win-iis-features',
  title: 'IIS, URL Rewrite 2.1 and ARR 3.0',
  dependsOn: ['win-preflight', SETUP_LOGS_STEP],
  async probe(ctx) {
    return {
      enabled: (await askWindows(ctx.host, 'features', {})).enabled,
      urlRewrite: await ctx.host.query({ kind: 'product', id: PRODUCT.urlRewrite }),
      arr: await ctx.host.query({ kind: 'product', id: PRODUCT.arr }),
    };
  },
  plan(ctx, p) {
    const { layout, release } = ctx;
    const actions: ActionInput[] = [];
    const missing = iisFeaturesFor(ctx.answers).filter((f) => !p.enabled.includes(f));
    if (missing.length)
      actions.push({
        kind: 'windowsFeature',
        describe: `Enable Windows features ${missing.join(', ')}`,
        op: 'enable',
        features: missing,
      });
    const logs = setupLogDir(layout);
    const msi = (id: 'urlrewrite' | 'arr', product: string, name: string) => {
      const log = layout.join(logs, `${id}.log`);
      const version = release.versions[id] ?? (id === 'arr' ? '3.0' : '2.1');
      actions.push({
        kind: 'exec',
        describe: `Install ${name} ${version} with msiexec (log ${log})`,
        file: MSIEXEC,
        args: ['/i', artifact(release, id), '/qn', '/norestart', '/l*v', log],
        okExitCodes: [0],
        rebootExitCodes: [3010, 1641],
        timeoutMs: 10 * 60_000,
        produces: [{ kind: 'product', id: product, version, name }],
      });
    };
    if (!p.urlRewrite.installed) msi('urlrewrite', PRODUCT.urlRewrite, 'IIS URL Rewrite');
    if (!p.arr.installed) msi('arr', PRODUCT.arr, 'IIS Application Request Routing');
    return actions;
  },
  async verify(ctx) {
    const p = await this.probe(ctx);
    const missing = iisFeaturesFor(ctx.answers).filter((f) => !p.enabled.includes(f));
    return [
      {
        id: 'iis.features',
        title: 'IIS features',
        ok: missing.length === 0,
        detail: missing.length ? `missing ${missing.join(', ')}` : 'all enabled',
        fix: missing.length ? 'Run repair.' : undefined,
      },
      {
        id: 'iis.modules',
        title: 'URL Rewrite and ARR',
        ok: p.urlRewrite.installed && p.arr.installed,
        detail: `URL Rewrite ${p.urlRewrite.installed ? p.urlRewrite.version : 'missing'}, ARR ${p.arr.installed ? p.arr.version : 'missing'}`,
        fix: p.urlRewrite.installed && p.arr.installed ? undefined : 'Run repair.',
      },
    ];
  },
  // IIS and its modules stay on uninstall: other sites may use them.
});
