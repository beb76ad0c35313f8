import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUnattendedFromArgv } from '../../electron/cli/unattended.js';
import { secretEnvName } from '../../electron/engine/answers/load.js';
import { MACHINE_FOLDER, RememberedStore } from '../../electron/engine/remembered.js';
import { engineUpgradeEventSchema } from '../../electron/ipc/upgrade-contract.js';
import { repoRoot } from '../support/fixture.js';
import { installV1WithV2Bundle } from '../support/upgrade-site.js';
import { get, missingTools, prepareSite, teardownSite, type Site } from '../support/posix-site.js';

/**
 * The packaged app's `--unattended --mode upgrade` for real on the posix host: fixture v1 installed
 * by the CLI, then the unattended entry, with no answers file (the machine's remembered answers,
 * secrets from QATRACK_SECRET_*), upgrades it to the fixture's 3.1.1.5 (test/fixtures/qatrack-fixture-v2).
 * The engine's event stream (--json lines) is captured and checked against the wizard's schema;
 * RECORD_UPGRADE_EVENTS=1 saves it as the renderer test's recording.
 */
const missing = await missingTools();
if (missing && process.env.CI === 'true') throw new Error(`posix e2e cannot run in CI: ${missing}`);
const RECORDING = path.join(repoRoot, 'test', 'fixtures', 'upgrade-events', 'posix-3.1.1.4-to-3.1.1.5.json');

describe.skipIf(missing !== undefined)('unattended upgrade on the posix host (real site)', () => {
  let site: Site;
  let v2Answers: string;

  beforeAll(async () => {
    site = await prepareSite();
    v2Answers = await installV1WithV2Bundle(site);
  }, 900_000);

  afterAll(async () => {
    await teardownSite(site);
  }, 120_000);

  it('upgrades 3.1.1.4 -> 3.1.1.5 from the remembered answers: exit 0, the site on v2, the log, the machine remembers 3.1.1.5', async () => {
    const store = new RememberedStore({ dir: path.join(site.root, 'ProgramData', MACHINE_FOLDER) });
    await mkdir(store.dir, { recursive: true });
    await store.write(JSON.parse(readFileSync(v2Answers, 'utf8')) as Record<string, unknown>);
    for (const [p, v] of Object.entries(site.secrets)) process.env[secretEnvName(p)] = v;
    const logFile = path.join(site.root, 'logs', 'unattended-upgrade.log');
    const lines: string[] = [];
    const stdout: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    // The engine's --json lines go to stdout: keep them to check (and record) the event stream.
    process.stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      stdout.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    };
    let code: number | null;
    try {
      code = await runUnattendedFromArgv(
        ['app.exe', '--unattended', '--mode', 'upgrade', '--release', '3.1.1.5', '--log-file', logFile],
        {
          write: (l) => lines.push(l),
          remembered: store,
          runOptions: { host: 'posix', catalogDir: site.catalogDir, json: true },
        },
      );
    } finally {
      process.stdout.write = write;
      for (const p of Object.keys(site.secrets)) delete process.env[secretEnvName(p)];
    }
    const text = lines.join('\n');
    expect(code, `${text}\n${stdout.join('')}`).toBe(0);
    expect(text).toContain(`Using the answers remembered on this machine: ${store.file}`);
    expect(lines.at(-1)).toBe(`QATrack+ Installer succeeded (exit code 0). Log: ${logFile}`);
    expect((await get(site.httpPort, '/accounts/login/')).headers['x-fixture-release']).toBe('v2');
    expect(JSON.parse(readFileSync(store.file, 'utf8')).release).toBe('3.1.1.5');
    expect(existsSync(logFile)).toBe(true);

    const json = stdout
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    const events = json.filter((e) =>
      ['upgrade-phase', 'migration', 'backup', 'rollback', 'upgrade-log'].includes(e.type),
    );
    // Every event the engine sent is one the wizard's schema accepts: the recording cannot drift.
    for (const e of events)
      expect(engineUpgradeEventSchema.safeParse(e).success, JSON.stringify(e)).toBe(true);
    expect(events.filter((e) => e.type === 'migration').map((e) => e.name)).toContain('0002_unit_code');
    const result = json.find((e) => e.type === 'upgrade-result');
    expect(result?.ok).toBe(true);
    const all = JSON.stringify(json) + text + readFileSync(logFile, 'utf8');
    for (const secret of Object.values(site.secrets)) expect(all).not.toContain(secret);
    if (process.env.RECORD_UPGRADE_EVENTS === '1')
      await writeFile(
        RECORDING,
        `${JSON.stringify({ recordedAt: new Date().toISOString(), events, result }, null, 2)}\n`,
      );
  }, 600_000);
});
