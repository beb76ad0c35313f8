import type { ProgressEvent, ProgressListener } from './events.js';
import type { RunLogger } from './logger.js';
import type { Redactor } from './redactor.js';

/**
 * The only way the runner reports progress: every event is redacted before any listener (CLI,
 * wizard IPC, log) sees it.
 */
export class EventBus {
  readonly #listeners = new Set<ProgressListener>();
  constructor(
    private readonly redactor: Redactor,
    private readonly logger: RunLogger,
  ) {}

  on(listener: ProgressListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  emit(event: ProgressEvent): void {
    const safe = this.redactor.redactDeep(event);
    this.#logEvent(safe);
    for (const l of this.#listeners) l(safe);
  }

  #logEvent(e: ProgressEvent): void {
    switch (e.type) {
      case 'run-start':
        return this.logger.log('info', `run ${e.runId}: ${e.command} (${e.steps.length} steps)`, {
          event: e,
        });
      case 'step-start':
        return this.logger.log('info', `step ${e.index + 1}/${e.total}: ${e.title}`, { step: e.step });
      case 'action-start':
        return this.logger.log('info', `action ${e.index + 1}/${e.total}: ${e.describe}`, { step: e.step });
      case 'action-output':
        return this.logger.log('debug', e.line, { step: e.step });
      case 'action-end':
        return this.logger.log(
          e.ok ? 'info' : 'error',
          `action ${e.index + 1} ${e.ok ? 'done' : 'failed'} in ${e.durationMs} ms`,
          {
            step: e.step,
          },
        );
      case 'step-end':
        return this.logger.log(
          e.status === 'failed' ? 'error' : 'info',
          `step ${e.status}${e.message ? `: ${e.message}` : ''} (${e.changed} changes)`,
          {
            step: e.step,
          },
        );
      case 'progress':
        return this.logger.log('debug', `${Math.round(e.overall * 100)}% ${e.message}`, { step: e.step });
      case 'log':
        return this.logger.log(e.level, e.message);
      case 'run-end':
        return this.logger.log(e.ok ? 'info' : 'error', `run ended (exit ${e.exitCode}): ${e.message}`, {
          event: e,
        });
    }
  }
}
