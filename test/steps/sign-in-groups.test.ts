import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../electron/engine/layout.js';
import { resolveRelease } from '../../electron/engine/release.js';
import type { StepContext } from '../../electron/engine/step.js';
import { createSimHost } from '../../electron/hosts/sim/host.js';
import { groupsScript, signInGroupsStep } from '../../electron/steps/common/sign-in-groups.js';
import { applySteps } from '../support/apply-steps.js';
import { CANARY, exampleAnswers, tempDir, testCatalog } from '../support/engine-context.js';

/**
 * QATrack+ 3.1.1.4 reads the required ("account qualifying") and default groups from database rows
 * (qatrack/accounts/models.py L6-50; release notes L504-512), so the answers' lists become rows.
 */

const DIRECTORY = {
  kind: 'activeDirectory',
  ldapUrl: 'ldaps://dc1.hospital.local:636',
  searchDn: 'DC=hospital,DC=local',
  nt4Domain: 'HOSPITAL',
};

async function ctxWith(signIn: object): Promise<StepContext> {
  const { answers, secrets } = exampleAnswers((a) => {
    a.signIn = signIn;
  });
  const layout = computeLayout(answers, 'win32');
  return {
    answers,
    secrets,
    host: await createSimHost(path.join(tempDir(), 'state.json')),
    layout,
    release: resolveRelease(answers, layout, testCatalog()),
  };
}

describe('sign-in-groups step', () => {
  it('local or ADFS sign-in: the step does not apply', async () => {
    const ctx = await ctxWith({ kind: 'local' });
    expect(signInGroupsStep.appliesTo?.(ctx)).toBe(false);
  });

  it('before migrate (tables unreadable): plans the rows through manage.py shell, no secret in it', async () => {
    const ctx = await ctxWith({
      ...DIRECTORY,
      membershipRequired: ['QATrack Users'],
      defaultGroups: ['Therapists'],
    });
    expect(signInGroupsStep.appliesTo?.(ctx)).toBe(true);
    const probe = await signInGroupsStep.probe(ctx);
    expect(probe.qualifying).toBeUndefined();
    const [action, ...rest] = await signInGroupsStep.plan(ctx, probe);
    expect(rest).toEqual([]);
    expect(action).toMatchObject({
      kind: 'exec',
      file: 'C:\\QATrack\\venv\\Scripts\\python.exe',
      args: [
        'C:\\QATrack\\qatrackplus\\manage.py',
        'shell',
        '-c',
        expect.stringContaining('account_qualifier'),
      ],
    });
    expect(action!.describe).toContain('"QATrack Users"');
    expect(action!.describe).toContain('"Therapists"');
    expect(JSON.stringify(action)).not.toContain(CANARY);
  });

  it('rows as the answers say: nothing to do; a changed list plans again', async () => {
    const ctx = await ctxWith({ ...DIRECTORY, membershipRequired: ['B', 'A'], defaultGroups: [] });
    expect(await signInGroupsStep.plan(ctx, { qualifying: ['A', 'B'], defaults: [] })).toEqual([]);
    expect(await signInGroupsStep.plan(ctx, { qualifying: ['A'], defaults: [] })).toHaveLength(1);
    // A qualifying group the answers no longer list widens who may sign in: repair removes it.
    expect(await signInGroupsStep.plan(ctx, { qualifying: ['A', 'B', 'C'], defaults: [] })).toHaveLength(1);
    expect(
      await signInGroupsStep.plan(ctx, { qualifying: ['A', 'B'], defaults: ['Physicists'] }),
    ).toHaveLength(1);
  });

  it('the script names the groups as Python literals, sorted', () => {
    const s = groupsScript({ membershipRequired: ['Z team', 'A team'], defaultGroups: ['Therapists'] });
    expect(s).toContain('required = ["A team", "Z team"]');
    expect(s).toContain('defaults = ["Therapists"]');
    expect(s).toContain('transaction.atomic()');
  });

  it('on the sim host the applied plan converges: a second probe plans nothing', async () => {
    const ctx = await ctxWith({ ...DIRECTORY, membershipRequired: ['QATrack Users'] });
    const first = await applySteps([signInGroupsStep], ctx);
    expect(first['sign-in-groups']).toHaveLength(1);
    const second = await applySteps([signInGroupsStep], ctx);
    expect(second['sign-in-groups']).toEqual([]);
  });
});
