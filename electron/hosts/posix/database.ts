import pg from 'pg';
import type { DatabaseQuery, DatabaseResult } from '../../engine/queries.js';
import { resolveValue } from '../../engine/secret-text.js';
import type { SecretStore } from '../../engine/secrets.js';

/** A table name no QATrack+ migration uses; it exists only inside a rolled-back transaction. */
const PROBE_TABLE = 'qatrack_installer_preflight_probe';

const sqlstateOf = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown }).code;
  // SQLSTATEs are five characters; node's own errors (ECONNREFUSED...) are not SQLSTATEs.
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};

const messageOf = (e: unknown, password: string): string => {
  const m = e instanceof Error ? e.message : String(e);
  return password ? m.split(password).join('***') : m;
};

/**
 * Answers a `database` query on PostgreSQL with the `pg` client: connect as the login, then run each
 * check in a transaction that is always rolled back. Read-only by construction.
 */
export async function queryDatabase(q: DatabaseQuery, secrets: SecretStore): Promise<DatabaseResult> {
  const password = resolveValue(q.password, secrets);
  const client = new pg.Client({
    host: q.server,
    port: q.port ?? 5432,
    database: q.database,
    user: q.user,
    password,
    connectionTimeoutMillis: 15_000,
    application_name: 'QATrack+ Installer preflight',
  });
  // An unreachable server emits 'error' after connect() rejected; keep it from crashing the run.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (e) {
    return {
      supported: true,
      ok: false,
      stage: 'connect',
      sqlstate: sqlstateOf(e),
      message: messageOf(e, password),
    };
  }
  try {
    const version = await client.query<{ server_version: string }>('SHOW server_version');
    for (const check of q.checks) {
      try {
        await client.query('BEGIN');
        await client.query(`CREATE TABLE ${PROBE_TABLE} (id integer)`);
      } catch (e) {
        return {
          supported: true,
          ok: false,
          stage: check,
          sqlstate: sqlstateOf(e),
          message: messageOf(e, password),
        };
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
      }
    }
    return { supported: true, ok: true, serverVersion: version.rows[0]?.server_version };
  } finally {
    await client.end().catch(() => undefined);
  }
}
