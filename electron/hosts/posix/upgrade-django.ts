import { execa } from 'execa';
import type { Layout } from '../../engine/layout.js';
import { createMigrateProgress, type MigrationApplied } from '../../engine/upgrade/migrate-progress.js';

/** Django commands of an upgrade, run with the new release's venv from its own source folder. */
function manage(layout: Layout, args: string[], signal: AbortSignal) {
  return execa(layout.venvPython, [layout.managepy, ...args], {
    cwd: layout.sourceDir,
    env: { PYTHONUNBUFFERED: '1' },
    reject: false,
    all: true,
    cancelSignal: signal,
    // The migrations' own time bounds this; a hung one is cancelled with the run.
    timeout: 3_600_000,
  });
}

const failed = (what: string, r: { exitCode?: number; all?: string; isCanceled?: boolean }) =>
  new Error(
    r.isCanceled
      ? `${what} was cancelled`
      : `${what} failed (exit ${r.exitCode ?? '?'}): ${(r.all ?? '')
          .trim()
          .split('\n')
          .slice(-5)
          .join(' | ')}`,
  );

/** `manage.py migrate --noinput -v 1`: one `onApplied` per migration, as Django reports it. */
export async function runMigrate(
  layout: Layout,
  signal: AbortSignal,
  onApplied: (m: MigrationApplied) => void,
): Promise<MigrationApplied[]> {
  const applied: MigrationApplied[] = [];
  const progress = createMigrateProgress((m) => {
    applied.push(m);
    onApplied(m);
  });
  const child = manage(layout, ['migrate', '--noinput', '-v', '1'], signal);
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => progress.write(chunk));
  const r = await child;
  if (r.exitCode !== 0) throw failed('manage.py migrate', r);
  return applied;
}

export async function runCollectstatic(layout: Layout, signal: AbortSignal): Promise<void> {
  const r = await manage(layout, ['collectstatic', '--noinput'], signal);
  if (r.exitCode !== 0) throw failed('manage.py collectstatic', r);
}
