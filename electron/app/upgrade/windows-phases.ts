import type { ActionInput } from '../../engine/actions/index.js';
import { RELEASE_ARP_KEY } from '../../windows/names.js';
import type { Answers } from '../../engine/answers/index.js';
import { withEnvSecrets } from '../../engine/answers/strip.js';
import type { ReleaseCatalog } from '../../engine/catalog-schema.js';
import { computeLayout, type Layout } from '../../engine/layout.js';
import { rememberActions } from '../../engine/remembered.js';
import { defineStep, type Step } from '../../engine/step.js';
import { INSTALLED_RELEASE_FILE } from '../../engine/upgrade/installed-release.js';
import type { UpgradePhase } from '../../engine/upgrade/phases.js';
import {
  localSettingsStep,
  pythonStep,
  signInFilesStep,
  sourceStep,
  venvStep,
  wheelhouseStep,
} from '../../steps/common/index.js';
import { stageStep } from '../../steps/common/stage.js';
import { backupGrants, backupsStep } from '../../steps/windows/backups.js';
import { hardeningStep } from '../../steps/windows/hardening.js';
import { describeGrants } from '../../steps/windows/permissions.js';
import { pythonStep as winPythonStep } from '../../steps/windows/python.js';
import { runtimesStep } from '../../steps/windows/runtimes.js';
import { servicesStep } from '../../steps/windows/services.js';
import { dropNewDatabase, upgrade40SqlActions, type Upgrade40Sql } from '../../steps/windows/sqlUpgrade.js';
import { restoreInPlace } from '../../steps/windows/upgradeSql.js';
import { siteWebConfig } from '../../steps/windows/webConfig.js';
import {
  adminConnection,
  artifact,
  describeServer,
  iisRoot,
  PRODUCT,
  setupLogDir,
} from '../../windows/names.js';
import { MAINTENANCE_FILE, maintenancePage, maintenanceWebConfig } from './windows-maintenance.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStep = Step<any>;

/** The Windows upgrade's phases: the posix ones, plus the 3 -> 4 restore and the record. */
export type WinPhaseId = UpgradePhase['id'] | 'restore-database' | 'record';

/** Which release's answers, layout and catalog a phase's session runs with. */
export type Side = 'from' | 'to';

export interface WinPhase {
  id: WinPhaseId;
  describe: string;
  side: Side;
  steps: AnyStep[];
}

/** Everything the Windows upgrade is planned from (no secret values: the answers hold SecretRefs). */
export interface WinUpgradeSpec {
  /** The running deployment's answers (release = from). */
  answers: Answers;
  from: string;
  to: string;
  /** Code folder of the running release (the install folder after a fresh install). */
  fromDir: string;
  catalogFrom: ReleaseCatalog;
  catalogTo: ReleaseCatalog;
  keepDays: number;
  /** When the upgrade starts: names the backup folder and sets keepUntil. */
  now: Date;
  /** %ProgramData%\QATrack+ Installer on the target (remembered answers). */
  machineDir: string;
}

/**
 * 3.1.x -> 4.0 restores into a new database (upstream docs/install/win_upgrade_from_3_to_4.rst of
 * QATrack+ 4.0, as cited in ../../steps/windows/sqlUpgrade.ts); within a release line it migrates
 * the running database in place after the backup.
 */
export const upgradePath = (from: string, to: string): 'new-database' | 'in-place' =>
  from.split('.').slice(0, 2).join('.') === to.split('.').slice(0, 2).join('.') ? 'in-place' : 'new-database';

/** "qatrackplus" -> "qatrackplus40" for 4.0.x (upstream's name); a name already suffixed stays. */
export function newDatabaseName(oldDb: string, to: string): string {
  const suffix = to.split('.').slice(0, 2).join('');
  return oldDb.endsWith(suffix) ? `${oldDb}_${suffix}` : `${oldDb}${suffix}`;
}

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');

