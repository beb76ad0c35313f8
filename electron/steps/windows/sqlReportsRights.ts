import type { ActionInput } from '../../engine/actions/index.js';
import { InstallerError } from '../../engine/errors.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { adminConnection, describeServer } from '../../windows/names.js';
import { DENY_REPORTS } from '../../windows/sqlBatches.js';
import { sqlErrorAdvice, sqlErrorText } from '../../windows/sqlErrors.js';
import { askWindows, type TopicResult } from '../../windows/topics.js';

/** What the reports login is denied once each table exists: the same three upstream revokes. */
const WANTED: Record<string, string> = {
  auth_user: 'auth_user.password',
  django_session: 'django_session',
  authtoken_token: 'authtoken_token',
};

type Probe = TopicResult<'sqlReportsRights'>;

const missingDenies = (p: Probe): string[] =>
  p.reachable
    ? p.tables
        .map((t) => WANTED[t])
        .filter((d): d is string => d !== undefined && !p.denied.includes(d))
        .sort()
    : [];

/** The T-SQL a DBA runs where the installer does not provision (shown in docs and errors). */
export const dbaDenyScript = (ctx: StepContext) => {
  const u = ctx.answers.database.readonlyLogin.user;
  return `USE [${ctx.answers.database.name}]; DENY SELECT ON OBJECT::dbo.auth_user (password) TO [${u}]; DENY SELECT ON OBJECT::dbo.django_session TO [${u}]; DENY SELECT ON OBJECT::dbo.authtoken_token TO [${u}];`;
};

/**
 * SQL Server: after migrate, DENY the reports login (db_datareader) SELECT on auth_user.password,
 * django_session and authtoken_token, through the installer's admin connection (the application
 * login, db_ddladmin, may not DENY). Probed on every run, so repair restores a DENY someone removed.
 * Where a DBA prepared the database the installer has no admin connection: the DBA runs
 * `dbaDenyScript` (docs/cli.md).
 */
export const sqlReportsRightsStep = defineStep<Probe>({
  id: 'win-sql-reports-rights',
  title: 'Reports login denied passwords, sessions and tokens',
  dependsOn: ['django', 'win-sql-provision'],
  appliesTo: (ctx) => ctx.answers.database.provision && ctx.answers.database.engine === 'mssql',
  probe: (ctx) =>
    askWindows(ctx.host, 'sqlReportsRights', {
      connection: adminConnection(ctx.answers),
      database: ctx.answers.database.name,
      login: ctx.answers.database.readonlyLogin.user,
    }),
  plan(ctx, p): ActionInput[] {
    const a = ctx.answers;
    const server = describeServer(a);
    if (!p.reachable && a.database.mode !== 'express') {
      const advice = sqlErrorAdvice(p.errorNumber);
      throw new InstallerError(
        advice.code,
        `Cannot reach SQL Server ${server}. ${sqlErrorText(p.errorNumber)}`,
        advice.fix,
      );
    }
    // Before migrate (a fresh plan) no table exists yet: all three will be denied once they do.
    const missing = p.reachable && p.tables.length ? missingDenies(p) : Object.values(WANTED).sort();
    if (missing.length === 0) return [];
    return [
      {
        kind: 'sql',
        describe: `Deny ${a.database.readonlyLogin.user} SELECT on ${missing.join(', ')} in database ${a.database.name} on ${server} (as upstream's grant_ro_rights.sql)`,
        connection: adminConnection(a),
        batch: DENY_REPORTS,
        params: {
          db: { type: 'nvarchar', value: a.database.name },
          login: { type: 'nvarchar', value: a.database.readonlyLogin.user },
        },
        effect: {
          kind: 'deny',
          database: a.database.name,
          user: a.database.readonlyLogin.user,
          objects: missing,
        },
      },
    ];
  },
  async verify(ctx) {
    const p = await this.probe(ctx);
    const missing = missingDenies(p);
    const ok = p.reachable && p.tables.includes('auth_user') && missing.length === 0;
    const user = ctx.answers.database.readonlyLogin.user;
    return [
      {
        id: 'sql.reportsRights',
        title: `Reports login ${user} cannot read passwords, sessions or tokens`,
        ok,
        detail: !p.reachable
          ? sqlErrorText(p.errorNumber)
          : !p.tables.includes('auth_user')
            ? 'the QATrack+ tables are not there yet'
            : missing.length
              ? `can still read ${missing.join(', ')}`
              : `denied ${p.denied.filter((d) => Object.values(WANTED).includes(d)).join(', ')}`,
        fix: ok ? undefined : 'Run repair.',
      },
    ];
  },
});
