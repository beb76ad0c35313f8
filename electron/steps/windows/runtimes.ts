import type { ActionInput } from '../../engine/actions/index.js';
import type { ProductResult } from '../../engine/queries.js';
import { defineStep } from '../../engine/step.js';
import { artifact, MSIEXEC, ODBC_DRIVER, PRODUCT, setupLogDir } from '../../windows/names.js';
import { SETUP_LOGS_STEP } from './setupLogs.js';

/**
 * VC++ 2015-2022 runtime and Microsoft ODBC Driver 17 for SQL Server. The server is 64-bit, so the
 * x64 ODBC MSI (which also installs the 32-bit driver) and the x64 runtime it needs always go in; a
 * 32-bit Python additionally needs the x86 runtime. Each is skipped when a compatible version is
 * already installed. Exit code 3010 is success with a reboot pending: the runner finishes what it
 * can and records the reboot.
 */

interface VcRuntime {
  arch: 'x64' | 'x86';
  product: string;
}

const vcRuntimes = (pythonArch: 'x64' | 'x86'): VcRuntime[] => [
  { arch: 'x64', product: PRODUCT.vcredist },
  ...(pythonArch === 'x86' ? [{ arch: 'x86' as const, product: PRODUCT.vcredistX86 }] : []),
];

interface RuntimesProbe {
  vcredist: { runtime: VcRuntime; found: ProductResult }[];
  odbc: ProductResult;
}

/** Compare dotted versions numerically ("v14.44.35211.00" >= "14.40"). */
export function versionAtLeast(have: string, want: string): boolean {
  const parse = (v: string) =>
    v
      .replace(/^v/i, '')
      .split('.')
      .map((x) => Number.parseInt(x, 10) || 0);
  const h = parse(have);
  const w = parse(want);
  for (let i = 0; i < Math.max(h.length, w.length); i++) {
    const d = (h[i] ?? 0) - (w[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

export const runtimesStep = defineStep<RuntimesProbe>({
  id: 'win-runtimes',
  title: 'VC++ runtime and ODBC Driver 17',
  dependsOn: ['win-preflight', SETUP_LOGS_STEP],
  async probe(ctx) {
    const vcredist: RuntimesProbe['vcredist'] = [];
    for (const runtime of vcRuntimes(ctx.answers.python.arch)) {
      vcredist.push({ runtime, found: await ctx.host.query({ kind: 'product', id: runtime.product }) });
    }
    return { vcredist, odbc: await ctx.host.query({ kind: 'product', id: PRODUCT.odbc }) };
  },
  plan(ctx, p) {
    const { layout, release } = ctx;
    const logs = setupLogDir(layout);
    const actions: ActionInput[] = [];
    const vcWant = release.versions.vcredist ?? '14.0';
    const odbcWant = release.versions.odbc ?? '17.0';
    const needVc = p.vcredist.filter(
      ({ found }) => !found.installed || !versionAtLeast(found.version, vcWant),
    );
    const needOdbc = !p.odbc.installed || !versionAtLeast(p.odbc.version, odbcWant);
    for (const { runtime } of needVc) {
      const log = layout.join(logs, `vcredist-${runtime.arch}.log`);
      actions.push({
        kind: 'exec',
        describe: `Install Visual C++ 2015-2022 runtime ${vcWant} (${runtime.arch}) silently (log ${log})`,
        file: artifact(release, `vcredist@${runtime.arch}`),
        args: ['/install', '/quiet', '/norestart', '/log', log],
        // 1638: the same or a newer v14 runtime is already there, which is what we need.
        okExitCodes: [0, 1638],
        rebootExitCodes: [3010, 1641],
        timeoutMs: 10 * 60_000,
        produces: [
          {
            kind: 'product',
            id: runtime.product,
            version: vcWant,
            name: `Visual C++ 2015-2022 (${runtime.arch})`,
          },
        ],
      });
    }
    if (needOdbc) {
      const log = layout.join(logs, 'msodbcsql17.log');
      actions.push({
        kind: 'exec',
        describe: `Install ${ODBC_DRIVER} ${odbcWant} (x64 MSI, with the 32-bit driver) with msiexec, licence accepted (log ${log})`,
        file: MSIEXEC,
        args: [
          '/i',
          artifact(release, 'odbc@x64'),
          '/qn',
          '/norestart',
          'IACCEPTMSODBCSQLLICENSETERMS=YES',
          '/l*v',
          log,
        ],
        okExitCodes: [0],
        rebootExitCodes: [3010, 1641],
        timeoutMs: 10 * 60_000,
        produces: [{ kind: 'product', id: PRODUCT.odbc, version: odbcWant, name: ODBC_DRIVER }],
      });
    }
    return actions;
  },
  async verify(ctx) {
    const p = await this.probe(ctx);
    return [
      ...p.vcredist.map(({ runtime, found }) => ({
        id: runtime.arch === 'x64' ? 'runtimes.vcredist' : `runtimes.vcredist-${runtime.arch}`,
        title: `Visual C++ runtime (${runtime.arch})`,
        ok: found.installed,
        detail: found.installed ? `version ${found.version}` : 'not installed',
        fix: found.installed ? undefined : 'Run repair.',
      })),
      {
        id: 'runtimes.odbc',
        title: ODBC_DRIVER,
        ok: p.odbc.installed,
        detail: p.odbc.installed ? `version ${p.odbc.version}` : 'not installed',
        fix: p.odbc.installed ? undefined : 'Run repair.',
      },
    ];
  },
  // Shared runtimes stay installed on uninstall: other software may use them.
});
