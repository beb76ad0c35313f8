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
  return { listener: plainLines(), stop: () => undefined };
}

/**
 * One line per step and action. While several steps are in flight (a parallel apply) each line
 * names its step, so interleaved lines still say which step they belong to.
 */
function plainLines(): ProgressListener {
  const inFlight = new Set<string>();
  const tag = (step: string) => (inFlight.size > 1 ? `(${step}) ` : '');
  return (e) => {
    if (e.type === 'step-start') inFlight.add(e.step);
    plainLine(e, tag);
    if (e.type === 'step-end') inFlight.delete(e.step);
  };
}

function plainLine(e: ProgressEvent, tag: (step: string) => string): void {
  switch (e.type) {
    case 'step-start':
      return void err(`[${e.index + 1}/${e.total}] ${e.title}\n`);
    case 'action-start':
      return void err(`  - ${tag(e.step)}${e.describe}\n`);
    case 'step-end':
      if (e.status === 'failed' || e.status === 'cancelled')
        err(`  ${tag(e.step)}${e.status}: ${e.message ?? ''}\n`);
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
