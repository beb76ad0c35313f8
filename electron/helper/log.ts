import { appendFileSync } from 'node:fs';

export interface HelperLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * The helper's own log (JSON lines). Every message goes through the redactor first: the helper holds
 * the secrets in memory, and this file must never show one.
 */
export function createHelperLog(file: string | undefined, redact: (s: string) => string): HelperLog {
  const write = (level: string, message: string) => {
    if (!file) return;
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level,
      pid: process.pid,
      msg: redact(message),
    });
    appendFileSync(file, line + '\n', { mode: 0o600 });
  };
  return {
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}
