import { defineStep } from '../../engine/step.js';
import { setupLogDir } from '../../windows/names.js';

/**
 * The folder every installer run (Python, VC++, ODBC, SQL Express, IIS modules, Chrome) writes its
 * log to. One step owns it so a plan names it once; the steps that write there depend on this one,
 * and a folder deleted later is planned again here on repair.
 */
export const SETUP_LOGS_STEP = 'win-setup-logs';

export const setupLogsStep = defineStep<{ exists: boolean }>({
  id: SETUP_LOGS_STEP,
  title: 'Setup log folder',
  dependsOn: ['win-preflight'],
  async probe(ctx) {
    const f = await ctx.host.query({ kind: 'file', path: setupLogDir(ctx.layout) });
    return { exists: f.exists && f.type === 'dir' };
  },
  plan(ctx, p) {
    if (p.exists) return [];
    const dir = setupLogDir(ctx.layout);
    return [{ kind: 'mkdir', describe: `Create folder ${dir}`, path: dir }];
  },
  // The logs stay after uninstall with the rest of the data folder's logs.
});
