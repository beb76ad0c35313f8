import { InputError } from '../../engine/errors.js';
import { defineStep, type StepContext } from '../../engine/step.js';

/** Oldest Python the posix profile accepts (QATrack+ 3.1 pins 3.9 on Windows, installed by its own step). */
export const MIN_PYTHON: readonly [number, number] = [3, 8];

const VERSION_SCRIPT = 'import sys; print("%d.%d.%d" % sys.version_info[:3])';

export interface PythonProbe {
  found: boolean;
  version?: string;
}

/**
 * The sim's stand-in for running `exe -c ...`: one fact per interpreter path, so two Pythons side by
 * side (3.9 and the upgrade's 3.12, two venvs) answer for themselves and removing one leaves the
 * other running, as on a real server.
 */
export const interpreterFact = (base: string, exe: string) => `${base}:${exe.toLowerCase()}`;

export async function probePython(
  ctx: StepContext,
  exe = ctx.layout.pythonExe,
  simFact = interpreterFact('python.version', exe),
): Promise<PythonProbe> {
  const r = await ctx.host.query({
    kind: 'exec',
    file: exe,
    args: ['-c', VERSION_SCRIPT],
    timeoutMs: 30_000,
    simFact,
  });
  const version = r.stdout.trim();
  if (r.notFound || r.exitCode !== 0 || !/^\d+\.\d+\.\d+$/.test(version)) return { found: false };
  return { found: true, version };
}

const atLeast = (version: string, [major, minor]: readonly [number, number]) => {
  const [a = 0, b = 0] = version.split('.').map(Number);
  return a > major || (a === major && b >= minor);
};

/**
 * Checks the interpreter that creates the venv. It plans no actions: a missing or too old Python is
 * bad input (exit 64) found before anything changes. On Windows the bundled Python is installed by
 * the Windows profile's own step, so a not-yet-installed interpreter is not an error there.
 */
export const pythonStep = defineStep<PythonProbe>({
  id: 'python',
  title: 'Python interpreter',
  dependsOn: [],
  probe: (ctx) => probePython(ctx),
  plan(ctx, probed) {
    const bundled = ctx.layout.platform === 'win32' && !ctx.answers.python.executable;
    if (!probed.found) {
      if (bundled) return [];
      throw new InputError(
        'PYTHON_MISSING',
        `No working Python interpreter at ${ctx.layout.pythonExe}.`,
        [{ path: 'python.executable', message: `${ctx.layout.pythonExe} does not run` }],
        `Install Python ${MIN_PYTHON.join('.')} or newer (on Debian: apt-get install python3 python3-venv), or set python.executable to its absolute path.`,
      );
    }
    if (!atLeast(probed.version!, MIN_PYTHON))
      throw new InputError(
        'PYTHON_TOO_OLD',
        `Python ${probed.version} at ${ctx.layout.pythonExe} is older than ${MIN_PYTHON.join('.')}.`,
        [{ path: 'python.executable', message: `must be Python ${MIN_PYTHON.join('.')} or newer` }],
        'Point python.executable at a newer interpreter.',
      );
    return [];
  },
  async verify(ctx) {
    const p = await probePython(ctx);
    return [
      {
        id: 'python',
        title: 'Python interpreter runs',
        ok: p.found,
        detail: p.found
          ? `Python ${p.version} at ${ctx.layout.pythonExe}`
          : `${ctx.layout.pythonExe} does not run`,
        fix: p.found ? undefined : 'Run `repair`.',
      },
    ];
  },
});
