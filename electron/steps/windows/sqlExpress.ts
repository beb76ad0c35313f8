import type { ActionInput } from '../../engine/actions/index.js';
import type { Answers } from '../../engine/answers/index.js';
import type { FileResult } from '../../engine/queries.js';
import { defineStep } from '../../engine/step.js';
import {
  sqlInstanceKey,
  artifact,
  PRODUCT,
  sqlInstanceName,
  sqlMajor,
  sqlExpressSetupDir,
  sqlPort,
  sqlServiceName,
} from '../../windows/names.js';
import { askWindows, type TopicResult } from '../../windows/topics.js';

/**
 * SQL Server Express from the bundle, unattended from a configuration file written by the plan.
 * Setup runs with Windows authentication only (sysadmin = local Administrators), so no password is
 * ever on a command line or in a file; afterwards TCP is pinned to a fixed port and mixed mode is
 * turned on for the QATrack+ SQL logins. `sa` stays disabled (it is created disabled in Windows mode).
 */

interface ExpressProbe {
  instance: TopicResult<'sqlInstance'>;
  iniFile: FileResult;
  /** The local Administrators group's name in this Windows' language (from its SID S-1-5-32-544). */
  administrators: string;
}

/**
 * SQL Server setup takes account names in SQLSYSADMINACCOUNTS, and "BUILTIN\Administrators" is
 * the English name only (German Windows: "VORDEFINIERT\Administratoren"), so the name is read
 * from the well-known SID S-1-5-32-544 on the server itself
 * (https://learn.microsoft.com/windows/win32/secauthz/well-known-sids: DOMAIN_ALIAS_RID_ADMINS;
 * SQLSYSADMINACCOUNTS: https://learn.microsoft.com/sql/database-engine/install-windows/install-sql-server-from-the-command-prompt).
 */
export const ADMINISTRATORS_SID = 'S-1-5-32-544';

const iniValue = (v: string) => `"${v}"`;

/** ConfigurationFile.ini (one [OPTIONS] section). Values are validated names and paths: no quotes. */
export function expressConfigurationIni(a: Answers, dataDir: string, administrators: string): string {
  const instance = sqlInstanceName(a) ?? 'SQLEXPRESS';
  const lines: [string, string][] = [
    ['ACTION', iniValue('Install')],
    ['FEATURES', 'SQLENGINE'],
    ['INSTANCENAME', iniValue(instance)],
    ['INSTANCEID', iniValue(instance)],
    ['SQLSVCACCOUNT', iniValue(`NT Service\\MSSQL$${instance}`)],
    ['SQLSVCSTARTUPTYPE', iniValue('Automatic')],
    ['SQLSYSADMINACCOUNTS', iniValue(administrators)],
    ['TCPENABLED', iniValue('1')],
    ['NPENABLED', iniValue('0')],
    // local_settings.py connects on server,port (no SQL Browser needed); Browser stays on for tools
    // that name the instance.
    ['BROWSERSVCSTARTUPTYPE', iniValue('Automatic')],
    ['SQLUSERDBDIR', iniValue(`${dataDir}\\sql\\data`)],
    ['SQLUSERDBLOGDIR', iniValue(`${dataDir}\\sql\\log`)],
    ['SQLBACKUPDIR', iniValue(`${dataDir}\\sql\\backup`)],
    ['UPDATEENABLED', iniValue('False')],
    ['QUIET', iniValue('True')],
    ['SUPPRESSPRIVACYSTATEMENTNOTICE', iniValue('True')],
    ['IACCEPTSQLSERVERLICENSETERMS', iniValue('True')],
  ];
  return ['; SQL Server Express for QATrack+ (written by the QATrack+ installer; no secrets)', '[OPTIONS]']
    .concat(lines.map(([k, v]) => `${k}=${v}`))
    .join('\r\n')
    .concat('\r\n');
}

