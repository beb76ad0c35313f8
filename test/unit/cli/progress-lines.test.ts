import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ProgressEvent } from '../../../electron/engine/events.js';
import { createProgress } from '../../../electron/cli/progress.js';

const start = (step: string, index: number): ProgressEvent => ({
  type: 'step-start',
  step,
  title: `Step ${step}`,
  index,
  total: 2,
});
const action = (step: string, describe: string): ProgressEvent => ({
  type: 'action-start',
  step,
  index: 0,
  total: 1,
  describe,
});
const end = (step: string): ProgressEvent => ({ type: 'step-end', step, status: 'changed', changed: 1 });

describe('plain progress lines (no terminal, no --json)', () => {
  afterEach(() => vi.restoreAllMocks());

  const lines = (events: ProgressEvent[]) => {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const p = createProgress({ json: false, tty: false });
    for (const e of events) p.listener(e);
    p.stop();
    return written.join('').split('\n').filter(Boolean);
  };

  it('one step at a time: action lines as before, without a step name', () => {
    expect(lines([start('a', 0), action('a', 'Create folder C:\\A'), end('a')])).toEqual([
      '[1/2] Step a',
      '  - Create folder C:\\A',
    ]);
  });

  it('steps in flight together: each action line names its step', () => {
    expect(
      lines([
        start('a', 0),
        start('b', 1),
        action('b', 'Install ODBC'),
        action('a', 'Create folder C:\\A'),
        end('b'),
        action('a', 'Write C:\\A\\x'),
      ]),
    ).toEqual([
      '[1/2] Step a',
      '[2/2] Step b',
      '  - (b) Install ODBC',
      '  - (a) Create folder C:\\A',
      '  - Write C:\\A\\x',
    ]);
  });
});
