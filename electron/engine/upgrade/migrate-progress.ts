/**
 * Turns `manage.py migrate -v 1` output into one event per migration applied. Django writes
 * "  Applying <app>.<name>..." when a migration starts (no newline, flushed) and " OK" or " FAKED"
 * (plus " (0.012s)" at verbosity 2+) when it is done: django/core/management/commands/migrate.py,
 * migration_progress_callback (Django 2.2.18, lines 263-273; the same in 4.2). Output arrives in
 * arbitrary chunks, so the parser keeps the unfinished tail.
 */
export interface MigrationApplied {
  app: string;
  name: string;
  faked: boolean;
}

const DONE = /Applying ([\w-]+)\.(\w+)\.\.\. (OK|FAKED)(?: \([\d.]+s\))?/g;

export function createMigrateProgress(onApplied: (m: MigrationApplied) => void) {
  let buffer = '';
  return {
    write(chunk: string): void {
      buffer += chunk;
      let last = 0;
      for (const m of buffer.matchAll(DONE)) {
        onApplied({ app: m[1]!, name: m[2]!, faked: m[3] === 'FAKED' });
        last = m.index + m[0].length;
      }
      buffer = buffer.slice(last);
    },
  };
}
