import { withDependsOn, type Step } from '../../engine/step.js';
import { commonSteps, dataStep } from '../common/index.js';
import { STAGE_STEP, stageStep } from '../common/stage.js';
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
import { releaseRecordStep } from './releaseRecord.js';
import { SETUP_LOGS_STEP, setupLogsStep } from './setupLogs.js';
import { runtimesStep } from './runtimes.js';
import { servicesStep } from './services.js';
import { sqlExpressStep } from './sqlExpress.js';
import { sqlProvisionStep } from './sqlProvision.js';
import { sqlReportsRightsStep } from './sqlReportsRights.js';
import { verifySiteStep } from './verifySite.js';

/**
 * What Windows steps wait for beyond their own `dependsOn`: the order a sequential run always
 * had, made explicit so a parallel apply keeps it (each edge points backwards in that order, so
 * the plan's order is unchanged). Why each is there:
 *  - everything waits for the pre-flight checks (bad input is found before anything changes),
 *    which come after the data step (uninstall reaches the data folder last);
 *  - every step that runs a bundle file (installers, the source archive) runs the staged copy;
 *  - the common Python check reads the interpreter the Windows Python step installs;
 *  - local_settings.py names the Chrome the Chrome step installs (CHROME_PATH);
 *  - Django's commands connect through the ODBC driver to the database SQL provisioning made;
 *  - the site check comes last, after everything that changes what the site answers.
 */
const WINDOWS_EDGES: Record<string, readonly string[]> = {
  'win-preflight': ['data'],
  'win-python': [STAGE_STEP],
  'win-runtimes': [STAGE_STEP],
  'win-sqlexpress': [STAGE_STEP, SETUP_LOGS_STEP],
  'win-iis-features': [STAGE_STEP],
  'win-chrome': [STAGE_STEP],
  python: ['win-preflight', 'win-python'],
  source: ['win-preflight', STAGE_STEP],
  'local-settings': ['win-chrome'],
  django: ['win-runtimes', 'win-sql-provision'],
  'win-verify': [
    'win-default-site-keep',
    'win-backups',
    'win-alerts',
    'win-chrome',
    'win-sql-reports-rights',
    'reports-rights',
  ],
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const explicit = (steps: Step<any>[]) => steps.map((s) => withDependsOn(s, WINDOWS_EDGES[s.id] ?? []));

/** Windows steps before the common ones (machine prerequisites and the database). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const windowsPrerequisites: Step<any>[] = explicit([
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
]);

/** Windows steps after the common ones (services, IIS site, hardening, backups, alerts, verify). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const windowsFinish: Step<any>[] = explicit([
  sqlReportsRightsStep,
  servicesStep,
  iisSiteStep,
  defaultWebSiteKeepStep,
  hardeningStep,
  backupsStep,
  alertsStep,
  verifySiteStep,
  pdfStep,
  releaseRecordStep,
]);

/**
 * The Windows Server profile (used by the `windows` and `sim` hosts): machine prerequisites, then the
 * common steps (venv, wheelhouse, source, local_settings.py, Django commands), then services, IIS,
 * hardening, backups, alerts and verify.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const windowsProfile: Step<any>[] = [
  ...windowsPrerequisites,
  ...explicit(commonSteps),
  ...windowsFinish,
];
