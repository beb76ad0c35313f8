import type { ActionInput } from '../../engine/actions/index.js';
import { defineStep, type StepContext, type UninstallOptions } from '../../engine/step.js';

/**
 * QATrack+'s data: the data folder (static files, uploaded media, logs, the installer's journal and
 * stamps, IIS or nginx files), the backups and the database. Install creates them through the other
 * steps; this step only answers for them on uninstall. It comes first in each profile, so uninstall
 * (reverse order) reaches it last, after every service that writes there has stopped.
 *
 * `--remove-data` deletes the data folder, and the backups folder only when it lies inside it (a
 * backups folder of its own may be a share holding other things). Databases and logins the installer
 * provisioned are dropped by the database step; a database a DBA prepared is never touched.
 */

export interface DataProbe {
  dataDir: boolean;
  backupDir: boolean;
}

const inside = (ctx: StepContext, child: string, parent: string) => {
  const norm = (p: string) => (ctx.layout.platform === 'win32' ? p.toLowerCase() : p).replace(/[\\/]+$/, '');
  const sep = ctx.layout.platform === 'win32' ? '\\' : '/';
  return norm(child) === norm(parent) || norm(child).startsWith(norm(parent) + sep);
};

export const backupsInsideData = (ctx: StepContext) => inside(ctx, ctx.layout.backupDir, ctx.layout.dataDir);

const dbWhere = (ctx: StepContext) => {
  const d = ctx.answers.database;
  const server = d.instance ? `${d.server}\\${d.instance}` : d.server;
  return `${d.engine === 'mssql' ? 'SQL Server' : 'PostgreSQL'} ${server}${d.port ? `:${d.port}` : ''}`;
};

export function keptData(ctx: StepContext, probed: DataProbe, o: UninstallOptions): string[] {
  const { layout, answers } = ctx;
  const d = answers.database;
  const kept: string[] = [];
  if (o.keepData && probed.dataDir)
    kept.push(
      `data folder ${layout.dataDir} (media uploads ${layout.mediaRoot}, logs ${layout.logDir}, static files, the installer's journal): delete it yourself, or run uninstall --remove-data`,
    );
  if (probed.backupDir && (o.keepData || !backupsInsideData(ctx)))
    kept.push(
      o.keepData
        ? `backups ${layout.backupDir}`
        : `backups ${layout.backupDir}: a folder of its own outside the data folder, which may hold other files; delete it yourself when the backups are no longer needed`,
    );
  const logins = `logins ${d.login.user} and ${d.readonlyLogin.user}`;
  if (!d.provision)
    kept.push(
      `database ${d.name} on ${dbWhere(ctx)} with its tables and ${logins}: prepared by a DBA, so the installer never drops them (ask the DBA to drop the database and both logins when QATrack+ is retired)`,
    );
  else if (o.keepData)
    kept.push(
      `database ${d.name} on ${dbWhere(ctx)} with ${logins} (every QA result): run uninstall --remove-data to drop them`,
    );
  if (d.mode === 'express')
    kept.push(
      `SQL Server Express instance ${d.instance ?? 'SQLEXPRESS'}: remove it in Settings > Apps if nothing else uses it`,
    );
  return kept;
}

export const dataStep = defineStep<DataProbe>({
  id: 'data',
  title: 'QATrack+ data (data folder, backups, database)',
  dependsOn: [],
  async probe(ctx) {
    const [data, backups] = await Promise.all([
      ctx.host.query({ kind: 'file', path: ctx.layout.dataDir }),
      ctx.host.query({ kind: 'file', path: ctx.layout.backupDir }),
    ]);
    return { dataDir: data.exists, backupDir: backups.exists };
  },
  // Install: the other steps create what lives here.
  plan: () => [],
  planUninstall(ctx, probed, o): ActionInput[] {
    if (o.keepData || !probed.dataDir) return [];
    return [
      {
        kind: 'remove',
        describe: `Delete the data folder ${ctx.layout.dataDir} (media uploads, logs, static files${backupsInsideData(ctx) ? ', backups' : ''}, the installer's journal)`,
        path: ctx.layout.dataDir,
        recursive: true,
      },
    ];
  },
  keptOnUninstall: keptData,
});
