import { defineStep, type StepContext } from '../../engine/step.js';
import { interpreterFact, probePython } from './python.js';

/** The sim answers the venv probe from this fact, set when the venv is created. */
const VENV_FACT = 'venv.python.version';

export interface VenvProbe {
  /** The venv's python runs. */
  ok: boolean;
  version?: string;
}

export const probeVenv = async (ctx: StepContext): Promise<VenvProbe> => {
  const p = await probePython(ctx, ctx.layout.venvPython, interpreterFact(VENV_FACT, ctx.layout.venvPython));
  return p.found ? { ok: true, version: p.version } : { ok: false };
};

/** The virtual environment QATrack+ runs in, created by the checked interpreter. */
export const venvStep = defineStep<VenvProbe>({
  id: 'venv',
  title: 'Python virtual environment',
  dependsOn: ['python'],
  probe: probeVenv,
  plan(ctx, probed) {
    if (probed.ok) return [];
    const { layout } = ctx;
    return [
      {
        kind: 'exec',
        // --clear: a venv whose python does not run is broken; start it afresh.
        describe: `Create the Python virtual environment ${layout.venvDir}`,
        file: layout.pythonExe,
        args: ['-m', 'venv', '--clear', layout.venvDir],
        timeoutMs: 300_000,
        produces: [
          { kind: 'file', path: layout.venvPython },
          {
            kind: 'fact',
            key: interpreterFact(VENV_FACT, layout.venvPython),
            value: { exitCode: 0, stdout: `${ctx.release.versions.python ?? '3.9.13'}\n`, stderr: '' },
          },
        ],
      },
    ];
  },
  planUninstall: (ctx, probed) =>
    probed.ok
      ? [
          {
            kind: 'remove',
            describe: `Remove the virtual environment ${ctx.layout.venvDir}`,
            path: ctx.layout.venvDir,
            recursive: true,
          },
        ]
      : [],
  async verify(ctx) {
    const p = await probeVenv(ctx);
    return [
      {
        id: 'venv',
        title: 'Virtual environment runs',
        ok: p.ok,
        detail: p.ok
          ? `Python ${p.version} in ${ctx.layout.venvDir}`
          : `${ctx.layout.venvPython} does not run`,
        fix: p.ok ? undefined : 'Run `repair` to recreate the virtual environment.',
      },
    ];
  },
});
