import { describe, expect, it } from 'vitest';
import { untilCancelled, upgradeFault } from '../../../electron/engine/upgrade/fault.js';

const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setTimeout(r, 20));
  return done;
};

describe('the injected upgrade hang', () => {
  it('parses upgrade:<phase>[:hang] and nothing else', () => {
    expect(upgradeFault({ QATRACK_INSTALLER_FAULT: 'upgrade:migrate:hang' })).toEqual({
      phase: 'migrate',
      mode: 'hang',
    });
    expect(upgradeFault({ QATRACK_INSTALLER_FAULT: 'upgrade:health' })).toEqual({
      phase: 'health',
      mode: 'fail',
    });
    expect(upgradeFault({ QATRACK_INSTALLER_FAULT: 'install:migrate' })).toBeUndefined();
  });

  it('waits until the signal aborts', async () => {
    const c = new AbortController();
    const p = untilCancelled(c.signal);
    expect(await settled(p)).toBe(false);
    c.abort();
    expect(await settled(p)).toBe(true);
  });

  // The CI hang: SIGTERM arrived while the phase was still working, so the abort event had fired
  // before anyone listened, and the run waited forever instead of rolling back.
  it('ends at once when the signal aborted before the hang began', async () => {
    const c = new AbortController();
    c.abort();
    expect(await settled(untilCancelled(c.signal))).toBe(true);
  });
});
