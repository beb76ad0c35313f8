import cliProgress from 'cli-progress';
import type { ProgressEvent, ProgressListener } from '../engine/events.js';
import { err, jsonLine } from './output.js';

export interface ProgressRenderer {
  listener: ProgressListener;
  stop(): void;
}

/**
 * --json: every event as one JSON line on stdout. On a terminal: a progress bar on stderr.
 * Otherwise (pipes, CI, scheduled tasks): plain lines on stderr, one per step and action.
 */
export function createProgress(mode: { json: boolean; tty: boolean }): ProgressRenderer {
  if (mode.json) return { listener: (e) => jsonLine(e), stop: () => undefined };
  if (mode.tty) return barRenderer();
  return { listener: plainLine, stop: () => undefined };
}

function plainLine(e: ProgressEvent): void {
  switch (e.type) {
    case 'step-start':
      return void err(`[${e.index + 1}/${e.total}] ${e.title}\n`);
    case 'action-start':
      return void err(`  - ${e.describe}\n`);
    case 'step-end':
      if (e.status === 'failed' || e.status === 'cancelled') err(`  ${e.status}: ${e.message ?? ''}\n`);
      return;
    case 'log':
      if (e.level === 'warn' || e.level === 'error') err(`${e.level}: ${e.message}\n`);
      return;
    default:
      return;
  }
}

function barRenderer(): ProgressRenderer {
  const bar = new cliProgress.SingleBar(
    {
      format: '{bar} {percentage}% | {message}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    listener(e) {
      if (e.type === 'run-start' && !started) {
        bar.start(100, 0, { message: e.command });
        started = true;
      } else if (e.type === 'progress')
        bar.update(Math.round(e.overall * 100), { message: e.message.slice(0, 60) });
      else if (e.type === 'log' && (e.level === 'warn' || e.level === 'error'))
        bar.update({ message: `${e.level}: ${e.message.slice(0, 60)}` });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
