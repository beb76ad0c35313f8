import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../electron/engine/events.js';
import { runBundle } from '../../electron/ipc/bundle-run.js';
import {
  makeFixtureCatalog,
  makeFixtureWheels,
  type FixtureCatalog,
} from '../../scripts/bundle-fixture-lib.js';
import { startMirror, type TestMirror } from '../support/bundle-mirror.js';

/** The wizard's "Create an offline bundle" over the real bundle builder and a local test mirror. */
let work: string;
let fixture: FixtureCatalog;
let mirror: TestMirror;
let wheels: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'wizard-bundle-'));
  wheels = path.join(work, 'wheels');
  const requirements = await makeFixtureWheels(wheels);
  fixture = await makeFixtureCatalog(path.join(work, 'fixture'), { requirements, artifactBytes: 50_000 });
  mirror = await startMirror(fixture.files);
});
afterAll(async () => {
  await mirror?.close();
  await rm(work, { recursive: true, force: true });
});

const extra = () => ({
  mirror: mirror.url,
  mirrorOnly: true,
  catalogDir: fixture.catalogDir,
  pinsDir: fixture.pinsDir,
  acceptNewPins: true,
  wheelhouse: { build: { pipArgs: ['--no-index', '--find-links', wheels] } },
});

describe('wizard bundle run', () => {
  it('reports the build as progress events ending in a ready bundle', async () => {
    const events: ProgressEvent[] = [];
    const out = path.join(work, 'bundle');
    const r = await runBundle(
      { outDir: out, release: fixture.release, arch: 'x64' },
      new AbortController().signal,
      (e) => events.push(e),
      extra(),
    );
    expect(r.ok).toBe(true);
    expect(existsSync(path.join(out, 'manifest.json'))).toBe(true);
    expect(events[0]?.type).toBe('run-start');
    expect(events.filter((e) => e.type === 'action-start').length).toBeGreaterThan(0);
    expect(events.filter((e) => e.type === 'step-end').map((e) => (e as { step: string }).step)).toEqual(
      expect.arrayContaining(['download', 'wheelhouse', 'manifest']),
    );
    expect(events.at(-1)).toMatchObject({ type: 'run-end', ok: true });
  });

  it('turns a refused bundle into a failed run with the reason and what to do', async () => {
    const events: ProgressEvent[] = [];
    const r = await runBundle(
      { outDir: path.join(work, 'bundle'), release: fixture.release, arch: 'x64' },
      new AbortController().signal,
      (e) => events.push(e),
      extra(),
    );
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/not empty.*Choose a new folder/);
    expect(events.at(-1)).toMatchObject({ type: 'run-end', ok: false });
  });
});
