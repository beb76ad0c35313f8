import { defineStep } from '../../../electron/engine/step.js';

/**
 * Steps as a tampered build might plan them: one write inside the install folder, one into the
 * Windows folder. The helper must refuse the whole plan and offer nothing for review.
 */
export const outsideLayoutSteps = [
  defineStep({
    id: 'inside',
    title: 'Inside the layout',
    dependsOn: [],
    probe: () => Promise.resolve(null),
    plan: ({ layout }) => [
      {
        kind: 'writeFile' as const,
        describe: 'Write a note in the install folder',
        path: layout.join(layout.installDir, 'note.txt'),
        content: ['ok'],
      },
    ],
  }),
  defineStep({
    id: 'outside',
    title: 'Outside the layout',
    dependsOn: ['inside'],
    probe: () => Promise.resolve(null),
    plan: () => [
      {
        kind: 'writeFile' as const,
        describe: 'Replace a system DLL',
        path: 'C:\\Windows\\System32\\evil.dll',
        content: ['MZ'],
      },
    ],
  }),
];
