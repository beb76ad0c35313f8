import { InstallerError } from '../../engine/errors.js';
import type { ProductResult } from '../../engine/queries.js';
import { defineStep } from '../../engine/step.js';
import { artifact, PRODUCT, setupLogDir } from '../../windows/names.js';
import { interpreterFact } from '../common/python.js';
import { SETUP_LOGS_STEP } from './setupLogs.js';

/** "3.12" from the catalog's "3.12.10" (3.9 when a hand-built context has no version). */
const pythonLine = (versions: Record<string, string>) =>
  (versions.python ?? '3.9').split('.').slice(0, 2).join('.');

/**
 * The release's Python (3.9 for 3.1.x, 3.12 for 4.0.x) from the bundle: per-machine, silent, into layout.pythonDir, with no PATH change (the
 * venv uses the interpreter's absolute path). An existing Python 3.9 elsewhere is reused only when
 * the answers point at it (python.executable), since Burn refuses a second copy of the same bundle.
 */

interface PythonProbe {
  product: ProductResult;
  exeExists: boolean;
}

const sameDir = (a?: string, b?: string) =>
  !!a && !!b && a.replace(/[\\/]+$/, '').toLowerCase() === b.replace(/[\\/]+$/, '').toLowerCase();

export const pythonStep = defineStep<PythonProbe>({
  id: 'win-python',
  title: "Python (the release's version, from the bundle)",
  dependsOn: ['win-preflight', SETUP_LOGS_STEP],
  async probe(ctx) {
    const product = await ctx.host.query({
      kind: 'product',
      id: PRODUCT.python(ctx.answers.python.arch, ctx.release.versions.python),
    });
    const exe = await ctx.host.query({ kind: 'file', path: ctx.layout.pythonExe });
    return { product, exeExists: exe.exists };
  },
  plan(ctx, p) {
    const { layout, answers, release } = ctx;
    if (answers.python.executable) {
      if (p.exeExists) return [];
      throw new InstallerError(
        'PYTHON_NOT_FOUND',
        `python.executable ${answers.python.executable} does not exist.`,
        'Correct python.executable, or leave it out to install Python from the bundle.',
      );
    }
    if (p.exeExists) return [];
    if (p.product.installed && p.product.location && !sameDir(p.product.location, layout.pythonDir))
      throw new InstallerError(
        'PYTHON_ELSEWHERE',
        `Python ${p.product.version} (${answers.python.arch}) is already installed in ${p.product.location ?? 'another folder'}.`,
        `Set python.executable to ${p.product.location ?? '<its folder>'}\\python.exe to reuse it, or uninstall it first.`,
      );
    const log = layout.join(setupLogDir(layout), 'python-install.log');
    return [
      {
        kind: 'exec',
        describe: `Install Python ${release.versions.python ?? pythonLine(release.versions)} (${answers.python.arch}) for all users into ${layout.pythonDir}, PATH unchanged (log ${log})`,
        file: artifact(release, 'python'),
        args: [
          '/quiet',
          '/norestart',
          'InstallAllUsers=1',
          `TargetDir=${layout.pythonDir}`,
          'PrependPath=0',
          'AssociateFiles=0',
          'Shortcuts=0',
          'Include_launcher=0',
          'Include_test=0',
          'Include_doc=0',
          'Include_tcltk=0',
          '/log',
          log,
        ],
        timeoutMs: 15 * 60_000,
        okExitCodes: [0],
        rebootExitCodes: [3010],
        produces: [
          {
            kind: 'product',
            id: PRODUCT.python(answers.python.arch, release.versions.python),
            version: release.versions.python ?? pythonLine(release.versions),
            name: `Python ${pythonLine(release.versions)}`,
          },
          { kind: 'file', path: layout.pythonExe },
          // What the common interpreter check reads back on sim.
          {
            kind: 'fact',
            key: interpreterFact('python.version', layout.pythonExe),
            value: { exitCode: 0, stdout: release.versions.python ?? '3.9.13', stderr: '' },
          },
        ],
      },
    ];
  },
  async verify(ctx) {
    const exe = await ctx.host.query({ kind: 'file', path: ctx.layout.pythonExe });
    return [
      {
        id: 'python.exe',
        title: 'Python interpreter',
        ok: exe.exists,
        detail: exe.exists ? ctx.layout.pythonExe : `${ctx.layout.pythonExe} is missing`,
        fix: exe.exists ? undefined : 'Run repair to reinstall Python from the bundle.',
      },
    ];
  },
  planUninstall(ctx, p) {
    if (
      ctx.answers.python.executable ||
      !p.product.installed ||
      !sameDir(p.product.location, ctx.layout.pythonDir)
    )
      return [];
    const log = ctx.layout.join(setupLogDir(ctx.layout), 'python-uninstall.log');
    return [
      {
        kind: 'exec',
        describe: `Uninstall Python from ${ctx.layout.pythonDir} (log ${log})`,
        file: artifact(ctx.release, 'python'),
        args: ['/quiet', '/norestart', '/uninstall', '/log', log],
        rebootExitCodes: [3010],
        produces: [
          {
            kind: 'productRemoved',
            id: PRODUCT.python(ctx.answers.python.arch, ctx.release.versions.python),
          },
        ],
      },
    ];
  },
});
