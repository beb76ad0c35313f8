import type { ActionInput } from '../../engine/actions/index.js';
import { InstallerError } from '../../engine/errors.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { adminConnection, describeServer, sqlIsLocal } from '../../windows/names.js';
import {
  createDatabase,
  DISABLE_LOGIN,
  DROP_DATABASE,
  DROP_LOGIN,
  ensureSqlLogin,
  ENSURE_WINDOWS_LOGIN,
  ensureUserRoles,
} from '../../windows/sqlBatches.js';
import { sqlErrorAdvice, sqlErrorText } from '../../windows/sqlErrors.js';
import { askWindows, type TopicResult } from '../../windows/topics.js';

/**
 * The QATrack+ database and its two logins, created only where missing: `qatrack` (db_ddladmin,
 * db_datawriter, db_datareader) for the app and `qatrack_reports` (db_datareader) for the query
 * tool. When backups run locally, the SYSTEM account gets db_backupoperator for the nightly task.
 */

export const SYSTEM_LOGIN = 'NT AUTHORITY\\SYSTEM';
const APP_ROLES = ['db_ddladmin', 'db_datawriter', 'db_datareader'];
const REPORT_ROLES = ['db_datareader'];

interface Wanted {
  login: string;
  roles: string[];
  secret?: string;
}

const wantedLogins = (ctx: StepContext): Wanted[] => {
  const a = ctx.answers;
  const w: Wanted[] = [
    { login: a.database.login.user, roles: APP_ROLES, secret: 'database.login.password' },
    { login: a.database.readonlyLogin.user, roles: REPORT_ROLES, secret: 'database.readonlyLogin.password' },
  ];
  if (a.backup.enabled && sqlIsLocal(a)) w.push({ login: SYSTEM_LOGIN, roles: ['db_backupoperator'] });
  return w;
};

type SqlProbe = TopicResult<'sql'>;

