import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ServiceSpec } from '../../engine/actions/index.js';
import type { ApplyContext } from '../../engine/host.js';
import { MapSecretStore } from '../../engine/secrets.js';
import { clearUpgradeState, reached } from '../../engine/upgrade/upgrade-state.js';
import { runCollectstatic } from '../../hosts/posix/upgrade-django.js';
import {
  dropNewDatabase,
  emptyPreparedDatabase,
  restorePosixBackup,
} from '../../hosts/posix/upgrade-backup.js';
import { savedNginxConf, savedSpecsDir, upgradeWorkDir, type UpgradeContext } from './context.js';
import { maintenanceOff } from './maintenance.js';
import { isAnswering, waitForPublicSite } from './site-wait.js';

const applyContext = (): ApplyContext => ({
  secrets: new MapSecretStore(),
  signal: new AbortController().signal,
  timeoutMs: 120_000,
  onOutput: () => {},
});

/**
 * Back to the old release, undoing only what the run got to (the state file says how far): the
 * services' specs from before, the database from the backup (pg_restore --clean) or, on the major
 * path, the new database dropped (the old one was never written), the old static files, nginx.conf
 * from before. Then the new release's folder is removed, so nothing of it is
 * left to mix with the old one. Not cancellable: a half rollback is worse than none.
 */
export async function rollBack(u: UpgradeContext): Promise<{ ok: true } | { ok: false; error: string }> {
  const { state, from } = u;
  const step = (describe: string) => u.emit({ type: 'rollback', describe });
  try {
    if (reached(state, 'switch')) {
      const dir = savedSpecsDir(from);
      for (const f of await readdir(dir).catch(() => [] as string[])) {
        const spec = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as ServiceSpec;
        step(`Put ${spec.name} back on ${state.from}`);
        await u.host.apply(
          { kind: 'service', op: 'ensure', name: spec.name, spec, describe: `restore ${spec.name}` },
          applyContext(),
        );
        if (spec.port)
          await u.host.apply(
            {
              kind: 'waitHttp',
              describe: `wait for ${spec.name}`,
              url: `http://127.0.0.1:${spec.port}/accounts/login/`,
              hostHeader: u.answers.site.hostNames[0],
              expectStatus: [200],
              timeoutMs: 60_000,
            },
            applyContext(),
          );
      }
    }
    if (state.newDatabase && state.newDatabasePrepared && reached(state, 'restore-copy')) {
      // The DBA made it for the upgrade: it stays, empty as it was handed over.
      step(`Empty the new database ${state.newDatabase} (${u.answers.database.name} was not changed)`);
      await emptyPreparedDatabase(u.answers, u.secrets, state.newDatabase);
    } else if (state.newDatabase && reached(state, 'restore-copy')) {
      step(`Drop the new database ${state.newDatabase} (${u.answers.database.name} was not changed)`);
      await dropNewDatabase(u.answers, u.secrets, state.newDatabase);
    } else if (!state.newDatabase && reached(state, 'migrate') && state.dumpFile) {
      step(`Restore the database from ${state.dumpFile} (pg_restore --clean)`);
      await restorePosixBackup(u.answers, u.secrets, state.dumpFile);
    }
    if (reached(state, 'collectstatic')) {
      step(`Collect ${state.from}'s static files again`);
      await runCollectstatic(from, new AbortController().signal);
    }
    if (existsSync(savedNginxConf(from))) {
      step('nginx proxies to the workers again (maintenance off)');
      await maintenanceOff(u);
    } else await waitForPublicSite(u.host, u.answers, isAnswering, 'answer through nginx', 60_000);
    if (path.resolve(state.toDir) !== path.resolve(state.fromDir)) {
      step(`Remove the staged ${state.to} (${state.toDir})`);
      await rm(state.toDir, { recursive: true, force: true });
    }
    await clearUpgradeState(from.stateDir);
    await rm(upgradeWorkDir(from), { recursive: true, force: true });
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}
