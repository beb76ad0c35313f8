import path from 'node:path';
import type { Layout } from '../layout.js';

export interface UpgradePhase {
  id:
    | 'preflight'
    | 'maintenance-on'
    | 'backup'
    | 'stage-release'
    | 'migrate'
    | 'collectstatic'
    | 'switch'
    | 'health'
    | 'maintenance-off'
    | 'keep-old';
  describe: string;
}

/** Days the previous release's folders are kept after a successful upgrade (manual rollback). */
export const KEEP_OLD_DAYS = 14;

/** Release-versioned folder of a release's code and venv: never overwritten in place. */
export const releaseDir = (layout: Layout, release: string) =>
  path.join(layout.installDir, 'releases', release);

/**
 * The order of an in-place upgrade (3.1.1.x -> 3.1.1.y: migrate in place after the backup). From
 * the backup until the health check passes nginx answers 503 with a plain maintenance page, so no
 * write can land in the database after it was copied.
 */
export function upgradePhases(
  layout: Layout,
  from: string,
  to: string,
  backupDir: string,
  keepDays = KEEP_OLD_DAYS,
): UpgradePhase[] {
  const dir = releaseDir(layout, to);
  return [
    {
      id: 'preflight',
      describe: `Check the path ${from} -> ${to}, the bundle's release and room for the backup`,
    },
    {
      id: 'maintenance-on',
      describe: 'nginx answers 503 with a plain maintenance page (no write reaches the database)',
    },
    {
      id: 'backup',
      describe: `Back up the database (pg_dump -Fc), media, local_settings.py and the secret key to ${backupDir}`,
    },
    {
      id: 'stage-release',
      describe: `Unpack ${to} and create its venv in ${dir} (beside the running ${from})`,
    },
    { id: 'migrate', describe: `Apply ${to}'s database migrations (one progress event each)` },
    { id: 'collectstatic', describe: `Collect ${to}'s static files` },
    { id: 'switch', describe: `Restart the workers and the django-q cluster on ${to}` },
    { id: 'health', describe: 'Check the site through nginx (sign-in page answers)' },
    { id: 'maintenance-off', describe: 'nginx proxies to the workers again' },
    { id: 'keep-old', describe: `Keep ${from} for ${keepDays} days for a manual rollback` },
  ];
}
