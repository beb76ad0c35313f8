import { describe, expect, it } from 'vitest';
import { testPython } from '../support/fixture.js';
import { missingTools } from '../support/posix-site.js';

/**
 * The posix e2e tests' own preflight (test/support/posix-site.ts): the 3 -> 4 upgrade tests need
 * the 4.0 line's Python 3.12, and an override of the lookup that does not run is reported, not
 * quietly replaced by another interpreter (scripts/test-python.sh).
 */
const base = await missingTools();
const py312 = await testPython('3.12');

describe.skipIf(base !== undefined)('missingTools: Python 3.12 for the 3 -> 4 upgrade tests', () => {
  it('reports a Python 3.12 lookup pointed at a path that does not exist, and says how to provide one', async () => {
    const env = { ...process.env, QATRACK_TEST_PYTHON312: '/nonexistent/bin/python3.12' };
    const why = await missingTools({ python312: true, env });
    expect(why).toContain('Python 3.12 is not installed: QATrack+ 4.0 needs it');
    expect(why).toContain('pyenv install 3.12.1');
    expect(why).toContain('QATRACK_TEST_PYTHON312');
    // Without python312 the same machine still runs the 3.1 tests.
    expect(await missingTools({ env })).toBeUndefined();
  });

  it('reports an override of another line (the 3.9 of the 3.1 tests) the same way', async () => {
    const py39 = (await testPython('3.9'))!;
    const why = await missingTools({
      python312: true,
      env: { ...process.env, QATRACK_TEST_PYTHON312: py39 },
    });
    expect(why).toContain('Python 3.12 is not installed');
  });

  it.skipIf(py312 === undefined)('is satisfied by the Python 3.12 found here', async () => {
    expect(await missingTools({ python312: true })).toBeUndefined();
  });
});
