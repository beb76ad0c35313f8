import { describe, expect, it } from 'vitest';
import { cleanServer } from '../../electron/hosts/sim/windows/seed.js';
import { exampleAnswers, newStateFile, readState, sim, writeState } from '../support/windows-sim.js';

/** One action from each Windows step (SQL Express answers, so every step applies). */
const FAULT_POINTS = [
  'Install Python',
  'Install Visual C++',
  'Install ODBC Driver 17',
  'Install SQL Server Express',
  'Pin SQL Server',
  'Restart service MSSQL$QATRACK',
  'Create database',
  'Map login qatrack_reports',
  'Enable Windows features',
  'Install IIS Application Request Routing',
  'Register service QATrack+ Worker 2',
  'Run service QATrackTasks',
  'Web farm',
  'Bind certificate',
  'Restrict D:\\QATrackData\\media',
  'Allow inbound TCP',
  'Schedule "\\QATrack+\\Nightly backup"',
];

const answers = () =>
  exampleAnswers((a) => {
    a.database.mode = 'express';
    a.database.server = 'localhost';
    a.database.instance = 'QATRACK';
  });

describe('a failure injected in any Windows step', () => {
  for (const point of FAULT_POINTS) {
    it(`"${point}" fails the install, then repair converges`, async () => {
      const a = answers();
      const state = cleanServer();
      state.faults.push({ describeIncludes: point, message: 'disk unplugged', times: 1 });
      const file = newStateFile(state);
      const first = await sim('install', file, a);
      expect(first.ok).toBe(false);
      expect(first.error?.message).toContain('disk unplugged');
      expect(readState(file).faults).toEqual([]);
      const repaired = await sim('repair', file, a);
      expect(repaired.error ?? null).toBeNull();
      expect(repaired.checks.filter((c) => !c.ok)).toEqual([]);
      const again = await sim('plan', file, a);
      expect(again.changes).toBe(0);
    });
  }

  it('an msiexec 3010 finishes the step, defers dependants and resumes after the reboot', async () => {
    const a = answers();
    const state = cleanServer();
    state.faults.push({
      describeIncludes: 'Install ODBC Driver 17',
      exitCode: 3010,
      message: 'reboot',
      times: 1,
    });
    const file = newStateFile(state);
    const first = await sim('install', file, a);
    expect(first.rebootRequired).toBe(true);
    const s = readState(file);
    s.rebootRequired = false;
    writeState(file, s);
    const after = await sim('install', file, a);
    expect(after.error ?? null).toBeNull();
    expect((await sim('plan', file, a)).changes).toBe(0);
  });
});
