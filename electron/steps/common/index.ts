import type { Step } from '../../engine/step.js';
import { dataStep } from './data.js';
import { djangoStep } from './django.js';
import { localSettingsStep } from './local-settings.js';
import { pythonStep } from './python.js';
import { reportsRightsStep } from './reports-rights.js';
import { signInFilesStep } from './sign-in-files.js';
import { signInGroupsStep } from './sign-in-groups.js';
import { sourceStep } from './source.js';
import { venvStep } from './venv.js';
import { wheelhouseStep } from './wheelhouse.js';

/**
 * Steps that run anywhere (real on posix, planned for Windows on sim): Python check, venv,
 * source, wheelhouse, local_settings.py, Django commands. Each profile picks them up.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commonSteps: Step<any>[] = [
  pythonStep,
  venvStep,
  sourceStep,
  wheelhouseStep,
  signInFilesStep,
  localSettingsStep,
  djangoStep,
  signInGroupsStep,
  reportsRightsStep,
];

export {
  dataStep,
  djangoStep,
  localSettingsStep,
  pythonStep,
  reportsRightsStep,
  signInFilesStep,
  signInGroupsStep,
  sourceStep,
  venvStep,
  wheelhouseStep,
};
