import type { ActionInput } from '../../engine/actions/index.js';
import type { Answers } from '../../engine/answers/index.js';
import type { Layout } from '../../engine/layout.js';
import type { FileResult } from '../../engine/queries.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { BACKUP_SCRIPT } from './backupScript.js';
import {
  BACKUP_TASK,
  describeServer,
  POWERSHELL,
  SID,
  sqlIsLocal,
  sqlServiceName,
  toolsDir,
} from '../../windows/names.js';
import { dailyTaskXml } from './taskXml.js';
import { askWindows, type TopicResult } from '../../windows/topics.js';
import { sha256 } from './winswXml.js';

/**
 * A nightly scheduled task (as SYSTEM, Windows authentication: no secret anywhere) that backs up the
 * database when SQL Server is on this machine, zips the media folder, and deletes backups older than
 * the retention. A remote SQL Server is backed up by its DBA; the task then copies media only.
 */

export const backupScriptPath = (l: Layout) => l.join(toolsDir(l), 'qatrack-backup.ps1');

export function backupTask(a: Answers, l: Layout): { xml: string; stamp: string } {
  const local = sqlIsLocal(a);
  const q = (v: string) => `"${v}"`;
  const args = [
    '-NoProfile',
    '-NonInteractive',
    '-ExecutionPolicy',
    'Bypass',
    '-File',
    q(backupScriptPath(l)),
    '-Server',
    q(
      a.database.mode === 'express'
        ? describeServer(a).replace(/^localhost/, '127.0.0.1')
        : describeServer(a),
    ),
    '-Database',
    q(a.database.name),
    '-BackupDir',
    q(l.backupDir),
    '-MediaDir',
    q(l.mediaRoot),
    '-RetentionDays',
    String(a.backup.retentionDays),
    ...(local ? [] : ['-SkipDatabase']),
  ].join(' ');
  const what = local ? `database ${a.database.name} and media` : 'media (the database server is remote)';
  const base = {
    time: a.backup.time,
    command: POWERSHELL,
    arguments: args,
    workingDirectory: toolsDir(l),
  };
  // The description carries a hash of the rest, so a changed task is seen without comparing XML.
  const stamp = sha256(JSON.stringify({ ...base, script: sha256(BACKUP_SCRIPT) })).slice(0, 12);
  const description = `QATrack+ nightly backup of ${what} to ${l.backupDir}, kept ${a.backup.retentionDays} days [spec ${stamp}]`;
  return { xml: dailyTaskXml({ ...base, description }), stamp };
}

interface BackupsProbe {
  script: FileResult;
  task: TopicResult<'scheduledTask'>;
  backupAcl: TopicResult<'acl'>;
}

/**
 * Who may touch a backup folder: Administrators and SYSTEM full control, and (SQL Server on this
 * machine) its service account Modify, since BACKUP DATABASE writes the file as that account ("the
 * account under which the SQL Server service runs must have write permissions",
 * https://learn.microsoft.com/sql/relational-databases/backup-restore/specify-a-disk-or-tape-as-a-backup-destination-sql-server).
 * Applied protected (no inherited entries), so Users and everyone else get nothing.
 */
export const backupGrants = (a: Answers) => [
  { principal: SID.administrators, rights: 'F' as const, inherit: true },
  { principal: SID.system, rights: 'F' as const, inherit: true },
  ...(sqlIsLocal(a)
    ? [{ principal: `NT SERVICE\\${sqlServiceName(a)}`, rights: 'M' as const, inherit: true }]
    : []),
];

async function probeBackups(ctx: StepContext): Promise<BackupsProbe> {
  return {
    script: await ctx.host.query({ kind: 'file', path: backupScriptPath(ctx.layout), sha256: true }),
    task: await askWindows(ctx.host, 'scheduledTask', { name: BACKUP_TASK }),
    backupAcl: await askWindows(ctx.host, 'acl', { path: ctx.layout.backupDir }),
  };
}

export const backupsStep = defineStep<BackupsProbe>({
  id: 'win-backups',
  title: 'Nightly backups',
  dependsOn: ['win-sql-provision', 'win-hardening'],
  appliesTo: (ctx) => ctx.answers.backup.enabled,
  probe: probeBackups,
  plan(ctx, p) {
    const { answers: a, layout: l } = ctx;
    const actions: ActionInput[] = [];
    const path = backupScriptPath(l);
    if (!p.script.exists || p.script.sha256 !== sha256(BACKUP_SCRIPT))
      actions.push(
        { kind: 'mkdir', describe: `Create folder ${toolsDir(l)}`, path: toolsDir(l) },
        { kind: 'writeFile', describe: `Write the backup program ${path}`, path, content: [BACKUP_SCRIPT] },
      );
    const grants = backupGrants(a);
    const key = (g: { principal: string; rights: string }) => `${g.principal.toLowerCase()}=${g.rights}`;
    const aclOk =
      p.backupAcl.exists &&
      p.backupAcl.protected &&
      JSON.stringify(p.backupAcl.grants.map(key).sort()) === JSON.stringify(grants.map(key).sort());
    if (!aclOk) {
      if (!p.backupAcl.exists)
        actions.push({ kind: 'mkdir', describe: `Create folder ${l.backupDir}`, path: l.backupDir });
      actions.push({
        kind: 'acl',
        describe: `Restrict ${l.backupDir} to ${grants.map((g) => `${g.principal}:${g.rights}`).join(', ')}`,
        path: l.backupDir,
        protect: true,
        grants,
      });
    }
    const { xml, stamp } = backupTask(a, l);
    if (!p.task.exists || !p.task.description?.includes(`[spec ${stamp}]`))
      actions.push({
        kind: 'scheduledTask',
        describe: `Schedule "${BACKUP_TASK}" daily at ${a.backup.time} as SYSTEM: back up to ${l.backupDir}, keep ${a.backup.retentionDays} days`,
        op: 'ensure',
        name: BACKUP_TASK,
        xml,
      });
    return actions;
  },
  async verify(ctx) {
    const p = await probeBackups(ctx);
    const { stamp } = backupTask(ctx.answers, ctx.layout);
    const ok = p.task.exists && !!p.task.description?.includes(`[spec ${stamp}]`);
    return [
      {
        id: 'backup.task',
        title: 'Nightly backup task',
        ok,
        detail: p.task.exists
          ? ok
            ? `daily at ${ctx.answers.backup.time}`
            : 'differs from the answers'
          : 'missing',
        fix: ok ? undefined : 'Run repair.',
      },
    ];
  },
  planUninstall(ctx, p) {
    return p.task.exists
      ? [
          {
            kind: 'scheduledTask',
            describe: `Delete scheduled task "${BACKUP_TASK}"`,
            op: 'remove',
            name: BACKUP_TASK,
          },
        ]
      : [];
  },
});
