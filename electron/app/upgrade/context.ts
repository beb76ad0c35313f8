import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Answers } from '../../engine/answers/index.js';
import { computeLayout, type Layout } from '../../engine/layout.js';
import type { SecretStore } from '../../engine/secrets.js';
import type { StepContext } from '../../engine/step.js';
import type { UpgradePhase } from '../../engine/upgrade/phases.js';
import type { UpgradeState } from '../../engine/upgrade/upgrade-state.js';
import { createPosixHost } from '../../hosts/posix/host.js';
import type { NginxFiles } from '../../hosts/posix/nginx-reload.js';
import { PROXY_SERVICE, TASKS_SERVICE, workerPorts } from '../../steps/posix/names.js';
import { nginxPaths } from '../../steps/posix/nginx-config.js';
import { NGINX_CANDIDATES } from '../../steps/posix/proxy.js';

export type UpgradeEvent =
  | { type: 'upgrade-phase'; id: UpgradePhase['id']; state: 'start' | 'done'; describe: string; ms?: number }
  | { type: 'migration'; app: string; name: string; faked: boolean }
  | { type: 'backup'; dir: string; dumpFile: string; bytes: number; ms: number }
  | { type: 'restore-copy'; database: string; ms: number }
  | { type: 'rollback'; describe: string }
  | { type: 'upgrade-log'; message: string };

/** What every phase, the rollback and `repair`'s resume work from. */
export interface UpgradeContext {
  answers: Answers;
  /** The new release's answers: its release id and, on the major path, the new database's name. */
  toAnswers: Answers;
  secrets: SecretStore;
  state: UpgradeState;
  /** The running release's layout and the new one's (same data folder, other code folder). */
  from: Layout;
  to: Layout;
  host: ReturnType<typeof createPosixHost>;
  emit: (e: UpgradeEvent) => void;
  signal: AbortSignal;
}

/** What the new release runs with: the same deployment, on the major path against the new database. */
export const answersFor = (answers: Answers, state: Pick<UpgradeState, 'to' | 'newDatabase'>): Answers => ({
  ...answers,
  release: state.to,
  ...(state.newDatabase ? { database: { ...answers.database, name: state.newDatabase } } : {}),
});

/** A code folder as a layout's release root: the install folder itself is the default layout. */
export const layoutFor = (answers: Answers, dir: string) =>
  computeLayout(answers, 'posix', {
    releaseRoot: path.resolve(dir) === path.resolve(answers.paths.installDir) ? undefined : dir,
  });

/** Files the upgrade keeps beside its state: the services' specs and nginx.conf from before. */
export const upgradeWorkDir = (layout: Layout) => path.join(layout.stateDir, 'upgrade');
export const savedSpecsDir = (layout: Layout) => path.join(upgradeWorkDir(layout), 'specs-before');
export const savedNginxConf = (layout: Layout) => path.join(upgradeWorkDir(layout), 'nginx.conf.before');
export const checkSocket = (layout: Layout) => path.join(layout.proxyDir, 'upgrade-check.sock');
export const maintenanceDir = (layout: Layout) => path.join(layout.proxyDir, 'maintenance');

/** The services an upgrade switches (nginx stays up: it shows the maintenance page meanwhile). */
export const switchedServices = (answers: Answers) => [
  ...workerPorts({ answers } as StepContext).map((w) => w.name),
  TASKS_SERVICE,
];
export { PROXY_SERVICE };

export function nginxFiles(layout: Layout): NginxFiles {
  const nginx = NGINX_CANDIDATES.find((p) => existsSync(p));
  if (!nginx) throw new Error(`nginx was not found (looked in ${NGINX_CANDIDATES.join(', ')})`);
  const p = nginxPaths(layout);
  return { nginx, prefix: layout.proxyDir, conf: p.conf, errorLog: p.errorLog, pid: p.pid };
}