export const sqlProvisionStep = defineStep<SqlProbe>({
  id: 'win-sql-provision',
  title: 'Database and logins',
  dependsOn: ['win-sqlexpress'],
  appliesTo: (ctx) => ctx.answers.database.provision,
  async probe(ctx) {
    return askWindows(ctx.host, 'sql', {
      connection: adminConnection(ctx.answers),
      database: ctx.answers.database.name,
      logins: wantedLogins(ctx).map((w) => w.login),
    });
  },
  plan(ctx, p) {
    const a = ctx.answers;
    const conn = adminConnection(a);
    const server = describeServer(a);
    if (!p.reachable && a.database.mode !== 'express') {
      const advice = sqlErrorAdvice(p.errorNumber);
      throw new InstallerError(
        advice.code,
        `Cannot reach SQL Server ${server}. ${sqlErrorText(p.errorNumber)}`,
        advice.fix,
      );
    }
    if (p.reachable && p.server && p.server.major < 11)
      throw new InstallerError(
        'SQL_SERVER_TOO_OLD',
        `SQL Server ${server} is version ${p.server.major}.x (master at compatibility level ${p.server.masterLevel}); QATrack+ and the installer need SQL Server 2012 (11.x) or later.`,
        'Use SQL Server 2016 or later (database.server / database.instance), or database.mode "express" to install SQL Server Express 2022 from the bundle.',
      );
    // Express not installed yet (a fresh plan): everything will be created.
    const known = p.reachable ? p : { databaseExists: false, saEnabled: false, logins: [] };
    const actions: ActionInput[] = [];
    if (!known.databaseExists) actions.push(createDatabase(conn, a.database.name, server));
    for (const w of wantedLogins(ctx)) {
      const have = known.logins.find((l) => l.name.toLowerCase() === w.login.toLowerCase());
      const loginOk = have?.exists && !have.disabled;
      const rolesOk = have?.userExists && w.roles.every((r) => have.roles.includes(r));
      if (!loginOk) {
        if (w.secret)
          actions.push(
            ...ensureSqlLogin(conn, {
              db: a.database.name,
              login: w.login,
              secret: w.secret,
              roles: w.roles,
              resetPassword: false,
              server,
            }),
          );
        else
          actions.push(
            {
              kind: 'sql',
              describe: `Create Windows login ${w.login} on ${server} if it is missing`,
              connection: conn,
              batch: ENSURE_WINDOWS_LOGIN,
              params: { login: { type: 'nvarchar', value: w.login } },
              effect: { kind: 'login', name: w.login, windows: true },
            },
            ensureUserRoles(conn, a.database.name, w.login, w.roles),
          );
      } else if (!rolesOk) actions.push(ensureUserRoles(conn, a.database.name, w.login, w.roles));
    }
    if (a.database.mode === 'express' && known.saEnabled)
      actions.push({
        kind: 'sql',
        describe: `Disable the sa login on ${server} (QATrack+ uses its own logins)`,
        connection: conn,
        batch: DISABLE_LOGIN,
        params: { login: { type: 'nvarchar', value: 'sa' } },
        effect: { kind: 'loginDisabled', name: 'sa' },
      });
    return actions;
  },
  async verify(ctx) {
    const p = await this.probe(ctx);
    if (!p.reachable)
      return [
        {
          id: 'sql.reachable',
          title: 'SQL Server',
          ok: false,
          detail: sqlErrorText(p.errorNumber),
          fix: sqlErrorAdvice(p.errorNumber).fix,
        },
      ];
    return [
      {
        id: 'sql.database',
        title: `Database ${ctx.answers.database.name}`,
        ok: p.databaseExists,
        detail: p.databaseExists ? 'exists' : 'missing',
        fix: p.databaseExists ? undefined : 'Run repair.',
      },
      ...wantedLogins(ctx).map((w) => {
        const l = p.logins.find((x) => x.name.toLowerCase() === w.login.toLowerCase());
        const missing = w.roles.filter((r) => !l?.roles.includes(r));
        const ok = !!l?.exists && !l.disabled && l.userExists && missing.length === 0;
        return {
          id: `sql.login.${w.login}`,
          title: `Login ${w.login}`,
          ok,
          detail: !l?.exists
            ? 'missing'
            : l.disabled
              ? 'disabled'
              : missing.length
                ? `missing roles ${missing.join(', ')}`
                : `enabled, roles ${w.roles.join(', ')}`,
          fix: ok ? undefined : 'Run repair.',
        };
      }),
    ];
  },
  /**
   * Uninstall keeps the database and logins (they hold every QA result). `--remove-data` drops what
   * this step provisions: the database, then the two QATrack+ logins (never NT AUTHORITY\SYSTEM,
   * a built-in login). Services were removed before, so no session holds the database.
   */
  planUninstall(ctx, p, o) {
    if (o.keepData) return [];
    const a = ctx.answers;
    const server = describeServer(a);
    if (!p.reachable) {
      const advice = sqlErrorAdvice(p.errorNumber);
      throw new InstallerError(
        advice.code,
        `Cannot reach SQL Server ${server} to drop database ${a.database.name}. ${sqlErrorText(p.errorNumber)}`,
        `${advice.fix} Or run uninstall without --remove-data and drop the database later.`,
      );
    }
    const conn = adminConnection(a);
    const actions: ActionInput[] = [];
    if (p.databaseExists)
      actions.push({
        kind: 'sql',
        describe: `Drop database ${a.database.name} on ${server} (every QA result in it; --remove-data)`,
        connection: conn,
        batch: DROP_DATABASE,
        params: { db: { type: 'nvarchar', value: a.database.name } },
        effect: { kind: 'dropDatabase', name: a.database.name },
      });
    for (const w of wantedLogins(ctx).filter((x) => x.secret)) {
      const have = p.logins.find((l) => l.name.toLowerCase() === w.login.toLowerCase());
      if (have?.exists)
        actions.push({
          kind: 'sql',
          describe: `Drop SQL login ${w.login} on ${server} (--remove-data)`,
          connection: conn,
          batch: DROP_LOGIN,
          params: { login: { type: 'nvarchar', value: w.login } },
          effect: { kind: 'dropLogin', name: w.login },
        });
    }
    return actions;
  },
});
