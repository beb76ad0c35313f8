import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalEntrySchema, type JournalEntry } from '../../electron/engine/journal.js';
import { cli, get, missingTools, prepareSite, teardownSite, type Site } from '../support/posix-site.js';

/**
 * Parallel apply on the real posix host (PostgreSQL, nginx, cheroot, the fixture on Python 3.9):
 * one install with --jobs 4, kept small; the sim tests cover faults, cancel and equivalence.
 */
const missing = await missingTools();
if (missing && process.env.CI === 'true') throw new Error(`posix e2e cannot run in CI: ${missing}`);

describe.skipIf(missing !== undefined)('posix parallel install (real processes)', () => {
  let site: Site;
  beforeAll(async () => {
    site = await prepareSite();
  }, 300_000);
  afterAll(async () => {
    await teardownSite(site);
  }, 120_000);

  const journal = async (): Promise<JournalEntry[]> =>
    (await readFile(path.join(site.dataDir, 'installer', 'journal.jsonl'), 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => journalEntrySchema.parse(JSON.parse(l)));

  it('install --jobs 4 runs steps together, the site answers, and a sequential repair finds nothing to do', async () => {
    const r = await cli(site, ['install', '--yes', '--jobs', '4']);
    expect(r.exitCode, r.all).toBe(0);
    const j = await journal();
    // Some step started while another was still open (not ok or failed yet).
    const open = new Set<string>();
    let together: string[] = [];
    for (const e of j) {
      if (e.type === 'step-start') {
        open.add(e.step);
        if (open.size > 1 && together.length === 0) together = [...open];
      } else if (e.type === 'step-ok' || e.type === 'step-failed') open.delete(e.step);
    }
    expect(together.length, 'no two steps were in flight together').toBeGreaterThanOrEqual(2);
    expect(j.filter((e) => e.type === 'step-failed')).toEqual([]);

    const home = await get(site.httpPort, '/');
    expect(home.status).toBe(302);
    expect(home.headers['x-served-by']).toMatch(/^worker-\d+$/);

    const repair = await cli(site, ['repair', '--yes', '--jobs', '1']);
    expect(repair.exitCode, repair.all).toBe(0);
    expect(repair.stdout).toMatch(/Nothing to do/);
    expect((await cli(site, ['plan'])).exitCode).toBe(0);
  }, 600_000);
});
