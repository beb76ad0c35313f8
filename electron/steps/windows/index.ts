import type { Step } from '../../engine/step.js';
import { commonSteps, dataStep } from '../common/index.js';
import { stageStep } from '../common/stage.js';
import { alertsStep } from './alerts.js';
import { backupsStep } from './backups.js';
import { chromeStep } from './chrome.js';
import { defaultWebSiteKeepStep, defaultWebSiteStep } from './defaultWebSite.js';
import { hardeningStep } from './hardening.js';
import { iisFeaturesStep } from './iisFeatures.js';
import { iisSiteStep } from './iisSite.js';
import { pdfStep } from './pdf.js';
import { preflightStep } from './preflight.js';
import { pythonStep } from './python.js';
import { setupLogsStep } from './setupLogs.js';
import { runtimesStep } from './runtimes.js';
import { servicesStep } from './services.js';
import { sqlExpressStep } from './sqlExpress.js';
import { sqlProvisionStep } from './sqlProvision.js';
import { sqlReportsRightsStep } from './sqlReportsRights.js';
import { verifySiteStep } from './verifySite.js';

/** Windows steps before the common ones (machine prerequisites and the database). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const windowsPrerequisites: Step<any>[] = [
  dataStep,
  preflightStep,
  setupLogsStep,
  // Before every step that runs a bundle file: they run the staged, checked copies.
  stageStep('win-preflight'),
  pythonStep,
  runtimesStep,
  sqlExpressStep,
  sqlProvisionStep,
  iisFeaturesStep,
  defaultWebSiteStep,
  chromeStep,
];

/** Windows steps after the common ones (services, IIS site, hardening, backups, alerts, verify). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const windowsFinish: Step<any>[] = [
  sqlReportsRightsStep,
  servicesStep,
  iisSiteStep,
  defaultWebSiteKeepStep,
  hardeningStep,
  backupsStep,
  alertsStep,
  verifySiteStep,
  pdfStep,
];

/**
 * The Windows Server profile (used by the `windows` and `sim` hosts): machine prerequisites, then the
 * common steps (venv, wheelhouse, source, local_settings.py, Django commands), then services, IIS,
 * hardening, backups, alerts and verify.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const windowsProfile: Step<any>[] = [...windowsPrerequisites, ...commonSteps, ...windowsFinish];
