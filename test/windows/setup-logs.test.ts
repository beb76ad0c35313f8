import { describe, expect, it } from 'vitest';
import type { PlanResult } from '../../electron/engine/report.js';
import { removePath } from '../../electron/hosts/sim/paths.js';
import { cleanServer } from '../../electron/hosts/sim/windows/seed.js';
import { exampleAnswers, newStateFile, readState, sim, writeState } from '../support/windows-sim.js';

/** The setup-log folder is planned by one step, so a change board reads it once. */

const SETUP_LOGS = 'D:\\QATrackData\\logs\\setup';

const express = () =>
  exampleAnswers((a) => {
    a.python.arch = 'x86';
    a.database = { ...a.database, mode: 'express', server: 'localhost', instance: 'SQLEXPRESS', port: 1433 };
    a.database.authMode = 'windows';
    a.database.admin = undefined;
    a.chrome = { mode: 'bundle' };
  });

const stepsPlanning = (p: PlanResult, describe: string) =>
  p.steps.filter((s) => s.actions.some((a) => a.describe === describe)).map((s) => s.id);

describe('setup log folder', () => {
  it('a dry-run plan on a fresh server creates it once, in its own step, before every installer', async () => {
    const a = express();
    const file = newStateFile(cleanServer());
    const plan = await sim('plan', file, a);
    expect(stepsPlanning(plan, `Create folder ${SETUP_LOGS}`)).toEqual(['win-setup-logs']);
    const ids = plan.steps.map((s) => s.id);
    // Every step whose installers log there runs after the owner.
    for (const id of ['win-python', 'win-runtimes', 'win-iis-features', 'win-chrome'])
      expect(ids.indexOf(id), id).toBeGreaterThan(ids.indexOf('win-setup-logs'));
  });

  it('a deleted folder is found and re-created by repair, and the next plan is empty', async () => {
    const a = express();
    const file = newStateFile(cleanServer());
    expect((await sim('install', file, a)).error ?? null).toBeNull();
    const s = readState(file);
    removePath(s, SETUP_LOGS);
    writeState(file, s);
    const drift = await sim('plan', file, a);
    expect(drift.steps.filter((x) => x.actions.length).map((x) => x.id)).toEqual(['win-setup-logs']);
    expect((await sim('repair', file, a)).error ?? null).toBeNull();
    expect((await sim('plan', file, a)).changes).toBe(0);
  });
});
