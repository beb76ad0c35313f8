import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSISTENCY_CHECK } from '../../electron/steps/common/wheelhouse.js';
import { testPython, testWheelhouse } from '../support/fixture.js';

/** The wheelhouse step's fast stand-in for `pip check`, against a real venv and pip itself. */
describe('wheelhouse consistency check', () => {
  let dir: string;
  let python: string;
  let uv: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'qatrack-whcheck-'));
    const wh = await testWheelhouse();
    uv = wh.uv;
    // The fixture's wheelhouse is built for the release's Python 3.9 (scripts/test-python.sh).
    await execa((await testPython()) ?? '/usr/bin/python3', ['-m', 'venv', path.join(dir, 'venv')]);
    python = path.join(dir, 'venv', 'bin', 'python');
    await execa(
      uv,
      [
        'pip',
        'install',
        '--python',
        python,
        '--offline',
        '--no-index',
        '--find-links',
        wh.wheels,
        '-r',
        path.join(wh.wheels, 'requirements.txt'),
      ],
      {
        env: { UV_CACHE_DIR: path.join(dir, 'uv-cache') },
      },
    );
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('agrees with pip check on a complete and on a broken environment', async () => {
    const ours = () => execa(python, ['-c', CONSISTENCY_CHECK], { reject: false });
    const pip = () => execa(python, ['-m', 'pip', 'check'], { reject: false });
    expect((await ours()).exitCode).toBe(0);
    expect((await pip()).exitCode).toBe(0);

    await execa(uv, ['pip', 'uninstall', '--python', python, 'sqlparse'], {
      env: { UV_CACHE_DIR: path.join(dir, 'uv-cache') },
    });
    const broken = await ours();
    expect(broken.exitCode).toBe(1);
    expect(broken.stdout).toMatch(/^django requires sqlparse/im);
    expect((await pip()).exitCode).toBe(1);
  }, 60_000);
});