/**
 * On the target, in the installer's state folder: written by the stage-release phase just before it
 * installs the new release's Python when that Python was not there before. Only then does a rollback
 * uninstall it (a Python the machine already had is never touched); a finished upgrade drops the file
 * (the Python then belongs to the running release). A file on the target, so a repair after a killed
 * upgrade knows it as well as the run that wrote it.
 */
export const UPGRADE_PYTHON_FILE = 'upgrade-installed-python.json';

/** Derived facts both the plan and the rollback use. */
export function derive(s: WinUpgradeSpec) {
  const path = upgradePath(s.from, s.to);
  const fromLayout = layoutOn(s.answers, s.catalogFrom, s.fromDir);
  // Windows paths (engine/upgrade/phases.ts releaseDir joins with the posix separator).
  const toDir = fromLayout.join(s.answers.paths.installDir, 'releases', s.to);
  const newDb = path === 'new-database' ? newDatabaseName(s.answers.database.name, s.to) : undefined;
  const toAnswers: Answers = {
    ...s.answers,
    release: s.to,
    database: { ...s.answers.database, name: newDb ?? s.answers.database.name },
  };
  const toLayout = layoutOn(toAnswers, s.catalogTo, toDir);
  const backupFolder = fromLayout.join(fromLayout.backupDir, `upgrade-${s.from}-to-${s.to}-${stamp(s.now)}`);
  const sql: Upgrade40Sql = {
    connection: adminConnection(s.answers),
    server: describeServer(s.answers),
    oldDb: s.answers.database.name,
    newDb: newDb ?? s.answers.database.name,
    backupFile: fromLayout.join(backupFolder, `${s.answers.database.name}.bak`),
    appLogin: s.answers.database.login.user,
    readonlyLogin: s.answers.database.readonlyLogin.user,
    release: s.to,
  };
  const pythonMarker = fromLayout.join(fromLayout.stateDir, UPGRADE_PYTHON_FILE);
  return { path, fromLayout, toDir, toLayout, toAnswers, newDb, backupFolder, sql, pythonMarker };
}
export type Derived = ReturnType<typeof derive>;

/** A release's layout: its Python line's folder, its code folder (the install folder by default). */
export function layoutOn(answers: Answers, catalog: ReleaseCatalog, dir: string): Layout {
  const root = dir.toLowerCase() === answers.paths.installDir.toLowerCase() ? undefined : dir;
  return computeLayout(answers, 'win32', { pythonVersion: catalog.python.version, releaseRoot: root });
}

/** A step with fixed actions (the upgrade's own), planned only when `when` holds. */
function fixed(id: string, title: string, actions: () => ActionInput[]): AnyStep {
  return defineStep<null>({
    id,
    title,
    dependsOn: [],
    probe: () => Promise.resolve(null),
    plan: () => actions(),
  });
}

/**
 * The upgrade's backup folder gets its own ACL before anything is written to it (the database,
 * local_settings.py with its passwords, the SECRET_KEY): inheritance off, so it does not depend on
 * how the backup root was set up (nightly backups may be off), and the grants of the nightly
 * backup folder (../../steps/windows/backups.ts backupGrants).
 */
function backupFolderAcl(a: Answers, folder: string): ActionInput {
  const grants = backupGrants(a);
  return {
    kind: 'acl',
    describe: `Restrict ${folder} to ${describeGrants(grants)} (inheritance off: nothing for Users)`,
    path: folder,
    protect: true,
    grants,
  };
}

/** Steps run one after the other inside a phase (their profile edges do not apply here). */
const chain = (steps: AnyStep[]) =>
  steps.map((s, i) => ({ ...s, dependsOn: i === 0 ? [] : [steps[i - 1]!.id] }));

