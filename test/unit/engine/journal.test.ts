import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeInterrupted,
  findInterrupted,
  Journal,
  readJournal,
} from '../../../electron/engine/journal.js';
import { Redactor } from '../../../electron/engine/redactor.js';
import { CANARY, tempDir } from '../../support/engine-context.js';

const redactor = new Redactor([CANARY]);
const opts = (runId: string) => ({ runId, command: 'install', host: 'sim:x', redactor });

describe('journal', () => {
  it('records a finished run and finds nothing interrupted', async () => {
    const file = path.join(tempDir(), 'j.jsonl');
    const j = await Journal.open(file, opts('r1'));
    j.record({ type: 'step-start', step: 'venv' });
    j.record({ type: 'step-failed', step: 'venv', error: `bad password ${CANARY}` });
    await j.close({ ok: false, exitCode: 1, message: 'failed' });
    expect(readFileSync(file, 'utf8')).not.toContain('C4nary');
    expect(readJournal(file).map((e) => e.type)).toEqual([
      'run-start',
      'step-start',
      'step-failed',
      'run-end',
    ]);
    const next = await Journal.open(file, opts('r2'));
    expect(next.interrupted).toBeUndefined();
    await next.close({ ok: true, exitCode: 0, message: 'ok' });
  });

  it('detects a run that stopped mid-step, even with a torn last line', () => {
    const file = path.join(tempDir(), 'j.jsonl');
    const t = new Date().toISOString();
    writeFileSync(
      file,
      [
        { type: 'run-start', t, runId: 'old', command: 'install', pid: 1, hostname: 'h', host: 'sim:x' },
        { type: 'step-start', t, runId: 'old', step: 'python' },
        { type: 'step-ok', t, runId: 'old', step: 'python', changed: 1 },
        { type: 'step-start', t, runId: 'old', step: 'venv' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n{"type":"step-pla',
    );
    expect(findInterrupted(readJournal(file))).toMatchObject({
      runId: 'old',
      command: 'install',
      step: 'venv',
    });
  });

  it('names every step in flight when a parallel run was killed', () => {
    const file = path.join(tempDir(), 'j.jsonl');
    const t = new Date().toISOString();
    writeFileSync(
      file,
      [
        { type: 'run-start', t, runId: 'old', command: 'install', pid: 1, hostname: 'h', host: 'sim:x' },
        { type: 'step-start', t, runId: 'old', step: 'win-python' },
        { type: 'step-start', t, runId: 'old', step: 'win-sqlexpress' },
        { type: 'step-start', t, runId: 'old', step: 'win-iis-features' },
        { type: 'step-ok', t, runId: 'old', step: 'win-python', changed: 1 },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    const interrupted = findInterrupted(readJournal(file))!;
    expect(interrupted.inFlight).toEqual(['win-sqlexpress', 'win-iis-features']);
    expect(interrupted.step).toBe('win-iis-features');
    expect(describeInterrupted(interrupted)).toBe(
      'previous run old was interrupted during steps win-sqlexpress, win-iis-features; re-probing',
    );
  });

  it('refuses a second run while one holds the lock, naming it', async () => {
    const file = path.join(tempDir(), 'j.jsonl');
    const first = await Journal.open(file, opts('first'));
    const err = await Journal.open(file, opts('second')).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RUN_IN_PROGRESS' });
    expect(String((err as Error).message)).toMatch(/run first \(install\), pid \d+/);
    await first.close({ ok: true, exitCode: 0, message: 'ok' });
  });

  it('takes over the lock of a killed process at once', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'j.jsonl');
    // A real process takes the lock, then is killed with SIGKILL (no chance to release it).
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `
        const { Journal } = await import(${JSON.stringify(path.resolve('electron/engine/journal.ts'))});
        const { Redactor } = await import(${JSON.stringify(path.resolve('electron/engine/redactor.ts'))});
        await Journal.open(${JSON.stringify(file)}, { runId: 'killed', command: 'install', host: 'sim:x', redactor: new Redactor() });
        console.log('locked');
        setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve()),
    );
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const t0 = Date.now();
    const j = await Journal.open(file, opts('next'));
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(j.interrupted).toMatchObject({ runId: 'killed' });
    await j.close({ ok: true, exitCode: 0, message: 'ok' });
  });
});
