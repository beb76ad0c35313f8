import { describe, expect, it } from 'vitest';
import { parsePsJson, productPattern, psLike } from '../../electron/hosts/windows/parse.js';
import { cleanServer, withGermanNames, withSqlServer } from '../../electron/hosts/sim/windows/seed.js';
import { simWindows } from '../../electron/hosts/sim/windows/state.js';
import { sqlMajor } from '../../electron/windows/names.js';
import { ENSURE_USER_ROLES, PROBE_STATE } from '../../electron/windows/sqlBatches.js';
import { exampleAnswers, newStateFile, readState, sim } from '../support/windows-sim.js';

/** Issue 10 items 8, 10 and 11. */

const express = () =>
  exampleAnswers((a) => {
    a.database.mode = 'express';
    a.database.server = 'localhost';
    a.database.instance = 'QATRACK';
  });

describe('localised names, SQL versions and compatibility levels', () => {
  it('SQL Express on German Windows: sysadmin is the name S-1-5-32-544 has there, not BUILTIN\\Administrators', async () => {
    const file = newStateFile(withGermanNames(cleanServer()));
    const plan = await sim('plan', file, express());
    const ini = plan.steps
      .find((s) => s.id === 'win-sqlexpress')!
      .actions.find((x) => x.kind === 'writeFile')!;
    const first = ini.kind === 'writeFile' ? ini.content[0] : undefined;
    const text = typeof first === 'string' ? first : '';
    expect(text).toContain('SQLSYSADMINACCOUNTS="VORDEFINIERT\\Administratoren"');
    expect(JSON.stringify(plan)).not.toContain('BUILTIN');
  });

  it('sqlMajor reads the catalog year and a build number; anything else is a catalog error', () => {
    expect(sqlMajor('2022')).toBe(16);
    expect(sqlMajor('2019')).toBe(15);
    expect(sqlMajor('16.0.1000.6')).toBe(16);
    expect(sqlMajor('15.0.2000.5')).toBe(15);
    expect(() => sqlMajor('SQL2022')).toThrow(/neither a year/);
  });

  it('SQL Express 2022 from the catalog keys the registry as MSSQL16.<instance>', async () => {
    const file = newStateFile(cleanServer());
    const plan = await sim('plan', file, express());
    const keys = plan.steps
      .find((s) => s.id === 'win-sqlexpress')!
      .actions.filter((x) => x.kind === 'registry')
      .map((x) => (x.kind === 'registry' ? x.key : ''));
    expect(keys.every((k) => k.includes('\\MSSQL16.QATRACK\\'))).toBe(true);
  });

  it('no batch needs STRING_SPLIT or OPENJSON (compatibility level 130)', () => {
    for (const b of [ENSURE_USER_ROLES, PROBE_STATE]) expect(b).not.toMatch(/STRING_SPLIT|OPENJSON/i);
  });

  for (const [year, major, level] of [
    ['2014', 12, 120],
    ['2016 with master at 120', 13, 120],
    ['2019', 15, 150],
    ['2022', 16, 160],
  ] as const)
    it(`provisions on SQL Server ${year} (compatibility level ${level})`, async () => {
      const file = newStateFile(withSqlServer(cleanServer(), major, level));
      const r = await sim('install', file, exampleAnswers());
      expect(r.error ?? null).toBeNull();
      expect(simWindows(readState(file)).sql.databases.qatrackplus?.users.qatrack?.roles).toEqual([
        'db_ddladmin',
        'db_datawriter',
        'db_datareader',
      ]);
    });

  it('the sim refuses the old STRING_SPLIT batch at level 120 (what the old plan would have met)', async () => {
    const { createSimHost } = await import('../../electron/hosts/sim/host.js');
    const { actionSchema } = await import('../../electron/engine/actions/index.js');
    const { MapSecretStore } = await import('../../electron/engine/secrets.js');
    const file = newStateFile(withSqlServer(cleanServer(), 12));
    const host = await createSimHost(file);
    const ctx = {
      secrets: new MapSecretStore([]),
      signal: new AbortController().signal,
      timeoutMs: 1000,
      onOutput: () => undefined,
    };
    const old = "SELECT value FROM STRING_SPLIT(@roleList, N',')";
    await expect(
      host.apply(
        actionSchema.parse({
          kind: 'sql',
          describe: 'old',
          connection: { server: 'localhost', auth: 'windows' },
          batch: old,
        }),
        ctx,
      ),
    ).rejects.toThrow(/208/);
    await host.close();
  });

  it('SQL Server 2008 R2 is refused with a clear message naming the version', async () => {
    const file = newStateFile(withSqlServer(cleanServer(), 10, 100));
    const r = await sim('plan', file, exampleAnswers()).catch((e: Error) => e);
    const err = r instanceof Error ? r : undefined;
    expect(err?.message ?? JSON.stringify(r)).toMatch(/version 10\.x .*SQL Server 2012/);
  });
});

describe('products by display name (PowerShell -like)', () => {
  // Display names as Programs and Features lists them (Microsoft's VC++ redistributable
  // installers: https://learn.microsoft.com/cpp/windows/latest-supported-vc-redist).
  const vc = productPattern('vcredist-x64')!;
  const matches = (name: string, version: string) =>
    psLike(name, vc.pattern) && (!vc.versionLike || psLike(version, vc.versionLike));
  it('the 14.x runtime counts; the 2013 (12.0) and 2012 (11.0) runtimes do not', () => {
    expect(
      matches('Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.38.33135', '14.38.33135.0'),
    ).toBe(true);
    expect(
      matches('Microsoft Visual C++ 2015-2019 Redistributable (x64) - 14.29.30133', '14.29.30133.0'),
    ).toBe(true);
    expect(matches('Microsoft Visual C++ 2013 Redistributable (x64) - 12.0.40664', '12.0.40664.0')).toBe(
      false,
    );
    expect(matches('Microsoft Visual C++ 2012 Redistributable (x64) - 11.0.61030', '11.0.61030.0')).toBe(
      false,
    );
    expect(
      matches('Microsoft Visual C++ 2015-2022 Redistributable (x86) - 14.38.33135', '14.38.33135.0'),
    ).toBe(false);
  });
});

describe('PowerShell that gives no JSON (item 11)', () => {
  const cases: [string, string, string, RegExp][] = [
    ['empty (script blocked)', '', '', /gave no answer/],
    [
      'constrained language mode',
      '',
      'Cannot invoke method. Method invocation is supported only on core types in this language mode.',
      /language mode/,
    ],
    [
      'a policy message instead of JSON',
      'File cannot be loaded because running scripts is disabled on this system.',
      '',
      /not JSON/,
    ],
    ['JSON null', 'null', '', /not a JSON object/],
  ];
  for (const [name, stdout, stderr, re] of cases)
    it(`${name}: a clear error naming PowerShell and what to check`, () => {
      let err: (Error & { code?: string; fix?: string }) | undefined;
      try {
        parsePsJson('portOwner', stdout, stderr, 1);
      } catch (e) {
        err = e as Error & { code?: string; fix?: string };
      }
      expect(err?.code).toBe('POWERSHELL_NO_ANSWER');
      expect(err?.message).toMatch(/Windows PowerShell/);
      expect(err?.message).toMatch(re);
      expect(err?.message).not.toMatch(/Cannot read properties/);
      expect(err?.fix).toMatch(/execution policy.*AppLocker.*FullLanguage/s);
    });
  it('a JSON object passes through, with or without a BOM', () => {
    expect(parsePsJson('x', '\uFEFF{"inUse":false}\r\n')).toEqual({ inUse: false });
  });
});