/** The public site, as a client on the network asks it (not the server's loopback). */
export function publicUrl(a: Answers, path: string): string {
  const host = a.site.hostNames[0]!;
  return a.site.https.enabled
    ? `https://${host}${a.site.https.port === 443 ? '' : `:${a.site.https.port}`}${path}`
    : `http://${host}${a.site.httpPort === 80 ? '' : `:${a.site.httpPort}`}${path}`;
}

/** Through IIS from the server itself (loopback: the maintenance rule lets it through). */
export function loopbackUrl(a: Answers, path: string): string {
  return a.site.https.enabled
    ? `https://127.0.0.1:${a.site.https.port}${path}`
    : `http://127.0.0.1:${a.site.httpPort}${path}`;
}

function manage(layout: Layout, describe: string, args: string[], extra: Partial<ActionInput> = {}) {
  return {
    kind: 'exec',
    describe,
    file: layout.venvPython,
    args: [layout.managepy, ...args],
    cwd: layout.sourceDir,
    timeoutMs: 4 * 60 * 60_000,
    ...extra,
  } as ActionInput;
}

export const collectstaticAction = (layout: Layout, release: string) =>
  manage(
    layout,
    `Collect ${release}'s static files into ${layout.staticRoot} (manage.py collectstatic --noinput)`,
    ['collectstatic', '--noinput'],
    {
      produces: [
        { kind: 'dir', path: layout.staticRoot },
        { kind: 'file', path: layout.join(layout.staticRoot, 'qa', 'img', 'tux.png') },
      ],
    },
  );

/** Maintenance off: the site's own web.config exactly as the install wrote it, the page removed. */
export function maintenanceOffActions(a: Answers, layout: Layout): ActionInput[] {
  const root = iisRoot(layout);
  return [
    {
      kind: 'writeFile',
      describe: `IIS proxies to the workers again: ${layout.join(root, 'web.config')} as the install wrote it`,
      path: layout.join(root, 'web.config'),
      content: [siteWebConfig(a)],
    },
    {
      kind: 'remove',
      describe: `Delete the maintenance page ${layout.join(root, MAINTENANCE_FILE)}`,
      path: layout.join(root, MAINTENANCE_FILE),
    },
    {
      kind: 'waitHttp',
      describe: `Wait until ${publicUrl(a, '/accounts/login/')} answers 200 through IIS again`,
      url: publicUrl(a, '/accounts/login/'),
      hostHeader: a.site.hostNames[0],
      expectStatus: [200],
      timeoutMs: 60_000,
    },
  ];
}

/** The installed-release Uninstall key the install writes (electron/steps/windows/releaseRecord.ts). */
export const ARP_KEY = RELEASE_ARP_KEY;

/**
 * The Windows upgrade, in the order of issue 12: maintenance on, backup first, the new release
 * beside the running one, (3 -> 4) the restore into a new database, migrate, collectstatic,
 * services switched, health through IIS, maintenance off, record, keep the old release.
 */
