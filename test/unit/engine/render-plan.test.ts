import { describe, expect, it } from 'vitest';
import { actionSchema } from '../../../electron/engine/actions/index.js';
import type { PlanResult } from '../../../electron/engine/report.js';
import { renderPlan } from '../../../electron/cli/render-plan.js';
import { exampleAnswers } from '../../support/engine-context.js';

const mk = (describe: string) => actionSchema.parse({ kind: 'mkdir', describe, path: 'C:\\X' });

describe('text plan', () => {
  it('reads like a change request: header, numbered actions per step, what is already right, a summary', () => {
    const { answers } = exampleAnswers();
    const plan: PlanResult = {
      steps: [
        {
          id: 'python',
          title: 'Python 3.9',
          actions: [mk('Install Python 3.9.13 (x64)'), mk('Create folder C:\\QATrack')],
        },
        { id: 'venv', title: 'Virtual environment', actions: [] },
        { id: 'sql', title: 'Database and logins', actions: [mk('Create SQL login qatrack on sql01')] },
      ],
      skipped: [{ id: 'express', title: 'SQL Server Express' }],
      changes: 3,
    };
    const text = renderPlan(plan, answers, { kind: 'sim', file: '/tmp/s.json' });
    expect(text.split('\n').slice(0, 5)).toEqual([
      'QATrack+ 3.1.1.4: install plan',
      '  Host:    sim:/tmp/s.json',
      '  Program: C:\\QATrack',
      '  Data:    D:\\QATrackData',
      '  Site:    https://qatrack.hospital.local/ (3 workers on loopback ports 8001-8003)',
    ]);
    expect(text).toContain(
      'Python 3.9 [python]: 2 changes\n   1. Install Python 3.9.13 (x64)\n   2. Create folder C:\\QATrack\n',
    );
    expect(text).toContain('Database and logins [sql]: 1 change\n   1. Create SQL login qatrack on sql01\n');
    expect(text).toContain(
      'Already right: Virtual environment\nNot needed for these answers: SQL Server Express\n',
    );
    expect(text.trimEnd().split('\n').at(-1)).toBe('3 changes in 2 steps.');
  });

  it('says plainly when nothing is to be done', () => {
    const { answers } = exampleAnswers();
    const text = renderPlan(
      { steps: [{ id: 'a', title: 'A', actions: [] }], skipped: [], changes: 0 },
      answers,
      {
        kind: 'posix',
      },
    );
    expect(text.trimEnd().split('\n').at(-1)).toBe('No changes: the machine already matches the answers.');
  });
});
