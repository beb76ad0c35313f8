import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { releaseCatalogSchema } from '../../electron/engine/catalog-schema.js';
import { loadAnswers } from '../../electron/engine/answers/index.js';
import type { PlanResult, RunReport } from '../../electron/engine/report.js';
import { runSession } from '../../electron/app/session.js';
import { defineStep } from '../../electron/engine/step.js';
import type { Host } from '../../electron/engine/host.js';
import { createPosixHost } from '../../electron/hosts/posix/host.js';
import { stageStep } from '../../electron/steps/common/stage.js';
import { tempDir } from '../support/engine-context.js';
import { sealBundle } from '../support/posix-site.js';

/**
 * Staging on the real posix host: real files, real copies, real hashing. A bundle file swapped
 * after the bundle was verified (the test swaps it at the moment the copy starts, i.e. between the
 * check and the run) is never executed, and the run names the file.
 */
const sha256 = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const TOOL = '#!/bin/sh\necho "genuine" > "$1"\n';
const EVIL = '#!/bin/sh\necho "evil" > "$1"\n';

function setup() {
  const root = tempDir('qti-stage-');
  const bundleDir = path.join(root, 'bundle');
  mkdirSync(path.join(bundleDir, 'artifacts'), { recursive: true });
  const toolFile = path.join(bundleDir, 'artifacts', 'tool.sh');
  writeFileSync(toolFile, TOOL, { mode: 0o755 });
  const marker = path.join(root, 'ran.txt');
  const raw = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
  raw.paths = { installDir: path.join(root, 'app'), dataDir: path.join(root, 'data'), bundleDir };
  const loaded = loadAnswers(raw);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  const catalog = releaseCatalogSchema.parse({
    release: '3.1.1.4',
    qatrack: { tag: 'v3.1.1.4', repository: 'https://github.com/qatrackplus/qatrackplus' },
    python: { version: '3.9.13', archs: ['x64'] },
    artifacts: [{ id: 'tool', file: 'tool.sh', url: 'https://example.invalid/tool.sh', version: '1' }],
    requirements: [],
  });
  // Runs the staged tool, as the Windows steps run the staged installers.
  const runTool = defineStep<boolean>({
    id: 'run-tool',
    title: 'Run the tool',
    dependsOn: ['stage-artifacts'],
    probe: () => Promise.resolve(existsSync(marker)),
    plan: (ctx, ran) =>
      ran
        ? []
        : [{ kind: 'exec', describe: 'Run the tool', file: ctx.release.artifacts.tool!, args: [marker] }],
  });
  const pre = defineStep<null>({
    id: 'pre',
    title: 'Pre-flight',
    dependsOn: [],
    probe: () => Promise.resolve(null),
    plan: () => [],
  });
  return {
    root,
    bundleDir,
    toolFile,
    marker,
    answers: loaded.answers,
    secrets: loaded.secrets,
    catalog,
    steps: [pre, stageStep('pre'), runTool],
    staged: path.join(root, 'data', 'installer', 'staging', 'artifacts', 'tool.sh'),
  };
}

/** The posix host, but the bundle file is swapped the moment the copy into staging begins. */
function swappingHost(inner: Host, file: string): Host {
  return {
    kind: inner.kind,
    platform: inner.platform,
    query: (q) => inner.query(q),
    apply: async (action, ctx) => {
      if (action.kind === 'copy') writeFileSync(file, EVIL);
      return inner.apply(action, ctx);
    },
    close: () => inner.close(),
  };
}

const run = (s: ReturnType<typeof setup>, command: 'install' | 'plan', host?: Host) =>
  runSession({
    command,
    answers: s.answers,
    secrets: s.secrets,
    hostSpec: { kind: 'posix' },
    host,
    steps: s.steps,
    catalog: s.catalog,
    logFile: path.join(s.root, 'logs', `${command}.log`),
  });

describe('bundle files run only from the checked copy in the staging folder', { timeout: 60_000 }, () => {
  it('copies, checks and runs the staged copy; the folder is owner-only; a second run copies nothing', async () => {
    const s = setup();
    await sealBundle(s.bundleDir);
    const host = createPosixHost({ runDir: path.join(s.root, 'run') });
    try {
      const { result } = await run(s, 'install', host);
      const report = result as RunReport;
      expect(report.error ?? null).toBeNull();
      expect(readFileSync(s.marker, 'utf8')).toBe('genuine\n');
      expect(sha256(readFileSync(s.staged))).toBe(sha256(TOOL));
      expect(statSync(path.dirname(path.dirname(s.staged))).mode & 0o777).toBe(0o700);
      expect(existsSync(`${s.staged}.partial`)).toBe(false);
      const again = (await run(s, 'plan', host)).result as PlanResult;
      expect(again.changes).toBe(0);
      // The staged copy itself altered (by anyone): the next run copies and checks it again.
      writeFileSync(s.staged, EVIL);
      const drift = (await run(s, 'plan', host)).result as PlanResult;
      expect(drift.steps.find((x) => x.id === 'stage-artifacts')?.actions.map((a) => a.kind)).toEqual([
        'copy',
      ]);
    } finally {
      await host.close();
    }
  });

  it('a bundle file swapped between the check and the run is never executed; the run names it', async () => {
    const s = setup();
    await sealBundle(s.bundleDir);
    const host = swappingHost(createPosixHost({ runDir: path.join(s.root, 'run') }), s.toolFile);
    try {
      const { result } = await run(s, 'install', host);
      const report = result as RunReport;
      expect(report.exitCode).toBe(1);
      expect(report.error?.code).toBe('ARTIFACT_CHANGED');
      expect(report.error?.message).toContain(s.toolFile);
      expect(report.error?.step).toBe('stage-artifacts');
      expect(existsSync(s.marker)).toBe(false); // never executed
      expect(existsSync(s.staged)).toBe(false);
      expect(existsSync(`${s.staged}.partial`)).toBe(false);
      expect(report.steps.find((x) => x.id === 'run-tool')?.status).toBe('pending');
    } finally {
      await host.close();
    }
  });

  it('a bundle altered before the run is refused by the bundle check before anything changes', async () => {
    const s = setup();
    await sealBundle(s.bundleDir);
    writeFileSync(s.toolFile, EVIL);
    await expect(run(s, 'install')).rejects.toMatchObject({ code: 'BUNDLE_INVALID' });
    expect(existsSync(path.join(s.root, 'data', 'installer', 'staging'))).toBe(false);
    expect(existsSync(s.marker)).toBe(false);
  });
});