export function windowsUpgradePhases(s: WinUpgradeSpec, d: Derived = derive(s)): WinPhase[] {
  const { fromLayout: fl, toLayout: tl, toAnswers, sql } = d;
  const a = s.answers;
  const root = iisRoot(fl);
  const keepUntil = new Date(s.now.getTime() + s.keepDays * 86_400_000).toISOString();
  const copyKey = defineStep<{ exists: boolean }>({
    id: 'upgrade-secret-key',
    title: "The site's SECRET_KEY for the new release",
    dependsOn: [],
    probe: async (ctx) => ({
      exists: (await ctx.host.query({ kind: 'file', path: tl.secretKeyFile })).exists,
    }),
    plan: (_ctx, p) =>
      p.exists
        ? []
        : [
            {
              kind: 'copy',
              describe: `Copy the site's SECRET_KEY ${fl.secretKeyFile} to ${tl.secretKeyFile} (sessions and signed links outlive the upgrade)`,
              from: fl.secretKeyFile,
              to: tl.secretKeyFile,
            },
          ],
  });
  const pythonOwner = defineStep<{ marker: boolean; exe: boolean; product: boolean }>({
    id: 'upgrade-python-owner',
    title: `Whether the upgrade installs Python ${s.catalogTo.python.version}`,
    dependsOn: [],
    probe: async (ctx) => ({
      marker: (await ctx.host.query({ kind: 'file', path: d.pythonMarker })).exists,
      exe: (await ctx.host.query({ kind: 'file', path: tl.pythonExe })).exists,
      product: (
        await ctx.host.query({
          kind: 'product',
          id: PRODUCT.python(toAnswers.python.arch, s.catalogTo.python.version),
        })
      ).installed,
    }),
    // When the Python step installs it: no python.executable, no interpreter there, and that Python
    // not installed anywhere else (a copy elsewhere is the machine's own: the rollback leaves it).
    plan: (ctx, p) =>
      p.marker || p.exe || p.product || ctx.answers.python.executable
        ? []
        : [
            {
              kind: 'writeFile',
              describe: `Record in ${d.pythonMarker} that the upgrade installs Python ${s.catalogTo.python.version} into ${tl.pythonDir} (a rollback uninstalls it)`,
              path: d.pythonMarker,
              content: [
                `${JSON.stringify({ product: PRODUCT.python(toAnswers.python.arch, s.catalogTo.python.version), pythonDir: tl.pythonDir, release: s.to }, null, 2)}\n`,
              ],
            },
          ],
  });
  const phases: WinPhase[] = [
    {
      id: 'maintenance-on',
      side: 'from',
      describe: 'IIS answers 503 with a maintenance page (only the server itself reaches the workers)',
      steps: [
        fixed('upgrade-maintenance-on', 'Maintenance page on', () => [
          {
            kind: 'writeFile',
            describe: `Write the maintenance page ${fl.join(root, MAINTENANCE_FILE)}`,
            path: fl.join(root, MAINTENANCE_FILE),
            content: [maintenancePage(s.from, s.to)],
          },
          {
            kind: 'writeFile',
            describe: `IIS answers 503 + the maintenance page to every client but the server itself: ${fl.join(root, 'web.config')} with the maintenance rule`,
            path: fl.join(root, 'web.config'),
            content: [maintenanceWebConfig(a)],
          },
          {
            kind: 'waitHttp',
            describe: `Wait until ${publicUrl(a, '/accounts/login/')} answers 503 (the maintenance page)`,
            url: publicUrl(a, '/accounts/login/'),
            hostHeader: a.site.hostNames[0],
            expectStatus: [503],
            timeoutMs: 60_000,
          },
        ]),
      ],
    },
    {
      id: 'backup',
      side: 'from',
      describe: `Back up the database (BACKUP ... COPY_ONLY, CHECKSUM, verified), media, local_settings.py and the secret key to ${d.backupFolder}`,
      steps: [
        fixed('upgrade-backup', 'Backup before the upgrade', () => [
          { kind: 'mkdir', describe: `Create the backup folder ${d.backupFolder}`, path: d.backupFolder },
          backupFolderAcl(a, d.backupFolder),
          upgrade40SqlActions(sql)[0]!,
          {
            kind: 'copy',
            describe: `Copy the media files ${fl.mediaRoot} to ${fl.join(d.backupFolder, 'media')}`,
            from: fl.mediaRoot,
            to: fl.join(d.backupFolder, 'media'),
          },
          {
            kind: 'copy',
            describe: `Copy ${fl.localSettings} to ${fl.join(d.backupFolder, 'local_settings.py')}`,
            from: fl.localSettings,
            to: fl.join(d.backupFolder, 'local_settings.py'),
          },
          {
            kind: 'copy',
            describe: `Copy the secret key ${fl.secretKeyFile} to ${fl.join(d.backupFolder, 'secret_key.txt')}`,
            from: fl.secretKeyFile,
            to: fl.join(d.backupFolder, 'secret_key.txt'),
          },
        ]),
      ],
    },
    {
      id: 'stage-release',
      side: 'to',
      describe: `${s.to}'s code and venv in ${d.toDir} beside the running ${s.from} (Python ${s.catalogTo.python.version} in ${tl.pythonDir})`,
      steps: chain([
        stageStep('none'),
        pythonOwner,
        winPythonStep,
        runtimesStep,
        pythonStep,
        venvStep,
        sourceStep,
        wheelhouseStep,
        signInFilesStep,
        copyKey,
        localSettingsStep,
        // The new local_settings.py holds the passwords: restricted as the install restricts its own
        // (Administrators, SYSTEM, the service accounts read) before anything runs from the folder.
        hardeningStep,
      ]),
    },
  ];
  if (d.path === 'new-database')
    phases.push({
      id: 'restore-database',
      side: 'to',
      describe: `Restore the backup as the new database ${sql.newDb} (${sql.oldDb} stays untouched for the rollback)`,
      steps: [
        fixed('upgrade-restore-database', 'New database from the backup', () =>
          upgrade40SqlActions(sql).slice(1),
        ),
      ],
    });
  phases.push(
    {
      id: 'migrate',
      side: 'to',
      describe: `Apply ${s.to}'s migrations to ${sql.newDb}${d.path === 'in-place' ? ' (in place, after the backup)' : ''}`,
      steps: [
        fixed('upgrade-migrate', 'Database migrations', () => [
          manage(
            tl,
            `Apply ${s.to}'s database migrations to ${sql.newDb} on ${sql.server} (manage.py migrate --noinput -v 1)`,
            ['migrate', '--noinput', '-v', '1'],
          ),
        ]),
      ],
    },
    {
      id: 'collectstatic',
      side: 'to',
      describe: `Collect ${s.to}'s static files`,
      steps: [fixed('upgrade-collectstatic', 'Static files', () => [collectstaticAction(tl, s.to)])],
    },
    {
      id: 'switch',
      side: 'to',
      describe: `WinSW services onto ${s.to} (stop, rewrite the XML, register, start)`,
      steps: chain([servicesStep]),
    },
    {
      id: 'health',
      side: 'to',
      describe: `Check ${s.to} through IIS from the server (sign-in page, static file)`,
      steps: [
        fixed('upgrade-health', 'Health check through IIS', () => [
          {
            kind: 'waitHttp',
            describe: `${loopbackUrl(a, '/accounts/login/')} answers 200 through IIS (the new release's workers)`,
            url: loopbackUrl(a, '/accounts/login/'),
            hostHeader: a.site.hostNames[0],
            expectStatus: [200],
            timeoutMs: 120_000,
          },
          {
            kind: 'waitHttp',
            describe: `${loopbackUrl(a, '/static/qa/img/tux.png')} answers 200 (static files served by IIS)`,
            url: loopbackUrl(a, '/static/qa/img/tux.png'),
            hostHeader: a.site.hostNames[0],
            expectStatus: [200],
            timeoutMs: 30_000,
          },
        ]),
      ],
    },
    {
      id: 'maintenance-off',
      side: 'from',
      describe: 'IIS proxies to the workers again',
      steps: [fixed('upgrade-maintenance-off', 'Maintenance page off', () => maintenanceOffActions(a, fl))],
    },
    {
      id: 'record',
      side: 'to',
      describe: `Record ${s.to} as installed (ARP DisplayVersion, installed-release record, remembered answers)`,
      steps: [
        fixed('upgrade-record', 'Installed release', () => [
          {
            kind: 'registry',
            describe: `Set DisplayVersion ${s.to} in ${ARP_KEY}`,
            op: 'set',
            key: ARP_KEY,
            name: 'DisplayVersion',
            type: 'REG_SZ',
            value: s.to,
          },
          {
            kind: 'writeFile',
            describe: `Record ${s.to} in ${fl.join(fl.stateDir, INSTALLED_RELEASE_FILE)} (${s.from} kept until ${keepUntil.slice(0, 10)})`,
            path: fl.join(fl.stateDir, INSTALLED_RELEASE_FILE),
            content: [
              `${JSON.stringify(
                {
                  release: s.to,
                  releaseDir: d.toDir,
                  previous: {
                    release: s.from,
                    releaseDir: s.fromDir,
                    keepUntil,
                    // What a repair after keepUntil verifies and drops (the 3 -> 4 path only).
                    ...(d.newDb ? { database: sql.oldDb, backupFile: sql.backupFile } : {}),
                  },
                  backupDir: d.backupFolder,
                  upgradedAt: s.now.toISOString(),
                  answers: withEnvSecrets(toAnswers),
                },
                null,
                2,
              )}\n`,
            ],
          },
          ...(rememberActions(s.machineDir, toAnswers) as ActionInput[]),
        ]),
        // The nightly backup task names the database it backs up: the new one from here on (past
        // health, so a rollback never has to put it back).
        ...chain([backupsStep]),
      ],
    },
    {
      id: 'keep-old',
      side: 'from',
      describe: `Keep ${s.from} in ${s.fromDir} for ${s.keepDays} days for a manual rollback`,
      steps: [
        defineStep<string[]>({
          id: 'upgrade-keep-old',
          title: 'Older releases',
          dependsOn: [],
          probe: async (ctx) => {
            const r = await ctx.host.query({
              kind: 'listDir',
              path: fl.join(s.answers.paths.installDir, 'releases'),
            });
            return r.exists ? r.entries.filter((e) => e.type === 'dir').map((e) => e.name) : [];
          },
          plan: (_ctx, names) =>
            names
              .map((n) => fl.join(s.answers.paths.installDir, 'releases', n))
              .filter((dir) => ![d.toDir, s.fromDir].some((k) => k.toLowerCase() === dir.toLowerCase()))
              .map((dir) => ({
                kind: 'remove',
                describe: `Remove the older release ${dir}`,
                path: dir,
                recursive: true,
              })),
        }),
        defineStep<boolean>({
          id: 'upgrade-python-owned',
          title: 'Python installed by the upgrade',
          dependsOn: [],
          probe: async (ctx) => (await ctx.host.query({ kind: 'file', path: d.pythonMarker })).exists,
          plan: (_ctx, exists) =>
            exists
              ? [
                  {
                    kind: 'remove',
                    describe: `Delete ${d.pythonMarker}: Python ${s.catalogTo.python.version} now belongs to the running ${s.to}`,
                    path: d.pythonMarker,
                  },
                ]
              : [],
        }),
      ],
    },
  );
  return phases;
}

