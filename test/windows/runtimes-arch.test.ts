import { describe, expect, it } from 'vitest';
import type { PlanResult } from '../../electron/engine/report.js';
import { cleanServer, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { exampleAnswers, newStateFile, readState, sim } from '../support/windows-sim.js';

/**
 * The server is 64-bit whatever Python's arch: the x64 ODBC MSI (which also installs the 32-bit
 * driver) and the x64 VC++ runtime always go in, and a 32-bit Python adds the x86 runtime.
 */

const BUNDLE = 'E:\\qatrack-bundle-3.1.1.4-x86';
/** The installers run from the staging folder they were copied to and checked in (dataDir D:\\QATrackData). */
const STAGED = 'D:\\QATrackData\\installer\\staging';
const x86 = () =>
  exampleAnswers((a) => {
    a.python.arch = 'x86';
    a.paths.bundleDir = BUNDLE;
  });

const runtimeExecs = (p: PlanResult) =>
  p.steps
    .find((s) => s.id === 'win-runtimes')!
    .actions.filter((a) => a.kind === 'exec')
    .map((a) =>
      a.kind === 'exec'
        ? [a.file, ...a.args].find((x) => typeof x === 'string' && x.includes('\\artifacts\\'))
        : undefined,
    );

describe('runtimes for an x86 Python on a 64-bit server', () => {
  it('plans VC++ x64, VC++ x86 and the x64 ODBC MSI, installs all three, then plans nothing', async () => {
    const a = x86();
    const file = newStateFile(withExistingSql(cleanServer()));
    expect(runtimeExecs(await sim('plan', file, a))).toEqual([
      `${STAGED}\\artifacts\\VC_redist.x64.exe`,
      `${STAGED}\\artifacts\\VC_redist.x86.exe`,
      `${STAGED}\\artifacts\\msodbcsql17-x64.msi`,
    ]);
    const report = await sim('install', file, a);
    expect(report.error ?? null).toBeNull();
    expect(Object.keys(readState(file).products)).toEqual(
      expect.arrayContaining(['vcredist-x64', 'vcredist-x86', 'msodbcsql17']),
    );
    expect(report.checks.filter((c) => c.id.startsWith('runtimes.') && !c.ok)).toEqual([]);
    expect(runtimeExecs(await sim('plan', file, a))).toEqual([]);
  });

  it('adds only the x86 runtime when the x64 one and the driver are already there', async () => {
    const seed = withExistingSql(cleanServer());
    seed.products['vcredist-x64'] = { version: '14.40.33810.0', name: 'Visual C++ 2015-2022 (x64)' };
    seed.products.msodbcsql17 = { version: '17.11.1.1', name: 'ODBC Driver 17 for SQL Server' };
    const file = newStateFile(seed);
    expect(runtimeExecs(await sim('plan', file, x86()))).toEqual([`${STAGED}\\artifacts\\VC_redist.x86.exe`]);
  });

  it('an x64 Python gets the x64 runtime and driver only', async () => {
    const file = newStateFile(withExistingSql(cleanServer()));
    const execs = runtimeExecs(await sim('plan', file, exampleAnswers()));
    expect(execs.map((p) => (typeof p === 'string' ? p.split('\\').pop() : p))).toEqual([
      'VC_redist.x64.exe',
      'msodbcsql17-x64.msi',
    ]);
  });
});
