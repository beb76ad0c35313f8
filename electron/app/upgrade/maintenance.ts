import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { testAndReloadNginx } from '../../hosts/posix/nginx-reload.js';
import { workerPorts } from '../../steps/posix/names.js';
import {
  MAINTENANCE_PAGE,
  renderMaintenancePage,
  renderNginxConfig,
} from '../../steps/posix/nginx-config.js';
import type { StepContext } from '../../engine/step.js';
import { maxUploadBytes } from '../../engine/answers/index.js';
import {
  checkSocket,
  maintenanceDir,
  nginxFiles,
  savedNginxConf,
  upgradeWorkDir,
  type UpgradeContext,
} from './context.js';
import { isAnswering, isMaintenance, waitForPublicSite } from './site-wait.js';

/**
 * Maintenance on: nginx.conf as it was is kept, then nginx answers 503 + the maintenance page on the
 * public port (static files still served) and proxies to the workers only on a unix socket the
 * upgrade checks through. Returns once the public port shows the page.
 */
export async function maintenanceOn(u: UpgradeContext): Promise<void> {
  const { from: layout, answers } = u;
  const files = nginxFiles(layout);
  await mkdir(upgradeWorkDir(layout), { recursive: true, mode: 0o700 });
  await copyFile(files.conf, savedNginxConf(layout));
  await mkdir(maintenanceDir(layout), { recursive: true });
  await writeFile(
    path.join(maintenanceDir(layout), MAINTENANCE_PAGE),
    renderMaintenancePage(u.state.from, u.state.to),
  );
  await rm(checkSocket(layout), { force: true });
  await writeFile(
    files.conf,
    renderNginxConfig({
      layout,
      httpPort: answers.site.httpPort,
      hostNames: answers.site.hostNames,
      workerPorts: workerPorts({ answers } as StepContext).map((w) => w.port),
      runAsRoot: process.getuid?.() === 0,
      maxBodyBytes: maxUploadBytes(answers),
      maintenanceDir: maintenanceDir(layout),
      checkSocket: checkSocket(layout),
    }),
  );
  await testAndReloadNginx(files);
  await waitForPublicSite(u.host, answers, isMaintenance, 'show the maintenance page');
}

/** Maintenance off: nginx.conf exactly as before the upgrade (repair's proxy step plans nothing). */
export async function maintenanceOff(u: UpgradeContext): Promise<void> {
  const { from: layout, answers } = u;
  const files = nginxFiles(layout);
  await copyFile(savedNginxConf(layout), files.conf);
  await testAndReloadNginx(files);
  await waitForPublicSite(u.host, answers, isAnswering, 'answer again through nginx', 60_000);
}
