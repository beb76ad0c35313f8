import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { runSession } from '../../electron/app/session.js';
import { loadCatalogFrom } from '../../electron/cli/prepare.js';
import type { RunReport } from '../../electron/engine/report.js';
import { writeSimFile } from '../../electron/hosts/sim/effects.js';
import type { SimState } from '../../electron/hosts/sim/state.js';
import { cleanServer, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { simWindows } from '../../electron/hosts/sim/windows/state.js';
import { windowsProfile } from '../../electron/steps/windows/index.js';
import { exampleAnswers, newStateFile, readState, writeState } from '../support/windows-sim.js';

/**
 * A catalog folder for the Windows upgrade tests: the shipped 3.1.1.4 and 4.0.x, and a Windows-shaped
 * 3.1.1.3 (test only, like test/fixtures/upgrade-catalog/3.1.1.3.json, which is posix-shaped): the
 * 3.1.1.4 entry with its release, tag and source archive renamed.
 */
export function upgradeCatalogDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qatrack-wincat-'));
  for (const r of ['3.1.1.4', '4.0.x'])
    writeFileSync(path.join(dir, `${r}.json`), readFileSync(`resources/catalog/releases/${r}.json`));
  const c = JSON.parse(readFileSync('resources/catalog/releases/3.1.1.4.json', 'utf8'));
  c.release = '3.1.1.3';
  c.qatrack.tag = 'v3.1.1.3';
  for (const a of c.artifacts)
    if (a.id === 'source') {
      a.file = 'qatrackplus-3.1.1.3.tar.gz';
      a.version = '3.1.1.3';
      a.url = String(a.url).replace(/3\.1\.1\.4/g, '3.1.1.3');
      delete a.sha256;
    }
  writeFileSync(path.join(dir, '3.1.1.3.json'), JSON.stringify(c, null, 2));
  return dir;
}

export const BUNDLE = (release: string) => `E:\\qatrack-bundle-${release}-x64`;

/** The example answers for a release, bundle folder named after it. */
export const answersFor = (release: string, edit: (a: any) => void = () => undefined) =>
  exampleAnswers((a) => {
    a.release = release;
    a.paths.bundleDir = BUNDLE(release);
    edit(a);
  });

/** A bundle folder on the sim server whose manifest names `release` (what preflight reads). */
export function withBundle(s: SimState, dir: string, release: string): SimState {
  writeSimFile(s, `${dir}\\manifest.json`, JSON.stringify({ release }));
  return s;
}

/**
 * A sim server with `release` installed by the real Windows profile (sim install, verified), a
 * 2 GiB database and one media file; the answers now point at the bundle of `target`.
 */
export async function installedServer(release: string, target: string, catalogDir: string) {
  const a = answersFor(release);
  const file = newStateFile(withExistingSql(cleanServer()));
  const { result } = await runSession({
    command: 'install',
    answers: a.answers,
    secrets: a.secrets,
    hostSpec: { kind: 'sim', file },
    steps: windowsProfile,
    catalog: loadCatalogFrom(catalogDir, release),
    logFile: path.join(path.dirname(file), 'logs', 'install.log'),
  });
  const report = result as RunReport;
  expect(report.error ?? null).toBeNull();
  const s = readState(file);
  simWindows(s).sql.databases[a.answers.database.name]!.sizeBytes = 2 * 1024 ** 3;
  writeSimFile(s, 'D:\\QATrackData\\media\\uploads\\scan 1.dcm', 'DICM test');
  withBundle(s, BUNDLE(target), target);
  writeState(file, s);
  return { file, answers: a, target };
}

/** Machine state a rollback must leave exactly as it was. */
export function comparable(s: SimState) {
  const w = simWindows(s);
  const xml = Object.fromEntries(
    Object.entries(s.files)
      .filter(([p]) => /\\services\\.*\.xml$/i.test(p) || /iisroot\\/i.test(p))
      .map(([p, f]) => [p, f.content ?? f.sha256]),
  );
  return {
    services: Object.fromEntries(
      Object.entries(s.services).map(([n, v]) => [n, { state: v.state, hash: v.specHash }]),
    ),
    files: xml,
    iis: w.iis,
    databases: Object.keys(w.sql.databases).sort(),
    users: w.sql.databases,
  };
}
