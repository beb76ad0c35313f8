import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MACHINE_FOLDER, RememberedStore } from '../../electron/engine/remembered.js';
import { events, type EventOf } from '../../electron/ipc/contract.js';
import { createUpgradeHandlers } from '../../electron/ipc/upgrade.js';
import { trustedCaller } from '../support/ipc-call.js';
import { createUpgradeEngine } from '../../electron/ipc/upgrade-engine.js';
import { get, missingTools, prepareSite, teardownSite, type Site } from '../support/posix-site.js';
import { installV1WithV2Bundle } from '../support/upgrade-site.js';

/**
 * The wizard's upgrade channels over the real posix upgrade (no replay): fixture v1 on real nginx,
 * PostgreSQL, venv and workers, upgraded to 3.1.1.5 through the router, the handlers and the
 * engine adapter's posix kit (electron/app/upgrade/posix-upgrade.ts underneath).
 */
const missing = await missingTools();
if (missing && process.env.CI === 'true') throw new Error(`posix e2e cannot run in CI: ${missing}`);

describe.skipIf(missing !== undefined)('wizard upgrade over IPC on the posix host (real site)', () => {
  let site: Site;
  let v2Answers: string;

  beforeAll(async () => {
    site = await prepareSite();
    v2Answers = await installV1WithV2Bundle(site);
  }, 900_000);

  afterAll(async () => {
    await teardownSite(site);
  }, 120_000);

  it('status offers 3.1.1.5, review has no refusal and real backup room, the run streams valid events and the site is on v2', async () => {
    const emitted: EventOf<'upgrade'>[] = [];
    const remembered = new RememberedStore({ dir: path.join(site.root, 'ProgramData', MACHINE_FOLDER) });
    const answers = JSON.parse(readFileSync(v2Answers, 'utf8')) as Record<string, unknown>;
    await remembered.write(answers);
    const handlers = createUpgradeHandlers({
      engine: createUpgradeEngine({
        hostSpec: { kind: 'posix' },
        logDir: path.join(site.root, 'wizard-logs'),
        catalogDir: site.catalogDir,
      }),
      remembered,
      emitUpgrade: (p) => emitted.push(p),
    });
    const call = trustedCaller(handlers);

    expect(await call('upgradeStatus', {})).toEqual({
      ok: true,
      value: {
        installed: { release: '3.1.1.4', source: 'answers' },
        offer: { from: '3.1.1.4', to: '3.1.1.5' },
      },
    });
    // The wizard sends the answers without secrets and the secrets beside them.
    const request = { answers, secrets: site.secrets, to: '3.1.1.5' };
    const review = await call('upgradeReview', request);
    expect(review.ok, JSON.stringify(review)).toBe(true);
    expect(review.value.refusal).toBeUndefined();
    expect(review.value.backupDir).toBe(path.join(site.dataDir, 'backups'));
    // pg_database_size of the real database, plus media.
    expect(review.value.backupNeededBytes).toBeGreaterThan(1_000_000);
    expect(review.value.backupFreeBytes).toBeGreaterThan(review.value.backupNeededBytes);

    const start = await call('upgradeStart', request);
    expect(start.ok).toBe(true);
    for (let i = 0; i < 3000 && !emitted.some((e) => e.event.type === 'upgrade-end'); i++)
      await new Promise((r) => setTimeout(r, 100));
    const end = emitted.at(-1)?.event;
    expect(end?.type === 'upgrade-end' && end.ok, JSON.stringify(end)).toBe(true);
    for (const e of emitted) expect(events.upgrade.safeParse(e).success).toBe(true);
    expect(emitted.filter((e) => e.event.type === 'migration').length).toBe(2);
    expect((await get(site.httpPort, '/accounts/login/')).headers['x-fixture-release']).toBe('v2');
    expect((await remembered.read())?.answers.release).toBe('3.1.1.5');
    expect(await call('upgradeStatus', {})).toEqual({
      ok: true,
      value: { installed: { release: '3.1.1.5', source: 'record' } },
    });
    const text = JSON.stringify([review, emitted]);
    for (const secret of Object.values(site.secrets)) expect(text).not.toContain(secret);
  }, 600_000);
});