export const sqlExpressStep = defineStep<ExpressProbe>({
  id: 'win-sqlexpress',
  title: 'SQL Server Express',
  dependsOn: ['win-preflight'],
  appliesTo: (ctx) => ctx.answers.database.mode === 'express',
  async probe(ctx) {
    const instance = sqlInstanceName(ctx.answers) ?? 'SQLEXPRESS';
    return {
      instance: await askWindows(ctx.host, 'sqlInstance', {
        instance,
        major: sqlMajor(ctx.release.versions.sqlexpress),
      }),
      iniFile: await ctx.host.query({ kind: 'file', path: iniPath(ctx.layout.installDir), content: true }),
      administrators: (await askWindows(ctx.host, 'accountName', { sid: ADMINISTRATORS_SID })).name,
    };
  },
  plan(ctx, p) {
    const { answers: a, layout, release } = ctx;
    const instance = sqlInstanceName(a) ?? 'SQLEXPRESS';
    const major = sqlMajor(release.versions.sqlexpress);
    const port = String(sqlPort(a));
    const key = sqlInstanceKey(major, instance);
    const actions: ActionInput[] = [];
    if (!p.instance.installed) {
      const ini = expressConfigurationIni(a, layout.dataDir, p.administrators);
      const setupDir = sqlExpressSetupDir(layout);
      const setupExe = layout.join(setupDir, 'setup.exe');
      const path = iniPath(layout.installDir);
      actions.push(
        { kind: 'writeFile', describe: `Write SQL Server setup configuration ${path}`, path, content: [ini] },
        {
          kind: 'exec',
          describe: `Unpack SQL Server Express into ${setupDir}`,
          file: artifact(release, 'sqlexpress'),
          args: ['/q', `/x:${setupDir}`],
          timeoutMs: 15 * 60_000,
          produces: [{ kind: 'file', path: setupExe }],
        },
        {
          kind: 'exec',
          describe: `Install SQL Server Express instance ${instance} (Windows authentication, sysadmin ${p.administrators}, TCP on) from ${path}`,
          file: setupExe,
          args: [`/ConfigurationFile=${path}`],
          timeoutMs: 60 * 60_000,
          okExitCodes: [0],
          rebootExitCodes: [3010],
          produces: [
            {
              kind: 'product',
              id: PRODUCT.sqlServer(instance),
              version: release.versions.sqlexpress ?? `${major}.0`,
              name: `SQL Server Express (${instance})`,
            },
          ],
        },
      );
    }
    const tcpKey = `${key}\\SuperSocketNetLib\\Tcp\\IPAll`;
    let restart = false;
    if (p.instance.tcpPort !== port) {
      actions.push({
        kind: 'registry',
        describe: `Pin SQL Server ${instance} to TCP port ${port}`,
        op: 'set',
        key: tcpKey,
        name: 'TcpPort',
        type: 'REG_SZ',
        value: port,
      });
      restart = true;
    }
    if (p.instance.dynamicPorts !== '') {
      actions.push({
        kind: 'registry',
        describe: `Turn off dynamic TCP ports for SQL Server ${instance}`,
        op: 'set',
        key: tcpKey,
        name: 'TcpDynamicPorts',
        type: 'REG_SZ',
        value: '',
      });
      restart = true;
    }
    if (p.instance.loginMode !== 2) {
      actions.push({
        kind: 'registry',
        describe: `Allow SQL logins on SQL Server ${instance} (mixed mode; sa stays disabled)`,
        op: 'set',
        key,
        name: 'LoginMode',
        type: 'REG_DWORD',
        value: 2,
      });
      restart = true;
    }
    if (restart || p.instance.restartPending)
      actions.push({
        kind: 'winService',
        describe: `Restart service ${sqlServiceName(a)} so the port and login mode apply`,
        op: 'restart',
        name: sqlServiceName(a),
      });
    return actions;
  },
  async verify(ctx) {
    const p = await this.probe(ctx);
    const port = String(sqlPort(ctx.answers));
    return [
      {
        id: 'sqlexpress.installed',
        title: 'SQL Server Express',
        ok:
          p.instance.installed &&
          p.instance.tcpPort === port &&
          p.instance.loginMode === 2 &&
          !p.instance.restartPending,
        detail: p.instance.installed
          ? `TCP port ${p.instance.tcpPort ?? 'dynamic'}, login mode ${p.instance.loginMode === 2 ? 'mixed' : 'Windows only'}`
          : 'not installed',
        fix: 'Run repair.',
      },
    ];
  },
  // The database server stays on uninstall: it holds the QATrack+ data.
});

const iniPath = (installDir: string) => `${installDir}\\setup\\sqlexpress.ini`;
