import type { ActionInput } from '../../engine/actions/index.js';
import { defineStep, type StepContext } from '../../engine/step.js';

/**
 * What the read-only reports login (QATrack+'s `readonly` connection, used by the SQL query tool)
 * must not read: password hashes, sessions and API tokens. Upstream's
 * deploy/postgres/grant_ro_rights.sql (v3.1.1.4) revokes SELECT on exactly these three tables and
 * grants back the harmless auth_user columns listed below; authtoken_token exists only where
 * rest_framework.authtoken is installed (QATrack+'s settings.py has it), so only what exists is
 * revoked.
 */
export const PROTECTED_TABLES = ['django_session', 'auth_user', 'authtoken_token'] as const;
export const AUTH_USER_SAFE_COLUMNS = [
  'id',
  'last_login',
  'is_superuser',
  'username',
  'first_name',
  'last_name',
  'email',
  'is_staff',
  'is_active',
  'date_joined',
] as const;

const pyTuple = (xs: readonly string[]) => `(${xs.map((x) => JSON.stringify(x)).join(', ')},)`;

/*
 * Both scripts run through `manage.py shell -c` with QATrack+'s own settings and the `default`
 * connection (the application login owns the tables migrate created, so it may REVOKE and GRANT).
 * Django 2.2's `shell -c` runs code without a globals dict: no comprehension, generator or lambda
 * may use a top-level name, so both use plain loops. Identifiers go through the backend's
 * quote_name; the reports login's name comes from the `readonly` connection's settings.
 */

/** One JSON line: the reports login, which protected tables exist, and which it can still read. */
export const RIGHTS_PROBE = [
  'import json',
  'from django.db import connections',
  'c = connections["default"]',
  'ro = connections["readonly"].settings_dict["USER"]',
  'out = {"user": ro, "tables": [], "readable": [], "usernameReadable": False}',
  'cur = c.cursor()',
  `for t in ${pyTuple(PROTECTED_TABLES)}:`,
  '    cur.execute("SELECT to_regclass(%s) IS NOT NULL", [t])',
  '    if cur.fetchone()[0]:',
  '        out["tables"].append(t)',
  'if "auth_user" in out["tables"]:',
  `    cur.execute("SELECT has_column_privilege(%s, 'auth_user', 'password', 'SELECT'), has_column_privilege(%s, 'auth_user', 'username', 'SELECT')", [ro, ro])`,
  '    row = cur.fetchone()',
  '    if row[0]:',
  '        out["readable"].append("auth_user.password")',
  '    out["usernameReadable"] = bool(row[1])',
  'for t in ("django_session", "authtoken_token"):',
  '    if t in out["tables"]:',
  `        cur.execute("SELECT has_table_privilege(%s, %s, 'SELECT')", [ro, t])`,
  '        if cur.fetchone()[0]:',
  '            out["readable"].append(t)',
  'print(json.dumps(out))',
].join('\n');

/** upstream's REVOKE/GRANT, on the tables and auth_user columns that exist. */
export const RIGHTS_CONVERGE = [
  'from django.db import connections',
  'c = connections["default"]',
  'q = c.ops.quote_name',
  'ro = connections["readonly"].settings_dict["USER"]',
  'cur = c.cursor()',
  `for t in ${pyTuple(PROTECTED_TABLES)}:`,
  '    cur.execute("SELECT to_regclass(%s) IS NOT NULL", [t])',
  '    if cur.fetchone()[0]:',
  '        cur.execute("REVOKE SELECT ON %s FROM %s" % (q(t), q(ro)))',
  '        print("revoked SELECT on %s from %s" % (t, ro))',
  'cur.execute("SELECT to_regclass(%s) IS NOT NULL", ["auth_user"])',
  'if cur.fetchone()[0]:',
  '    have = set()',
  '    for col in c.introspection.get_table_description(cur, "auth_user"):',
  '        have.add(col.name)',
  '    cols = []',
  `    for col in ${pyTuple(AUTH_USER_SAFE_COLUMNS)}:`,
  '        if col in have:',
  '            cols.append(q(col))',
  '    cur.execute("GRANT SELECT (%s) ON %s TO %s" % (", ".join(cols), q("auth_user"), q(ro)))',
  '    print("granted SELECT (%s) on auth_user to %s" % (", ".join(cols), ro))',
].join('\n');

