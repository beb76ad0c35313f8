// A test entry of the elevated helper: the real helper (runHelper over the real socket) whose target
// is a sim state file and whose remembered answers go to a temp folder. Production's entry
// (electron/helper/cli.ts, main in helper mode) has no such options: the app cannot retarget it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RememberedStore } from '../../../electron/engine/remembered.js';
import { configureResources } from '../../../electron/engine/resources.js';
import { helperMain } from '../../../electron/helper/entry.js';
import { windowsProfile } from '../../../electron/steps/windows/index.js';
import { outsideLayoutSteps } from './outside-layout-steps.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { sim: { type: 'string' }, remembered: { type: 'string' }, steps: { type: 'string' } },
  strict: false,
});
configureResources(fileURLToPath(new URL('../../../resources/', import.meta.url)));
process.exitCode = await helperMain(process.argv.slice(2), {
  hostSpec: { kind: 'sim', file: path.resolve(String(values.sim)) },
  steps: values.steps === 'outside-layout' ? outsideLayoutSteps : windowsProfile,
  ...(typeof values.remembered === 'string'
    ? { remembered: new RememberedStore({ dir: values.remembered }) }
    : {}),
});
