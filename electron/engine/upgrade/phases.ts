import path from 'node:path';
import type { Layout } from '../layout.js';
import type { UpgradePath } from './upgrade-path.js';

export interface UpgradePhase {
  id:
    | 'preflight'
    | 'maintenance-on'
    | 'backup'
    | 'restore-copy'
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
 * The order of an upgrade. The new release's code and venv are staged first, while the old one still
 * serves (the longest part, kept out of the maintenance window). From the backup until the health
 * check passes nginx answers 503 with a plain maintenance page, so no write can land in the database
 * after it was copied. In place (3.1.1.x -> 3.1.1.y) the database is migrated after the backup; on
 * the major path (3.x -> 4.0) the backup is restored into a new database that is migrated instead.
 */
export function upgradePhases(
  layout: Layout,
  from: string,
  to: string,
  backupDir: string,
  keepDays = KEEP_OLD_DAYS,
  path_: UpgradePath = { kind: 'in-place' },
): UpgradePhase[] {
  const dir = releaseDir(layout, to);
  const newDb = path_.kind === 'new-database' ? path_.database : undefined;
  return [
    {
      id: 'preflight',
      describe: `Check the path ${from} -> ${to}, the bundle's release and room for the backup`,
    },
    {
      id: 'stage-release',
      describe: `Unpack ${to} and create its venv in ${dir} (beside the running ${from}, which still serves)`,
    },
    {
      id: 'maintenance-on',
      describe: 'nginx answers 503 with a plain maintenance page (no write reaches the database)',
    },
    {
      id: 'backup',
      describe: `Back up the database (pg_dump -Fc), media, local_settings.py and the secret key to ${backupDir}`,
    },
    ...(newDb
      ? [
          {
            id: 'restore-copy' as const,
            describe: `Restore the backup into a new database ${newDb} (the old one stays as it is, for a rollback)`,
          },
        ]
      : []),
    {
      id: 'migrate',
      describe: `Apply ${to}'s database migrations${newDb ? ` in ${newDb}` : ''} (one progress event each)`,
    },
    { id: 'collectstatic', describe: `Collect ${to}'s static files` },
    { id: 'switch', describe: `Restart the workers and the django-q cluster on ${to}` },
    { id: 'health', describe: 'Check the site through nginx (sign-in page answers)' },
    { id: 'maintenance-off', describe: 'nginx proxies to the workers again' },
    { id: 'keep-old', describe: `Keep ${from} for ${keepDays} days for a manual rollback` },
  ];
}
