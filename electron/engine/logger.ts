import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger as PinoLogger } from 'pino';
import type { Redactor } from './redactor.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Fields attached to a log line; `step` also shows in the readable log. */
export interface LogFields {
  step?: string;
  err?: unknown;
  [key: string]: unknown;
}

/** What the engine logs through. Every implementation redacts; there is no unredacted path. */
export interface RunLogger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  /** The readable log file, or undefined when logging only to memory. */
  readonly file: string | undefined;
  readonly jsonFile: string | undefined;
  close(): Promise<void>;
}

/** `install.log` → `install.jsonl`: the structured log always sits beside the readable one. */
export const jsonLogPathFor = (textFile: string) =>
  path.join(path.dirname(textFile), path.basename(textFile, path.extname(textFile)) + '.jsonl');

const pad = (level: string) => level.toUpperCase().padEnd(5);

/**
 * A pino JSON-lines log plus a readable text log, both redacted at the last moment (pino's
 * streamWrite hook and the text writer), so no caller can log a secret by mistake.
 */
export function createFileLogger(textFile: string, redactor: Redactor): RunLogger {
  mkdirSync(path.dirname(textFile), { recursive: true });
  const jsonFile = jsonLogPathFor(textFile);
  // sync: a run killed with SIGKILL still leaves every line it logged.
  const jsonDest = pino.destination({ dest: jsonFile, sync: true, mkdir: true });
  const textDest = pino.destination({ dest: textFile, sync: true, mkdir: true });
  const json: PinoLogger = pino(
    {
      level: 'debug',
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: { streamWrite: (s) => redactor.redact(s) },
    },
    jsonDest,
  );
  return {
    file: textFile,
    jsonFile,
    log(level, message, fields = {}) {
      const { err, ...rest } = fields;
      const safeErr = err instanceof Error ? redactor.redactError(err) : redactor.redactDeep(err);
      json[level](
        redactor.redactDeep({ ...rest, ...(err !== undefined ? { err: safeErr } : {}) }),
        redactor.redact(message),
      );
      const step = fields.step ? ` [${fields.step}]` : '';
      textDest.write(redactor.redact(`${new Date().toISOString()} ${pad(level)}${step} ${message}\n`));
      if (err instanceof Error && err.stack && level === 'error') {
        textDest.write(redactor.redact(err.stack.replace(/^/gm, '    ') + '\n'));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        jsonDest.flushSync();
        textDest.flushSync();
        jsonDest.end();
        textDest.end();
        resolve();
      }),
  };
}

/** Keeps redacted lines in memory (tests, the wizard's live log view). */
export function createMemoryLogger(redactor: Redactor, sink: string[] = []): RunLogger & { lines: string[] } {
  return {
    file: undefined,
    jsonFile: undefined,
    lines: sink,
    log(level, message, fields = {}) {
      const step = fields.step ? ` [${fields.step}]` : '';
      sink.push(redactor.redact(`${pad(level)}${step} ${message}`));
    },
    close: () => Promise.resolve(),
  };
}
