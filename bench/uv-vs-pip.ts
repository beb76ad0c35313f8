/**
 * Installs the test fixture's wheelhouse into a fresh venv with uv and with pip, alternately, and
 * prints the wall times and the ratio uv/pip (aim: under 0.3). Offline: --no-index --find-links.
 *
 *   npx tsx bench/uv-vs-pip.ts [rounds=5]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { testWheelhouse } from '../test/support/fixture.js';

const rounds = Number(process.argv[2] ?? 5);
const python = process.env.QATRACK_TEST_PYTHON ?? '/usr/bin/python3';
const { wheels, uv } = await testWheelhouse();
const req = path.join(wheels, 'requirements.txt');
const root = await mkdtemp(path.join(os.tmpdir(), 'qatrack-bench-uv-'));

async function timed(label: string, venv: string, install: () => Promise<unknown>) {
  await execa(python, ['-m', 'venv', venv]); // not timed: both tools start from the same fresh venv
  const t0 = performance.now();
  await install();
  const ms = performance.now() - t0;
  await execa(path.join(venv, 'bin', 'python'), ['-c', 'import django, cheroot, psycopg2']);
  console.log(`${label.padEnd(6)} ${ms.toFixed(0).padStart(6)} ms`);
  return ms;
}

const times = { uv: [] as number[], uvc: [] as number[], pip: [] as number[] };
try {
  for (let i = 0; i < rounds; i++) {
    const v1 = path.join(root, `uv-${i}`);
    times.uv.push(
      await timed('uv', v1, () =>
        execa(
          uv,
          [
            'pip',
            'install',
            '--python',
            path.join(v1, 'bin', 'python'),
            '--offline',
            '--no-index',
            '--find-links',
            wheels,
            '-r',
            req,
          ],
          {
            env: { UV_CACHE_DIR: path.join(root, `uv-cache-${i}`) }, // cold cache, like a fresh server
          },
        ),
      ),
    );
    // What the installer runs: uv also writes .pyc files, as pip does by default.
    const v3 = path.join(root, `uvc-${i}`);
    times.uvc.push(
      await timed('uv+pyc', v3, () =>
        execa(
          uv,
          [
            'pip',
            'install',
            '--python',
            path.join(v3, 'bin', 'python'),
            '--offline',
            '--compile-bytecode',
            '--no-index',
            '--find-links',
            wheels,
            '-r',
            req,
          ],
          { env: { UV_CACHE_DIR: path.join(root, `uvc-cache-${i}`) } },
        ),
      ),
    );
    const v2 = path.join(root, `pip-${i}`);
    times.pip.push(
      await timed('pip', v2, () =>
        execa(path.join(v2, 'bin', 'python'), [
          '-m',
          'pip',
          'install',
          '--disable-pip-version-check',
          '--no-input',
          '--no-index',
          '--find-links',
          wheels,
          '-r',
          req,
        ]),
      ),
    );
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const uvcMs = median(times.uvc);
const uvMs = median(times.uv);
const pipMs = median(times.pip);
const min = (xs: number[]) => Math.min(...xs);
console.log(
  `best of ${rounds}: uv ${min(times.uv).toFixed(0)} ms, pip ${min(times.pip).toFixed(0)} ms, ratio ${(min(times.uv) / min(times.pip)).toFixed(2)}`,
);
console.log(
  `median over ${rounds} rounds: uv --compile-bytecode ${uvcMs.toFixed(0)} ms, ratio to pip ${(uvcMs / pipMs).toFixed(2)} (what the installer runs)`,
);
console.log(
  `median over ${rounds} rounds: uv ${uvMs.toFixed(0)} ms, pip ${pipMs.toFixed(0)} ms, ratio uv/pip ${(uvMs / pipMs).toFixed(2)} (aim < 0.3)`,
);