/**
 * What undoes the phases a run reached, newest first: services back on the old release, (3 -> 4)
 * the new database dropped or (in place) the database restored from the backup, the old static
 * files, the site's own web.config, the staged release removed.
 */
export function windowsRollbackPhases(
  s: WinUpgradeSpec,
  reached: ReadonlySet<WinPhaseId>,
  d: Derived = derive(s),
): WinPhase[] {
  const { fromLayout: fl, sql } = d;
  const out: WinPhase[] = [];
  if (reached.has('switch'))
    out.push({
      id: 'switch',
      side: 'from',
      describe: `Services back on ${s.from}`,
      steps: chain([servicesStep]),
    });
  if (d.path === 'new-database' && reached.has('restore-database'))
    out.push({
      id: 'restore-database',
      side: 'from',
      describe: `Drop the new database ${sql.newDb}`,
      steps: [fixed('rollback-drop-database', 'New database', () => [dropNewDatabase(sql)])],
    });
  if (d.path === 'in-place' && reached.has('migrate'))
    out.push({
      id: 'migrate',
      side: 'from',
      describe: `Restore ${sql.oldDb} from the backup`,
      steps: [
        fixed('rollback-restore-database', 'Database from the backup', () => [
          restoreInPlace({
            connection: sql.connection,
            server: sql.server,
            db: sql.oldDb,
            backupFile: sql.backupFile,
          }),
        ]),
      ],
    });
  if (reached.has('collectstatic'))
    out.push({
      id: 'collectstatic',
      side: 'from',
      describe: `Collect ${s.from}'s static files again`,
      steps: [fixed('rollback-collectstatic', 'Static files', () => [collectstaticAction(fl, s.from)])],
    });
  if (reached.has('maintenance-on'))
    out.push({
      id: 'maintenance-off',
      side: 'from',
      describe: 'IIS proxies to the workers again',
      steps: [
        fixed('rollback-maintenance-off', 'Maintenance page off', () => maintenanceOffActions(s.answers, fl)),
      ],
    });
  if (reached.has('stage-release'))
    out.push({
      id: 'stage-release',
      side: 'from',
      describe: `Remove the staged ${s.to}`,
      steps: [
        defineStep<boolean>({
          id: 'rollback-remove-staged',
          title: 'Staged release',
          dependsOn: [],
          probe: async (ctx) => (await ctx.host.query({ kind: 'file', path: d.toDir })).exists,
          plan: (_ctx, exists) =>
            exists
              ? [
                  {
                    kind: 'remove',
                    describe: `Remove the staged ${s.to} (${d.toDir})`,
                    path: d.toDir,
                    recursive: true,
                  },
                ]
              : [],
        }),
      ],
    });
  if (reached.has('stage-release'))
    out.push({
      id: 'stage-release',
      side: 'to',
      describe: `Uninstall Python ${s.catalogTo.python.version} if the upgrade installed it`,
      steps: [uninstallUpgradePython(s, d)],
    });
  return out;
}

