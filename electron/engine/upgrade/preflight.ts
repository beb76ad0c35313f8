import { InputError } from '../errors.js';
import { compareReleases } from './release-order.js';

export interface UpgradeFacts {
  installed: string;
  target: string;
  /** Releases the catalog holds (file names without .json). */
  catalogReleases: string[];
  /** The bundle manifest's release, or the reason it could not be read. */
  bundle: { release: string } | { problem: string };
  /** Free bytes where the backup goes, and what the backup needs (database + media + settings). */
  backupFreeBytes: number;
  backupNeededBytes: number;
  backupDir: string;
  /** The major path's new database (posix): what the login may do there. Absent: not checked. */
  newDatabase?: NewDatabaseFacts;
  /** The interpreter the new release's venv is made with, when the release needs its own line. */
  python?: PythonFacts;
}

export interface NewDatabaseFacts {
  database: string;
  /** The deployment's login (database.login.user). */
  role: string;
  /** pg_roles.rolcreatedb OR rolsuper of that login. */
  canCreate: boolean;
  /** The database exists already: its owner, and how many objects it holds (undefined: not readable). */
  existing?: { owner: string; objects: number | undefined };
  /** The server could not be asked (psql's own message, never a password). */
  problem?: string;
}

export interface PythonFacts {
  executable: string;
  /** The release line the target needs, e.g. "3.12". */
  needed: string;
  /** The interpreter's version; absent when it does not run. */
  version?: string;
  /** Whether `venv` and `ensurepip` import (what `python -m venv` needs). */
  venv?: boolean;
}

/** Backup room kept beyond the estimate: pg_dump -Fc is compressed, media is copied as is. */
const BACKUP_HEADROOM = 1.2;

/**
 * Every reason to refuse an upgrade before anything changes (exit 64): each problem names the
 * field and what is allowed. Called before the backup starts, so a refusal touches nothing.
 */
export function checkUpgrade(f: UpgradeFacts): void {
  const issues: { path: string; message: string }[] = [];
  if (!f.catalogReleases.includes(f.target))
    issues.push({
      path: '--release',
      message: `unknown release ${f.target}; the catalog has ${f.catalogReleases.join(', ') || 'none'}`,
    });
  else if (compareReleases(f.target, f.installed) < 0)
    issues.push({
      path: '--release',
      message: `${f.target} is older than the installed ${f.installed}; a downgrade is not supported (restore the backup instead)`,
    });
  else if (compareReleases(f.target, f.installed) === 0)
    issues.push({ path: '--release', message: `${f.target} is already installed; use repair` });
  if ('problem' in f.bundle) issues.push({ path: 'paths.bundleDir', message: f.bundle.problem });
  else if (f.bundle.release !== f.target)
    issues.push({
      path: 'paths.bundleDir',
      message: `the bundle holds release ${f.bundle.release}, not ${f.target}; make one with "bundle create --release ${f.target}"`,
    });
  const needed = Math.ceil(f.backupNeededBytes * BACKUP_HEADROOM);
  if (f.backupFreeBytes < needed)
    issues.push({
      path: 'backup.folder',
      message: `${f.backupDir} has ${f.backupFreeBytes} bytes free; the backup needs about ${needed}`,
    });
  if (f.newDatabase) issues.push(...newDatabaseIssues(f.newDatabase));
  if (f.python) issues.push(...pythonIssues(f.python));
  if (issues.length)
    throw new InputError(
      'UPGRADE_REFUSED',
      `The upgrade from ${f.installed} to ${f.target} was refused; nothing was changed.`,
      issues,
      'Fix each item listed above and run upgrade again.',
    );
}

type Issue = { path: string; message: string };

/**
 * The major path restores the backup into a new database: the login creates it (it needs
 * CREATEDB or superuser), or a DBA made it beforehand, empty and owned by that login (upstream's
 * 3 -> 4 guide has the DBA create `qatrackplus40`). Anything else is not the upgrade's to use or drop.
 */
export function newDatabaseIssues(n: NewDatabaseFacts): Issue[] {
  if (n.problem)
    return [
      {
        path: 'database.login',
        message: `could not check whether ${n.role} may create the new database ${n.database}: ${n.problem}`,
      },
    ];
  const allowed = `grant it CREATEDB (ALTER ROLE ${n.role} CREATEDB), or have the DBA create an empty database ${n.database} owned by ${n.role} (CREATE DATABASE ${n.database} OWNER ${n.role})`;
  if (!n.existing) {
    if (n.canCreate) return [];
    return [
      {
        path: 'database.login.user',
        message: `${n.role} may not create the new database ${n.database} (it has neither CREATEDB nor superuser); ${allowed}`,
      },
    ];
  }
  if (n.existing.owner !== n.role)
    return [
      {
        path: 'database.name',
        message: `a database ${n.database} exists, owned by ${n.existing.owner}, not ${n.role}; drop it, or make it an empty database owned by ${n.role}`,
      },
    ];
  if (n.existing.objects === undefined || n.existing.objects > 0)
    return [
      {
        path: 'database.name',
        message: `a database ${n.database} exists and is not empty (${n.existing.objects ?? 'unreadable'} objects); drop it, or empty it, and run upgrade again`,
      },
    ];
  return [];
}

/** "3.12.10" -> "3.12": the Python release line. */
export const pythonLine = (version: string) => version.split('.').slice(0, 2).join('.');

/** The new release's venv needs its own Python line (4.0: 3.12 only), with venv and ensurepip. */
export function pythonIssues(p: PythonFacts): Issue[] {
  const provide = `install Python ${p.needed} with venv and ensurepip (pyenv install ${p.needed}, or your distribution's python${p.needed} and python${p.needed}-venv) and set python.executable to its absolute path`;
  if (!p.version)
    return [
      {
        path: 'python.executable',
        message: `Python ${p.needed} is needed and ${p.executable} does not run; ${provide}`,
      },
    ];
  if (pythonLine(p.version) !== pythonLine(p.needed))
    return [
      {
        path: 'python.executable',
        message: `${p.executable} is Python ${p.version}; this release needs Python ${p.needed}: ${provide}`,
      },
    ];
  if (!p.venv)
    return [
      {
        path: 'python.executable',
        message: `${p.executable} (Python ${p.version}) has no venv/ensurepip module; ${provide}`,
      },
    ];
  return [];
}
