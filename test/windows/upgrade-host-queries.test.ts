import { afterEach, describe, expect, it } from 'vitest';
import { readWindowsInstalled, windowsUpgradeFacts } from '../../electron/app/upgrade/windows-preflight.js';
import { layoutOn } from '../../electron/app/upgrade/windows-phases.js';
import type { Host } from '../../electron/engine/host.js';
import type { Query } from '../../electron/engine/queries.js';
import { writeSimFile } from '../../electron/hosts/sim/effects.js';
import { createSimHost } from '../../electron/hosts/sim/host.js';
import { cleanServer, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { simWindows } from '../../electron/hosts/sim/windows/state.js';
import { powershell } from '../../electron/hosts/windows/argv.js';
import { PS } from '../../electron/hosts/windows/scripts.js';
import { databaseSizeFromRows, PROBE_DATABASE_SIZE, runSqlBatch } from '../../electron/hosts/windows/sql.js';
import { loadCatalogFrom } from '../../electron/cli/prepare.js';
import { adminConnection } from '../../electron/windows/names.js';
import { askWindows } from '../../electron/windows/topics.js';
import { startTdsServer, type TdsServer } from '../support/tds/server.js';
import { tdsSecrets, tdsTarget } from '../support/tds/target.js';
import { exampleAnswers, newStateFile } from '../support/windows-sim.js';

/**
 * The upgrade preflight's facts come from host queries every host answers (`sqlDatabaseSize`,
 * `folderSize`), not from the sim's state file: the sim answers them here, the real host's SQL
 * batch goes through the real mssql client to the TDS test server, and its PowerShell text is
 * checked against the rules (no PowerShell on this machine to run it).
 */

let tds: TdsServer | undefined;
afterEach(async () => {
  await tds?.close();
  tds = undefined;
});

function server() {
  const s = withExistingSql(cleanServer());
  simWindows(s).sql.databases.qatrackplus = { users: {}, denied: {}, sizeBytes: 3 * 1024 ** 3 };
  writeSimFile(s, 'D:\\QATrackData\\media\\uploads\\scan 1.dcm', 'DICM test'); // 9 bytes
  writeSimFile(s, 'D:\\QATrackData\\media\\uploads\\deep\\x.pdf', '%PDF-1.7 hello'); // 14 bytes
  writeSimFile(s, 'D:\\QATrackData\\elsewhere.txt', 'not media');
  return newStateFile(s);
}

describe('sqlDatabaseSize and folderSize on the sim host', () => {
  it('answers from the sim state: the database size, media bytes and file count; absent ones as such', async () => {
    const host = await createSimHost(server(), { readOnly: true });
    try {
      const { answers } = exampleAnswers();
      const conn = adminConnection(answers);
      expect(
        await askWindows(host, 'sqlDatabaseSize', { connection: conn, database: 'qatrackplus' }),
      ).toEqual({ exists: true, bytes: 3 * 1024 ** 3 });
      expect(await askWindows(host, 'sqlDatabaseSize', { connection: conn, database: 'nope' })).toEqual({
        exists: false,
        bytes: 0,
      });
      // NTFS paths: any case, either separator.
      expect(await askWindows(host, 'folderSize', { path: 'd:/qatrackdata/MEDIA' })).toEqual({
        exists: true,
        bytes: 9 + 14,
        files: 2,
      });
      expect(
        await askWindows(host, 'folderSize', { path: 'D:\\QATrackData\\media\\uploads\\scan 1.dcm' }),
      ).toEqual({ exists: false, bytes: 0, files: 0 });
      expect(await askWindows(host, 'folderSize', { path: 'D:\\Nowhere' })).toEqual({
        exists: false,
        bytes: 0,
        files: 0,
      });
    } finally {
      await host.close();
    }
  });

  it('windowsUpgradeFacts takes any host with query: the backup needs database + media, as asked', async () => {
    const sim = await createSimHost(server(), { readOnly: true });
    try {
      const { answers } = exampleAnswers((a) => (a.paths.bundleDir = 'E:\\bundle'));
      const layout = layoutOn(answers, loadCatalogFrom(undefined, '3.1.1.4'), answers.paths.installDir);
      const asked: Query[] = [];
      // Only `query`: what the real Windows host offers too. Every question is passed to the sim.
      const host: Pick<Host, 'query'> = {
        query: ((q: Query) => {
          asked.push(q);
          return sim.query(q);
        }) as Host['query'],
      };
      const facts = await windowsUpgradeFacts(host, answers, layout);
      expect(facts.backupNeededBytes).toBe(3 * 1024 ** 3 + 23);
      expect(facts.bundle).toEqual({
        problem: 'E:\\bundle\\manifest.json was not found or names no release',
      });
      const topics = asked.filter((q) => q.kind === 'windows');
      expect(topics).toEqual([
        {
          kind: 'windows',
          topic: 'sqlDatabaseSize',
          args: { connection: adminConnection(answers), database: answers.database.name },
        },
        { kind: 'windows', topic: 'folderSize', args: { path: layout.mediaRoot } },
        { kind: 'windows', topic: 'diskFree', args: { path: layout.backupDir } },
      ]);
      expect(facts.backupFreeBytes).toBe(200 * 1024 ** 3); // the sim's one disk
      expect((await readWindowsInstalled(host, layout, '3.1.1.4')).source).toBe('answers');
    } finally {
      await sim.close();
    }
  });
});

describe("diskFree: the backup folder's drive, not the C: drive", () => {
  it('the free space comes from diskFree on the backup folder; a drive the server cannot read falls back to osInfo', async () => {
    const sim = await createSimHost(server(), { readOnly: true });
    try {
      const { answers } = exampleAnswers((a) => (a.paths.bundleDir = 'E:\\bundle'));
      const layout = layoutOn(answers, loadCatalogFrom(undefined, '3.1.1.4'), answers.paths.installDir);
      expect(layout.backupDir).toBe('E:\\QATrackBackups');
      // A host whose E: has less room than C: (what osInfo reports).
      const withDisk = (disk: { known: boolean; freeBytes: number }): Pick<Host, 'query'> => ({
        query: ((q: Query) =>
          q.kind === 'windows' && q.topic === 'diskFree'
            ? Promise.resolve({ supported: true, value: disk })
            : sim.query(q)) as Host['query'],
      });
      const small = await windowsUpgradeFacts(withDisk({ known: true, freeBytes: 5_000 }), answers, layout);
      expect(small.backupFreeBytes).toBe(5_000);
      const unknown = await windowsUpgradeFacts(withDisk({ known: false, freeBytes: 0 }), answers, layout);
      expect(unknown.backupFreeBytes).toBe(200 * 1024 ** 3);
    } finally {
      await sim.close();
    }
  });

  it('the script asks the FileSystemObject for the drive or share of the path and answers JSON from an object', () => {
    const text = PS.diskFree;
    expect(text).toContain('$fso.GetDriveName($in.path)');
    expect(text).toContain('$d.AvailableSpace');
    expect(text).toMatch(
      /\[pscustomobject\]@\{ known = \$true; freeBytes = .*\} \| ConvertTo-Json -Compress/,
    );
    const cmd = powershell('diskFree', { path: '\\\\nas01\\backups\\qatrack' });
    expect(cmd.args.join(' ')).not.toContain('nas01');
  });
});

describe('sqlDatabaseSize on the real host: the batch through the real mssql client', () => {
  it('one fixed batch, the name only as a parameter; the bigint row tedious decodes is read as bytes', async () => {
    // A 3 GiB data file + a 1 GiB log: 393216 + 131072 pages of 8 KB, summed by the server.
    const bytes = (393216n + 131072n) * 8192n;
    tds = await startTdsServer({
      resultFor: () => ({
        columns: [
          { name: 'databaseExists', type: 'bit' },
          { name: 'sizeBytes', type: 'bigint' },
        ],
        rows: [[true, bytes]],
      }),
    });
    const db = "qa]track'31";
    const sets = await runSqlBatch(
      tdsTarget(tds.port),
      PROBE_DATABASE_SIZE,
      { db: { type: 'nvarchar', value: db } },
      tdsSecrets(),
    );
    const [req] = tds.requests;
    expect(req!.procedure).toBe('sp_executesql');
    expect(req!.sql).toBe(PROBE_DATABASE_SIZE);
    expect(req!.params).toEqual({ db });
    expect(PROBE_DATABASE_SIZE).not.toContain(db);
    // size is in 8-KB pages (sys.master_files); summed as bigint before the multiplication.
    expect(PROBE_DATABASE_SIZE).toMatch(/SUM\(CAST\(size AS bigint\)\) \* 8192 FROM sys\.master_files/);
    expect(PROBE_DATABASE_SIZE).toContain('WHERE database_id = DB_ID(@db)');
    // tedious hands bigint over as a string: read exactly.
    expect(typeof sets[0]![0]!.sizeBytes).toBe('string');
    expect(databaseSizeFromRows(sets[0])).toEqual({ exists: true, bytes: Number(bytes) });
  });

  it('no such database: the server says databaseExists 0 and the size is 0', async () => {
    tds = await startTdsServer({
      resultFor: () => ({
        columns: [
          { name: 'databaseExists', type: 'bit' },
          { name: 'sizeBytes', type: 'bigint' },
        ],
        rows: [[false, 0n]],
      }),
    });
    const sets = await runSqlBatch(
      tdsTarget(tds.port),
      PROBE_DATABASE_SIZE,
      { db: { type: 'nvarchar', value: 'gone' } },
      tdsSecrets(),
    );
    expect(databaseSizeFromRows(sets[0])).toEqual({ exists: false, bytes: 0 });
  });

  it('the SqlClient script answer (Windows authentication): one row, unwrapped or not, bigint as a number', () => {
    // ConvertTo-Json writes Int64 as a JSON number and Boolean as true/false.
    expect(databaseSizeFromRows([{ databaseExists: true, sizeBytes: 4294967296 }])).toEqual({
      exists: true,
      bytes: 4294967296,
    });
    expect(databaseSizeFromRows({ databaseExists: true, sizeBytes: 8192 })).toEqual({
      exists: true,
      bytes: 8192,
    });
    expect(() => databaseSizeFromRows([{ databaseExists: true, sizeBytes: 'x' }])).toThrow(/database size/);
  });
});

describe('folderSize PowerShell', () => {
  it('Get-ChildItem -LiteralPath -Recurse -File -Force | Measure-Object Length -Sum, answered as an object in JSON', () => {
    const text = PS.folderSize;
    expect(text).toContain('Get-ChildItem -LiteralPath $in.path -Recurse -File -Force');
    expect(text).toContain('Measure-Object -Property Length -Sum');
    expect(text).toMatch(
      /\[pscustomobject\]@\{ exists = \$true; bytes = .*files = .*\} \| ConvertTo-Json -Compress/,
    );
    expect(text).toContain(`'{"exists":false,"bytes":0,"files":0}'`);
    // The path reaches the script as JSON on stdin, never on its command line.
    const path = "D:\\QATrack Data\\media ('x'; $y)";
    const cmd = powershell('folderSize', { path });
    expect(cmd.args.join(' ')).not.toContain('QATrack Data');
    expect(cmd.stdinJson).toEqual({ path });
  });
});
