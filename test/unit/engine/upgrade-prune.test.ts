import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeExpiredPrevious } from '../../../electron/app/upgrade/prune.js';
import type { Answers } from '../../../electron/engine/answers/index.js';
import { computeLayout } from '../../../electron/engine/layout.js';
import { writeInstalledRelease } from '../../../electron/engine/upgrade/installed-release.js';

describe('the replaced release is kept for its days, then removed by repair', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function setUp(keepUntil: string) {
    root = await mkdtemp(path.join(os.tmpdir(), 'prune-'));
    const installDir = path.join(root, 'app');
    const layout = computeLayout(
      {
        paths: { installDir, dataDir: path.join(root, 'data') },
        python: {},
        backup: {},
      } as unknown as Answers,
      'posix',
    );
    const current = path.join(installDir, 'releases', '3.1.1.5');
    for (const d of [path.join(installDir, 'qatrackplus'), path.join(installDir, 'venv'), current])
      await mkdir(d, { recursive: true });
    await writeFile(path.join(installDir, 'keep-me.txt'), 'not a release file');
    await writeInstalledRelease(layout.stateDir, {
      release: '3.1.1.5',
      releaseDir: current,
      previous: { release: '3.1.1.4', releaseDir: installDir, keepUntil },
    });
    return { layout, installDir, current };
  }

  it('before keepUntil nothing is removed', async () => {
    const { layout, installDir } = await setUp(new Date(Date.now() + 86_400_000).toISOString());
    expect((await removeExpiredPrevious(layout)).removed).toEqual([]);
    expect(existsSync(path.join(installDir, 'qatrackplus'))).toBe(true);
  });

  it("after keepUntil the old code and venv go (not the install folder's other files, not the running release)", async () => {
    const { layout, installDir, current } = await setUp(new Date(Date.now() - 1000).toISOString());
    expect((await removeExpiredPrevious(layout)).removed).toEqual([
      path.join(installDir, 'qatrackplus'),
      path.join(installDir, 'venv'),
    ]);
    expect(existsSync(path.join(installDir, 'qatrackplus'))).toBe(false);
    expect(existsSync(path.join(installDir, 'keep-me.txt'))).toBe(true);
    expect(existsSync(current)).toBe(true);
    const record = JSON.parse(await readFile(path.join(layout.stateDir, 'installed-release.json'), 'utf8'));
    expect(record).toEqual({ release: '3.1.1.5', releaseDir: current });
    expect((await removeExpiredPrevious(layout)).removed).toEqual([]);
  });
});
