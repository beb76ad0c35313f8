import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Answers } from '../../../electron/engine/answers/index.js';
import { computeLayout } from '../../../electron/engine/layout.js';
import { upgradeFault } from '../../../electron/engine/upgrade/fault.js';
import { releaseDir } from '../../../electron/engine/upgrade/phases.js';
import {
  clearUpgradeState,
  passedHealth,
  reached,
  readUpgradeState,
  writeUpgradeState,
  type UpgradeState,
} from '../../../electron/engine/upgrade/upgrade-state.js';

const answers = {
  paths: { installDir: '/opt/qatrack', dataDir: '/var/lib/qatrack' },
  python: {},
  backup: {},
} as unknown as Answers;

const state = (over: Partial<UpgradeState> = {}): UpgradeState => ({
  from: '3.1.1.4',
  to: '3.1.1.5',
  fromDir: '/opt/qatrack',
  toDir: '/opt/qatrack/releases/3.1.1.5',
  phase: 'migrate',
  done: ['preflight', 'maintenance-on', 'backup', 'stage-release'],
  answers: {},
  keepDays: 14,
  startedAt: new Date(0).toISOString(),
  pid: 1,
  ...over,
});

describe('release-versioned layout', () => {
  it('a fresh install keeps code and venv straight in the install folder', () => {
    const l = computeLayout(answers, 'posix');
    expect(l.sourceDir).toBe('/opt/qatrack/qatrackplus');
    expect(l.venvDir).toBe('/opt/qatrack/venv');
  });

  it('an upgraded release lives in releases/<release>; data, services and state stay shared', () => {
    const dir = releaseDir(computeLayout(answers, 'posix'), '3.1.1.5');
    const l = computeLayout(answers, 'posix', { releaseRoot: dir });
    expect(l.sourceDir).toBe('/opt/qatrack/releases/3.1.1.5/qatrackplus');
    expect(l.venvPython).toBe('/opt/qatrack/releases/3.1.1.5/venv/bin/python');
    expect(l.localSettings).toBe('/opt/qatrack/releases/3.1.1.5/qatrackplus/qatrack/local_settings.py');
    expect(l.staticRoot).toBe(computeLayout(answers, 'posix').staticRoot);
    expect(l.servicesDir).toBe('/opt/qatrack/services');
    expect(l.stateDir).toBe('/var/lib/qatrack/installer');
  });
});

describe('upgrade state (what repair resumes from)', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('round-trips through its file and is gone once cleared', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'upgrade-state-'));
    expect(await readUpgradeState(dir)).toBeUndefined();
    await writeUpgradeState(dir, state({ dumpFile: '/b/database.dump' }));
    expect(await readUpgradeState(dir)).toEqual(state({ dumpFile: '/b/database.dump' }));
    await clearUpgradeState(dir);
    expect(await readUpgradeState(dir)).toBeUndefined();
  });

  it('reached follows the phase order; only a passed health check means "finish"', () => {
    expect(reached(state(), 'migrate')).toBe(true);
    expect(reached(state(), 'backup')).toBe(true);
    expect(reached(state(), 'switch')).toBe(false);
    expect(passedHealth(state({ phase: 'health' }))).toBe(false);
    expect(passedHealth(state({ phase: 'maintenance-off', done: ['health'] }))).toBe(true);
  });
});

describe('fault injection', () => {
  it('is off unless QATRACK_INSTALLER_FAULT names an upgrade phase', () => {
    expect(upgradeFault({})).toBeUndefined();
    expect(upgradeFault({ QATRACK_INSTALLER_FAULT: 'install:venv' })).toBeUndefined();
    expect(upgradeFault({ QATRACK_INSTALLER_FAULT: 'upgrade:migrate' })).toEqual({
      phase: 'migrate',
      mode: 'fail',
    });
    expect(upgradeFault({ QATRACK_INSTALLER_FAULT: 'upgrade:health:hang' })).toEqual({
      phase: 'health',
      mode: 'hang',
    });
  });
});
