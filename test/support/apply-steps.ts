import { actionSchema, type Action } from '../../electron/engine/actions/index.js';
import type { Step, StepContext } from '../../electron/engine/step.js';

/**
 * Probe, plan and apply steps in list order through the context's host, as the runner does, for
 * tests that exercise steps and hosts without the CLI. Returns what each step planned.
 */
export async function applySteps(
  steps: Step<any>[],
  ctx: StepContext,
  opts: { dryRun?: boolean; onOutput?: (line: string) => void } = {},
): Promise<Record<string, Action[]>> {
  const planned: Record<string, Action[]> = {};
  for (const step of steps) {
    if (step.appliesTo && !step.appliesTo(ctx)) continue;
    const t0 = Date.now();
    const probed: unknown = await step.probe(ctx);
    if (process.env.QATRACK_TIME_STEPS) console.log(`probe ${step.id}: ${Date.now() - t0} ms`);
    const actions = (await step.plan(ctx, probed)).map((a) => actionSchema.parse(a));
    planned[step.id] = actions;
    if (opts.dryRun) continue;
    for (const action of actions) {
      await ctx.host.apply(action, {
        secrets: ctx.secrets,
        signal: new AbortController().signal,
        timeoutMs: 600_000,
        onOutput: opts.onOutput ?? (() => {}),
      });
    }
  }
  return planned;
}
