import { execa } from 'execa';
import type { Answers } from '../../engine/answers/index.js';
import type { SecretStore } from '../../engine/secrets.js';
import type { NewDatabaseFacts, PythonFacts } from '../../engine/upgrade/preflight.js';
import { OWN_OBJECTS_SQL, pgEnv, pgTool } from './upgrade-backup.js';

async function psqlValue(
  answers: Answers,
  secrets: SecretStore,
  sql: string,
  vars: Record<string, string> = {},
  database?: string,
): Promise<string> {
  const args = ['-XAtq', '-v', 'ON_ERROR_STOP=1'];
  for (const [k, v] of Object.entries(vars)) args.push('-v', `${k}=${v}`);
  const env = { ...pgEnv(answers, secrets), ...(database ? { PGDATABASE: database } : {}) };
  const r = await execa(pgTool('psql'), args, { env, input: `${sql}\n`, reject: false });
  if (r.exitCode !== 0) throw new Error(`psql failed: ${String(r.stderr).trim()}`);
  return String(r.stdout).trim();
}

/**
 * What the major path (restore into a new database) may do on this server, asked as the deployment's
 * own login: whether it may CREATE DATABASE (pg_roles.rolcreatedb, or rolsuper, which bypasses every
 * check: PostgreSQL docs "Role Attributes"), and whether `database` exists already, whose it is
 * (pg_database.datdba) and whether it holds anything.
 */
export async function newDatabaseFacts(
  answers: Answers,
  secrets: SecretStore,
  database: string,
): Promise<NewDatabaseFacts> {
  const role = answers.database.login.user;
  let row: string;
  try {
    row = await psqlValue(
      answers,
      secrets,
      [
        "SELECT (SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user)::text || '|' ||",
        "  coalesce((SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :'name'), '')",
      ].join('\n'),
      { name: database },
    );
  } catch (e) {
    // Unreachable server or refused login: a preflight problem (exit 64), like install's database check.
    return { database, role, canCreate: false, problem: (e as Error).message };
  }
  const [canCreate, owner] = row.split('|');
  const facts: NewDatabaseFacts = { database, role, canCreate: canCreate === 'true' };
  if (!owner) return facts;
  // Counting needs a session on that database: a login that may not connect cannot use it either.
  const objects = await psqlValue(answers, secrets, OWN_OBJECTS_SQL, {}, database).catch(() => undefined);
  return { ...facts, existing: { owner, objects: objects === undefined ? undefined : Number(objects) } };
}

const PYTHON_SCRIPT = [
  'import sys',
  'print("%d.%d.%d" % sys.version_info[:3])',
  'try:',
  '    import venv, ensurepip',
  '    print("venv")',
  'except ImportError:',
  '    print("no-venv")',
].join('\n');

/** The interpreter the new release's venv is made with: its version, and whether venv + ensurepip work. */
export async function pythonFacts(executable: string, needed: string): Promise<PythonFacts> {
  const r = await execa(executable, ['-c', PYTHON_SCRIPT], { reject: false, timeout: 30_000 });
  const [version, venv] = String(r.stdout ?? '')
    .trim()
    .split('\n');
  if (r.exitCode !== 0 || !version || !/^\d+\.\d+\.\d+$/.test(version)) return { executable, needed };
  return { executable, needed, version, venv: venv === 'venv' };
}
