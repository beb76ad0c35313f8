import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReleaseCatalog } from '../../engine/catalog-schema.js';
import type { HostSpec } from '../../hosts/index.js';
import type { RunReport } from '../../engine/report.js';
import type { Step, StepContext } from '../../engine/step.js';
import { writeInstalledRelease } from '../../engine/upgrade/installed-release.js';
import { getViaSocket } from '../../hosts/posix/nginx-reload.js';
import { runCollectstatic, runMigrate } from '../../hosts/posix/upgrade-django.js';
import { fixturesStampPath, staticStampPath } from '../../steps/common/django.js';
import {
  localSettingsStep,
  pythonStep,
  sourceStep,
  venvStep,
  wheelhouseStep,
} from '../../steps/common/index.js';
import { secretKeyPath } from '../../steps/common/local-settings.js';
import { LOGIN_FORM } from '../../steps/common/site-checks.js';
import { sourceStampPath } from '../../steps/common/source.js';
import { stageStep } from '../../steps/common/stage.js';
import { tasksStep } from '../../steps/posix/tasks.js';
import { workersStep } from '../../steps/posix/workers.js';
import { runSession } from '../session.js';
import { checkSocket, savedSpecsDir, switchedServices, type UpgradeContext } from './context.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStep = Step<any>;

/** Runs a few of the install profile's steps, in the given order, against the new release's layout. */
async function runSteps(
  u: UpgradeContext,
  o: { hostSpec: HostSpec; catalog: ReleaseCatalog; logFile?: string },
  steps: AnyStep[],
  what: string,
): Promise<void> {
  const chain = steps.map((s, i) => ({ ...s, dependsOn: i === 0 ? [] : [steps[i - 1]!.id] }));
  const { result } = await runSession({
    command: 'install',
    answers: u.toAnswers,
    secrets: u.secrets,
    hostSpec: o.hostSpec,
    steps: chain,
    catalog: o.catalog,
    releaseRoot: u.state.toDir,
    signal: u.signal,
    ...(o.logFile ? { logFile: o.logFile } : {}),
    onEvent: (e) => {
      if (e.type === 'action-start') u.emit({ type: 'upgrade-log', message: e.describe });
    },
  });
  const report = result as RunReport;
  if (!report.ok) throw new Error(`${what}: ${report.message}`);
}

export type SessionBits = { hostSpec: HostSpec; catalog: ReleaseCatalog; logFile?: string };

/**
 * The new release's code, venv and settings beside the running one, from the bundle as install
 * does (staged and hash-checked copy of the archive, offline wheelhouse). The site's SECRET_KEY is
 * copied first, so sessions and signed links outlive the upgrade.
 */
export async function stageRelease(u: UpgradeContext, o: SessionBits): Promise<void> {
  const oldKey = secretKeyPath({ layout: u.from } as StepContext);
  const newKey = secretKeyPath({ layout: u.to } as StepContext);
  await mkdir(path.dirname(newKey), { recursive: true });
  if (existsSync(oldKey) && !existsSync(newKey)) await copyFile(oldKey, newKey);
  await runSteps(
    u,
    o,
    [stageStep('none'), pythonStep, venvStep, sourceStep, wheelhouseStep, localSettingsStep],
    'staging the new release failed',
  );
}

export async function migrate(u: UpgradeContext): Promise<number> {
  const applied = await runMigrate(u.to, u.signal, (m) => u.emit({ type: 'migration', ...m }));
  return applied.length;
}

export const collectstatic = (u: UpgradeContext) => runCollectstatic(u.to, u.signal);

/**
 * Workers and the task cluster onto the new release, by the install profile's own steps (a new
 * spec restarts each worker and waits for it). Their specs from before are kept for a rollback.
 */
export async function switchServices(u: UpgradeContext, o: SessionBits): Promise<void> {
  const dir = savedSpecsDir(u.from);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  for (const name of switchedServices(u.answers)) {
    const spec = path.join(u.from.servicesDir, name, 'spec.json');
    if (existsSync(spec) && !existsSync(path.join(dir, `${name}.json`)))
      await copyFile(spec, path.join(dir, `${name}.json`));
  }
  await runSteps(u, o, [workersStep, tasksStep], 'switching the services failed');
}

/** The new release through nginx (its check socket): sign-in page with its form, a static file. */
export async function healthCheck(u: UpgradeContext, timeoutMs = 30_000): Promise<void> {
  const host = u.answers.site.hostNames[0]!;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const login = await getViaSocket(checkSocket(u.from), '/accounts/login/', host);
      const tux = await getViaSocket(checkSocket(u.from), '/static/qa/img/tux.png', host);
      if (login.status === 200 && LOGIN_FORM.test(login.body) && tux.status === 200) return;
      last = `login HTTP ${login.status}, static HTTP ${tux.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`the new release failed its health check through nginx (${last})`);
}

/**
 * The new release is the installed one: the record (with the answers, secrets as env references,
 * so a later repair plans for it), and the static/default-data stamps of its source archive so
 * repair does not collect or load again.
 */
export async function recordRelease(u: UpgradeContext, keepDays: number): Promise<void> {
  const stamp = (await readFile(sourceStampPath({ layout: u.to } as StepContext), 'utf8')).trim();
  await writeFile(staticStampPath({ layout: u.to } as StepContext), `${stamp}\n`);
  await writeFile(fixturesStampPath({ layout: u.to } as StepContext), `${stamp}\n`);
  const now = new Date();
  await writeInstalledRelease(u.from.stateDir, {
    release: u.state.to,
    releaseDir: u.state.toDir,
    previous: {
      release: u.state.from,
      releaseDir: u.state.fromDir,
      keepUntil: new Date(now.getTime() + keepDays * 86_400_000).toISOString(),
      // The major path's old database and its dump: repair drops it after keepUntil (prune.ts).
      ...(u.state.newDatabase && u.state.dumpFile
        ? { database: u.answers.database.name, backupFile: u.state.dumpFile }
        : {}),
    },
    ...(u.state.backupDir ? { backupDir: u.state.backupDir } : {}),
    // The major path's new database is the deployment's database from now on (plans are for it).
    ...(u.state.newDatabase ? { databaseName: u.state.newDatabase } : {}),
    upgradedAt: now.toISOString(),
    answers: {
      ...u.state.answers,
      release: u.state.to,
      database: { ...(u.state.answers.database as object), name: u.toAnswers.database.name },
    },
  });
}

/** Older releases than the one just replaced are removed; that one stays until its keepUntil. */
export async function pruneReleases(u: UpgradeContext): Promise<string[]> {
  const root = path.join(u.from.installDir, 'releases');
  const keep = new Set([path.resolve(u.state.toDir), path.resolve(u.state.fromDir)]);
  const removed: string[] = [];
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const dir = path.join(root, name);
    if (keep.has(path.resolve(dir))) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}