/**
 * Rollback: the new release's Python goes only when the marker says this upgrade installed it. The
 * Python installer's /uninstall removes it with no prompt, /quiet without UI (CPython
 * Doc/using/windows.rst, "Installing Without UI", https://docs.python.org/3/using/windows.html);
 * the files it installed go with it (the sim removes python.exe to match).
 */
function uninstallUpgradePython(s: WinUpgradeSpec, d: Derived): AnyStep {
  const tl = d.toLayout;
  const id = PRODUCT.python(d.toAnswers.python.arch, s.catalogTo.python.version);
  return defineStep<{ marker: boolean; installed: boolean }>({
    id: 'rollback-python',
    title: `Python ${s.catalogTo.python.version} installed by the upgrade`,
    dependsOn: [],
    probe: async (ctx) => ({
      marker: (await ctx.host.query({ kind: 'file', path: d.pythonMarker })).exists,
      installed:
        (await ctx.host.query({ kind: 'product', id })).installed ||
        (await ctx.host.query({ kind: 'file', path: tl.pythonExe })).exists,
    }),
    plan: (ctx, p) => {
      if (!p.marker) return [];
      const log = tl.join(setupLogDir(tl), 'python-upgrade-rollback.log');
      const uninstall: ActionInput = {
        kind: 'exec',
        describe: `Uninstall Python ${s.catalogTo.python.version} from ${tl.pythonDir}: the upgrade installed it (log ${log})`,
        file: artifact(ctx.release, 'python'),
        args: ['/quiet', '/norestart', '/uninstall', '/log', log],
        timeoutMs: 15 * 60_000,
        okExitCodes: [0],
        rebootExitCodes: [3010],
        produces: [
          { kind: 'productRemoved', id },
          { kind: 'removed', path: tl.pythonExe },
        ],
      };
      return [
        ...(p.installed ? [uninstall] : []),
        { kind: 'remove', describe: `Delete ${d.pythonMarker}`, path: d.pythonMarker },
      ];
    },
  });
}
