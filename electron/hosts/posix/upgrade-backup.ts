import { existsSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, readdir, rm, stat, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { Answers } from '../../engine/answers/index.js';
import type { Layout } from '../../engine/layout.js';
import type { SecretStore } from '../../engine/secrets.js';

/** pg_dump/psql of the server's PostgreSQL (Debian's versioned folders first, then PATH). */
export function pgTool(name: 'pg_dump' | 'pg_restore' | 'psql'): string {
  for (const v of ['17', '16', '15']) {
    const p = `/usr/lib/postgresql/${v}/bin/${name}`;
    if (existsSync(p)) return p;
  }
  return name;
}

/** libpq's own environment variables: the password never appears on a command line. */
export function pgEnv(answers: Answers, secrets: SecretStore): NodeJS.ProcessEnv {
  const db = answers.database;
  return {
    PGHOST: db.server,
    PGPORT: String(db.port ?? 5432),
    PGUSER: db.login.user,
    PGPASSWORD: secrets.get('database.login.password') ?? '',
    PGDATABASE: db.name,
  };
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await treeBytes(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}

/** Free bytes on the file system that will hold `dir` (its nearest existing ancestor). */
export async function freeBytesFor(dir: string): Promise<number> {
  let at = dir;
  while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  const s = await statfs(at);
  return s.bavail * s.bsize;
}

/** What the backup needs: the database's size on disk (an upper bound of pg_dump -Fc) + media. */
export async function backupNeededBytes(answers: Answers, layout: Layout, secrets: SecretStore) {
  const r = await execa(pgTool('psql'), ['-XAtc', 'SELECT pg_database_size(current_database())'], {
    env: pgEnv(answers, secrets),
    reject: false,
  });
  const dbBytes = r.exitCode === 0 ? Number(String(r.stdout).trim()) : 0;
  return { dbBytes, mediaBytes: await treeBytes(layout.mediaRoot), dbSizeKnown: r.exitCode === 0 };
}

export interface BackupResult {
  dir: string;
  dumpFile: string;
  bytes: number;
  ms: number;
}

/**
 * Backup first: `pg_dump -Fc` (custom format, what pg_restore --clean reads back), the media
 * folder, local_settings.py and the secret key, into a new timestamped folder under the backup
 * folder (0700: it holds the secret key and every record).
 */
export async function runPosixBackup(
  answers: Answers,
  layout: Layout,
  secrets: SecretStore,
  label: string,
): Promise<BackupResult> {
  const started = Date.now();
  const dir = path.join(layout.backupDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${label}`);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const dumpFile = path.join(dir, 'database.dump');
  const dump = await execa(pgTool('pg_dump'), ['-Fc', '--no-owner', '-f', dumpFile], {
    env: pgEnv(answers, secrets),
    reject: false,
  });
  if (dump.exitCode !== 0)
    throw new Error(`pg_dump failed (exit ${dump.exitCode}): ${String(dump.stderr).trim()}`);
  if (existsSync(layout.mediaRoot)) await cp(layout.mediaRoot, path.join(dir, 'media'), { recursive: true });
  for (const from of [layout.localSettings, layout.secretKeyFile]) {
    const f = path.basename(from);
    if (existsSync(from)) {
      await copyFile(from, path.join(dir, f));
      await chmod(path.join(dir, f), 0o600);
    }
  }
  await writeFile(
    path.join(dir, 'backup.json'),
    `${JSON.stringify({ release: answers.release, database: answers.database.name, createdAt: new Date(started).toISOString() }, null, 2)}\n`,
  );
  return { dir, dumpFile, bytes: await treeBytes(dir), ms: Date.now() - started };
}

/** The archive's table of contents (pg_restore -l): one line per entry, ";" lines are comments. */
async function dumpToc(dumpFile: string): Promise<string> {
  const toc = await execa(pgTool('pg_restore'), ['-l', dumpFile], { reject: false });
  if (toc.exitCode !== 0) throw new Error(`pg_restore -l failed: ${String(toc.stderr).trim()}`);
  return String(toc.stdout);
}

/** Tables of schema public that the dump holds ("TABLE public <name> <owner>" lines of pg_restore -l). */
const dumpTables = (toc: string): string[] =>
  [...toc.matchAll(/^\d+; \d+ \d+ TABLE public (\S+) /gm)].map((m) => m[1]!);

/**
 * QATrack+'s database cache (settings.py CACHES LOCATION, made by createcachetable). Its rows are
 * not restored: the old release's django-q cluster keeps running through an in-place rollback and
 * writes its cluster key there, so the dump's copy of that row collided with it when pg_restore
 * added the primary key ("could not create unique index qatrack_cache_table_pkey"). A cache may
 * start empty; the table itself is restored.
 */
const CACHE_TABLE = 'qatrack_cache_table';

/**
 * Tables created after the dump (a new release's migrations) are not touched by pg_restore --clean,
 * which drops only what the archive holds: they are dropped first, so the schema is the old one
 * exactly. The names are quoted by the server (format %I), the list is a psql variable (a literal).
 */
const DROP_NEWER_TABLES = [
  "SELECT format('DROP TABLE IF EXISTS public.%I CASCADE', tablename) FROM pg_tables",
  "WHERE schemaname = 'public' AND tablename <> ALL (string_to_array(:'keep', E'\\n'))",
  '\\gexec',
  '',
].join('\n');

/** Rollback of the database: tables newer than the dump dropped, then pg_restore --clean --if-exists. */
export async function restorePosixBackup(answers: Answers, secrets: SecretStore, dumpFile: string) {
  const toc = await dumpToc(dumpFile);
  const keep = dumpTables(toc);
  if (keep.length === 0) throw new Error(`${dumpFile} lists no table; refusing to restore from it`);
  const drop = await execa(
    pgTool('psql'),
    ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-v', `keep=${keep.join('\n')}`],
    {
      env: pgEnv(answers, secrets),
      input: DROP_NEWER_TABLES,
      reject: false,
    },
  );
  if (drop.exitCode !== 0)
    throw new Error(`dropping the tables newer than the backup failed: ${String(drop.stderr).trim()}`);
  // pg_restore -L: restore only the entries of this list (pg_restore's documentation).
  const listFile = `${dumpFile}.restore-list`;
  const cacheData = new RegExp(`^\\d+; \\d+ \\d+ TABLE DATA public ${CACHE_TABLE}( |$)`);
  await writeFile(
    listFile,
    toc
      .split('\n')
      .filter((l) => !cacheData.test(l))
      .join('\n'),
    { mode: 0o600 },
  );
  const r = await execa(
    pgTool('pg_restore'),
    ['--clean', '--if-exists', '--no-owner', '-L', listFile, '-d', answers.database.name, dumpFile],
    { env: pgEnv(answers, secrets), reject: false },
  );
  await rm(listFile, { force: true });
  if (r.exitCode !== 0) throw new Error(`pg_restore failed (exit ${r.exitCode}): ${String(r.stderr).trim()}`);
}

/**
 * The major path's copy (upstream's 3 -> 4 upgrade: a new database, the backup restored into it):
 * CREATE DATABASE by the deployment's login (it needs CREATEDB, as upstream's guide has the DBA create
 * `qatrackplus40`), then pg_restore of the dump into it. The name goes in as a psql variable quoted
 * as an identifier (:"name"), never spliced into the SQL. The old database is only read (pg_dump).
 */
export async function restoreIntoNewDatabase(
  answers: Answers,
  secrets: SecretStore,
  dumpFile: string,
  database: string,
  o: { create: boolean } = { create: true },
): Promise<{ ms: number }> {
  const started = Date.now();
  // A database the DBA made (empty, owned by the login: checked in preflight) is restored into as is.
  if (o.create) await createDatabase(answers, secrets, database);
  const r = await execa(pgTool('pg_restore'), ['--no-owner', '--exit-on-error', '-d', database, dumpFile], {
    env: pgEnv(answers, secrets),
    reject: false,
  });
  if (r.exitCode !== 0)
    throw new Error(`pg_restore into ${database} failed (exit ${r.exitCode}): ${String(r.stderr).trim()}`);
  return { ms: Date.now() - started };
}

async function createDatabase(answers: Answers, secrets: SecretStore, database: string) {
  const create = await execa(pgTool('psql'), ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-v', `name=${database}`], {
    env: pgEnv(answers, secrets),
    input: 'CREATE DATABASE :"name"\n',
    reject: false,
  });
  if (create.exitCode !== 0)
    throw new Error(`creating the database ${database} failed: ${String(create.stderr).trim()}`);
}

/**
 * Rollback of the major path: the new database is dropped (WITH (FORCE), PostgreSQL 13+, ends any
 * session still on it), from a session on the old one, which is left exactly as it was.
 */
export async function dropNewDatabase(answers: Answers, secrets: SecretStore, database: string) {
  if (database === answers.database.name)
    throw new Error(`refusing to drop ${database}: it is the deployment's own database`);
  const r = await execa(pgTool('psql'), ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-v', `name=${database}`], {
    env: pgEnv(answers, secrets),
    input: 'DROP DATABASE IF EXISTS :"name" WITH (FORCE)\n',
    reject: false,
  });
  if (r.exitCode !== 0)
    throw new Error(`dropping the database ${database} failed: ${String(r.stderr).trim()}`);
}

/**
 * Objects of the database's own schemas (pg_catalog, information_schema and pg_* excluded): relations
 * (pg_class), routines (pg_proc) and free-standing types (pg_type: enum, domain, range). 0 means the
 * database is as CREATE DATABASE made it. Catalogs: PostgreSQL's "System Catalogs" chapter.
 */
export const OWN_OBJECTS_SQL = [
  'WITH own AS (SELECT oid FROM pg_namespace',
  "  WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%')",
  'SELECT (SELECT count(*) FROM pg_class WHERE relnamespace IN (SELECT oid FROM own))',
  ' + (SELECT count(*) FROM pg_proc WHERE pronamespace IN (SELECT oid FROM own))',
  " + (SELECT count(*) FROM pg_type WHERE typnamespace IN (SELECT oid FROM own) AND typtype IN ('e', 'd', 'r'))",
].join('\n');

/**
 * Drops everything the restore and the migrations put in our own schemas (tables with their
 * sequences and indexes, views, routines, free-standing types), from a session on that database:
 * the rollback of a new database a DBA made for the upgrade, which stays, empty as it was handed over.
 */
const DROP_OWN_OBJECTS = [
  "SELECT format('DROP %s IF EXISTS %I.%I CASCADE', CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END, n.nspname, c.relname)",
  'FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace',
  "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'",
  "ORDER BY c.relkind IN ('v', 'm') DESC",
  '\\gexec',
  "SELECT format('DROP ROUTINE IF EXISTS %s CASCADE', p.oid::regprocedure) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace",
  "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'",
  '\\gexec',
  "SELECT format('DROP TYPE IF EXISTS %I.%I CASCADE', n.nspname, t.typname) FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace",
  "WHERE t.typtype IN ('e', 'd', 'r') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'",
  '\\gexec',
  '',
].join('\n');

export async function emptyPreparedDatabase(answers: Answers, secrets: SecretStore, database: string) {
  if (database === answers.database.name)
    throw new Error(`refusing to empty ${database}: it is the deployment's own database`);
  const env = { ...pgEnv(answers, secrets), PGDATABASE: database };
  const r = await execa(pgTool('psql'), ['-XAtq', '-v', 'ON_ERROR_STOP=1'], {
    env,
    input: DROP_OWN_OBJECTS,
    reject: false,
  });
  if (r.exitCode !== 0)
    throw new Error(`emptying the database ${database} failed: ${String(r.stderr).trim()}`);
  const left = await execa(pgTool('psql'), ['-XAtq', '-v', 'ON_ERROR_STOP=1'], {
    env,
    input: `${OWN_OBJECTS_SQL}\n`,
    reject: false,
  });
  if (left.exitCode !== 0 || String(left.stdout).trim() !== '0')
    throw new Error(
      `the database ${database} still holds objects after emptying it: ${String(left.stdout || left.stderr).trim()}`,
    );
}