const FACT = 'reportsRights.postgresql';

export interface ReportsRightsProbe {
  /** undefined: the database cannot be read yet (before migrate on a fresh install). */
  user?: string;
  tables: string[];
  /** Protected tables or columns the reports login can still read. */
  readable: string[];
  usernameReadable: boolean;
  known: boolean;
}

export async function probeReportsRights(ctx: StepContext): Promise<ReportsRightsProbe> {
  const r = await ctx.host.query({
    kind: 'exec',
    file: ctx.layout.venvPython,
    args: [ctx.layout.managepy, 'shell', '-c', RIGHTS_PROBE],
    cwd: ctx.layout.sourceDir,
    timeoutMs: 120_000,
    simFact: FACT,
  });
  const line = r.exitCode === 0 ? r.stdout.trim().split('\n').pop() : undefined;
  try {
    const v = JSON.parse(line ?? '') as Partial<ReportsRightsProbe>;
    return {
      user: typeof v.user === 'string' ? v.user : undefined,
      tables: Array.isArray(v.tables) ? v.tables.map(String) : [],
      readable: Array.isArray(v.readable) ? v.readable.map(String) : [],
      usernameReadable: v.usernameReadable === true,
      known: true,
    };
  } catch {
    return { tables: [], readable: [], usernameReadable: false, known: false };
  }
}

/**
 * PostgreSQL: the reports login reads everything QATrack+ reports need and nothing that lets it
 * sign in as someone else. After migrate (and on every repair, since a DBA's GRANT SELECT ON ALL
 * TABLES would undo it), probe with has_table_privilege/has_column_privilege and converge.
 */
export const reportsRightsStep = defineStep<ReportsRightsProbe>({
  id: 'reports-rights',
  title: 'Read-only reports login: no passwords, sessions or tokens',
  dependsOn: ['django'],
  appliesTo: (ctx) => ctx.answers.database.engine === 'postgresql',
  probe: probeReportsRights,
  plan(ctx, p): ActionInput[] {
    const converged =
      p.known && p.tables.includes('auth_user') && p.readable.length === 0 && p.usernameReadable;
    if (converged) return [];
    const { layout, answers } = ctx;
    return [
      {
        kind: 'exec',
        describe: `Revoke SELECT on ${PROTECTED_TABLES.join(', ')} from ${answers.database.readonlyLogin.user} and grant it the auth_user columns except password (as upstream's grant_ro_rights.sql)`,
        file: layout.venvPython,
        args: [layout.managepy, 'shell', '-c', RIGHTS_CONVERGE],
        cwd: layout.sourceDir,
        timeoutMs: 300_000,
      },
    ];
  },
  async verify(ctx) {
    const p = await probeReportsRights(ctx);
    const ok = p.known && p.readable.length === 0 && p.usernameReadable;
    return [
      {
        id: 'reports-rights',
        title: `Reports login ${ctx.answers.database.readonlyLogin.user} cannot read passwords, sessions or tokens`,
        ok,
        detail: !p.known
          ? 'cannot read the database rights'
          : p.readable.length
            ? `can still read ${p.readable.join(', ')}`
            : p.usernameReadable
              ? `no access to ${p.tables.join(', ')} beyond the auth_user columns except password`
              : 'cannot read auth_user.username (reports on users would fail)',
        fix: ok
          ? undefined
          : `Run \`repair\`. If it persists, the login inherits SELECT from another role: ask the DBA to remove ${ctx.answers.database.readonlyLogin.user} from it.`,
      },
    ];
  },
});
