import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CreateHostOptions, HostSpec } from '../../electron/hosts/index.js';
import { runCli } from '../support/cli.js';
import { CANARY } from '../support/windows-sim.js';
import { installedServer, upgradeCatalogDir } from './upgrade-support.js';
import { answersFile } from './upgrade-cli-support.js';

/**
 * `upgrade --host windows` is no longer refused: it takes the same path as the sim host and opens
 * the host its spec names. There is no Windows here, so the real Windows host itself never runs:
 * the CLI test shows the probe opening the windows host (which refuses on Linux), and the in-process
 * test backs the `windows` spec with a sim server (a double: the sim host answers for it) to follow
 * the path to the plan, made on the live machine (no scratch copy: that trick is for sim state files).
 */

const opened = vi.hoisted(() => ({ specs: [] as HostSpec[], backing: '' }));
vi.mock('../../electron/hosts/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../electron/hosts/index.js')>();
  return {
    ...real,
    createHost: (spec: HostSpec, options: CreateHostOptions = {}) => {
      opened.specs.push(spec);
      return real.createHost(spec.kind === 'windows' ? { kind: 'sim', file: opened.backing } : spec, options);
    },
  };
});

const CATALOG = upgradeCatalogDir();

afterEach(() => {
  opened.specs.length = 0;
  vi.restoreAllMocks();
});

describe('upgrade --host windows', { timeout: 120_000 }, () => {
  it('CLI on Linux: not UPGRADE_HOST_UNSUPPORTED any more; the probe opens the windows host, which says it runs only on Windows', async () => {
    const dir = path.dirname((await installedServer('3.1.1.4', '4.0.x', CATALOG)).file);
    const r = await runCli([
      'upgrade',
      '--release',
      '4.0.x',
      '--host',
      'windows',
      '--answers',
      answersFile(dir, '3.1.1.4', '4.0.x'),
      '--catalog-dir',
      CATALOG,
    ]);
    expect(r.stdout + r.stderr).not.toContain('UPGRADE_HOST_UNSUPPORTED');
    expect(r.stderr).toContain('HOST_UNAVAILABLE');
    expect(r.stderr).toContain('The windows host runs only on Windows.');
    expect(r.exitCode).not.toBe(0);
  });

  it('in process, the windows spec backed by a sim server: every host opened is the windows one; plan on the live machine, exit 2, nothing changed', async () => {
    const s = await installedServer('3.1.1.4', '4.0.x', CATALOG);
    opened.backing = s.file;
    opened.specs.length = 0; // the sim install above opened its own sim host
    const before = readFileSync(s.file, 'utf8');
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const { runUpgrade } = await import('../../electron/cli/upgrade.js');
    const code = await runUpgrade({
      release: '4.0.x',
      host: 'windows',
      answers: answersFile(path.dirname(s.file), '3.1.1.4', '4.0.x'),
      catalogDir: CATALOG,
      logFile: path.join(path.dirname(s.file), 'logs', 'upgrade-plan.log'),
    });
    vi.restoreAllMocks();
    const text = written.join('');
    expect(code, text).toBe(2);
    expect(text).toContain('Upgrade QATrack+ 3.1.1.4 -> 4.0.x (restore into the new database qatrackplus40)');
    expect(text).toContain('  Host:    windows');
    expect(opened.specs.length).toBeGreaterThan(1);
    expect(opened.specs.every((h) => h.kind === 'windows')).toBe(true);
    // The plan was made on the machine as it is (the real host has no copy to apply phases to).
    expect(readFileSync(s.file, 'utf8')).toBe(before);
    expect(text).not.toContain(CANARY);
  });
});
