import { InputError } from '../errors.js';

/**
 * How a release line is reached. Within a line (3.1.1.x -> 3.1.1.y) the database is migrated in
 * place after the backup. Across a major line (3.x -> 4.0) upstream's path is taken: the 3.x
 * database is restored into a new one, named like upstream's `qatrackplus40` (the old name plus the
 * target's major and minor digits), and migrated there, so the old database stays as the rollback
 * (docs/install/win_upgrade_from_3_to_4.rst, "Create a new database" / "Migrate data from the old
 * database"; read at qatrackplus/qatrackplus 25b9c5d7, the search index's stored copy: the 4.0 line
 * is not in the local mirror).
 */
export type UpgradePath = { kind: 'in-place' } | { kind: 'new-database'; database: string };

const major = (release: string) => release.split('.')[0]!;

/** PostgreSQL keeps NAMEDATALEN - 1 = 63 bytes of an identifier; SQL Server's sysname is 128. */
const MAX_DATABASE_NAME = 63;

export function upgradePath(from: string, to: string, databaseName: string): UpgradePath {
  if (major(from) === major(to)) return { kind: 'in-place' };
  const [maj = '', min = '0'] = to.split('.');
  const database = `${databaseName}${maj}${min === 'x' ? '0' : min}`;
  if (Buffer.byteLength(database) > MAX_DATABASE_NAME)
    throw new InputError(
      'UPGRADE_REFUSED',
      `The upgrade ${from} -> ${to} restores the database into a new one, ${database}, whose name is too long; nothing was changed.`,
      [
        {
          path: 'database.name',
          message: `${databaseName} plus "${maj}${min}" must be at most ${MAX_DATABASE_NAME} bytes`,
        },
      ],
    );
  return { kind: 'new-database', database };
}
