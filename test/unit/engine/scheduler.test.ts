import { describe, expect, it } from 'vitest';
import type { Action } from '../../../electron/engine/actions/index.js';
import { CancelledError } from '../../../electron/engine/errors.js';
import { CLAIM, ClaimTable, claimsFor } from '../../../electron/engine/scheduler/claims.js';
import { graphOf } from '../../../electron/engine/scheduler/graph.js';
import { OverallProgress } from '../../../electron/engine/scheduler/progress.js';
import { runSchedule, type NodeOutcome } from '../../../electron/engine/scheduler/schedule.js';

const node = (id: string, ...dependsOn: string[]) => ({ id, dependsOn });
const tick = () => new Promise((r) => setTimeout(r, 5));

/** Runs a schedule whose nodes each wait a few ms, recording starts, ends and the most in flight. */
async function trace(
  nodes: ReturnType<typeof node>[],
  jobs: number,
  outcome: (id: string) => NodeOutcome = () => ({ ok: true }),
) {
  const log: string[] = [];
  const held: string[] = [];
  let inFlight = 0;
  let most = 0;
  const result = await runSchedule({
    nodes,
    jobs,
    signal: new AbortController().signal,
    run: async (n) => {
      log.push(`start ${n.id}`);
      most = Math.max(most, ++inFlight);
      await tick();
      inFlight--;
      log.push(`end ${n.id}`);
      return outcome(n.id);
    },
    onHeld: (n) => held.push(n.id),
  });
  return { log, held, most, result };
}

describe('runSchedule', () => {
  const diamond = [node('a'), node('b', 'a'), node('c', 'a'), node('d', 'b', 'c'), node('e')];

  it('jobs 1 runs the nodes exactly in the given order, one at a time', async () => {
    const { log, most } = await trace(diamond, 1);
    expect(log).toEqual(['a', 'b', 'c', 'd', 'e'].flatMap((id) => [`start ${id}`, `end ${id}`]));
    expect(most).toBe(1);
  });

  it('runs independent nodes at once, never more than jobs, and each only after what it depends on', async () => {
    const { log, most } = await trace(diamond, 2);
    expect(most).toBe(2);
    const at = (what: string) => log.indexOf(what);
    for (const [n, deps] of [
      ['b', ['a']],
      ['c', ['a']],
      ['d', ['b', 'c']],
    ] as const)
      for (const d of deps) expect(at(`start ${n}`)).toBeGreaterThan(at(`end ${d}`));
    // a and e have no dependencies: they start together.
    expect(log.slice(0, 2)).toEqual(['start a', 'start e']);
  });

  it('after a failure starts nothing new, lets the node in flight finish and lists what never started', async () => {
    const { log, result } = await trace([node('a'), node('b'), node('c', 'a'), node('d')], 2, (id) =>
      id === 'a' ? { ok: false } : { ok: true },
    );
    expect(log).toContain('end b');
    expect(log).not.toContain('start c');
    expect(log).not.toContain('start d');
    expect(result.stopped).toBe(true);
    expect(result.notStarted.map((n) => n.id)).toEqual(['c', 'd']);
  });

  it('a deferring node holds back its dependents (transitively), not the independent ones', async () => {
    const nodes = [node('a'), node('b', 'a'), node('c', 'b'), node('d')];
    const seq = await trace(nodes, 1, (id) => ({ ok: true, defer: id === 'a' }));
    const par = await trace(nodes, 3, (id) => ({ ok: true, defer: id === 'a' }));
    for (const { log, held, result } of [seq, par]) {
      expect(log.filter((l) => l.startsWith('start'))).toEqual(
        expect.arrayContaining(['start a', 'start d']),
      );
      expect(log).not.toContain('start b');
      expect(held).toEqual(['b', 'c']);
      expect(result.deferred.map((n) => n.id)).toEqual(['b', 'c']);
      expect(result.stopped).toBe(false);
    }
    // Sequentially, held nodes are reported where the run reaches them: before d runs.
    expect(seq.log).toEqual(['start a', 'end a', 'start d', 'end d']);
  });

  it('cancel: nothing new starts after the abort and the nodes in flight are awaited', async () => {
    const controller = new AbortController();
    const log: string[] = [];
    const result = await runSchedule({
      nodes: [node('a'), node('b'), node('c', 'a')],
      jobs: 2,
      signal: controller.signal,
      run: async (n) => {
        log.push(`start ${n.id}`);
        if (n.id === 'a') controller.abort();
        await tick();
        log.push(`end ${n.id}`);
        return { ok: true };
      },
    });
    expect(log).toEqual(['start a', 'start b', 'end a', 'end b']);
    expect(result.stopped).toBe(true);
    expect(result.notStarted.map((n) => n.id)).toEqual(['c']);
  });
});

describe('graphOf', () => {
  const steps = [node('a'), node('b', 'a'), node('c', 'b'), node('d')];

  it('looks through a step left out to the steps it depends on', () => {
    const g = graphOf(steps, new Set(['a', 'c', 'd']));
    expect(g.map((n) => [n.id, n.dependsOn])).toEqual([
      ['a', []],
      ['c', ['a']],
      ['d', []],
    ]);
  });

  it('reversed for uninstall: a step waits for every step that depends on it', () => {
    const g = graphOf(steps, new Set(['a', 'b', 'c', 'd']), true);
    expect(g.map((n) => [n.id, n.dependsOn])).toEqual([
      ['d', []],
      ['c', []],
      ['b', ['c']],
      ['a', ['b']],
    ]);
  });
});

describe('claims', () => {
  const exec = (file: string, args: string[] = [], produces?: any[]): Action => ({
    kind: 'exec',
    describe: 'x',
    file,
    args,
    ...(produces ? { produces } : {}),
  });

  it('msiexec and any exec that installs or removes a Windows Installer product claim the one MSI mutex', () => {
    expect(claimsFor(exec('C:\\Windows\\System32\\msiexec.exe', ['/i', 'x.msi']))).toEqual([CLAIM.msi]);
    expect(claimsFor(exec('C:\\Windows\\System32\\MSIEXEC.EXE'))).toEqual([CLAIM.msi]);
    expect(
      claimsFor(
        exec('D:\\stage\\python-3.9.13-amd64.exe', ['/quiet'], [{ kind: 'product', id: 'p', version: '1' }]),
      ),
    ).toEqual([CLAIM.msi]);
    expect(
      claimsFor(exec('D:\\stage\\python.exe', ['/uninstall'], [{ kind: 'productRemoved', id: 'p' }])),
    ).toEqual([CLAIM.msi]);
    // Unpacking SQL Express (a self-extractor, no product) runs beside everything.
    expect(
      claimsFor(exec('D:\\stage\\SQLEXPR.exe', ['/x:D:\\s'], [{ kind: 'file', path: 'D:\\s\\setup.exe' }])),
    ).toEqual([]);
  });

  it('Django commands claim their database; other execs claim nothing', () => {
    const hints = { database: 'QATrack' };
    expect(
      claimsFor(exec('C:\\venv\\Scripts\\python.exe', ['C:\\app\\manage.py', 'migrate']), hints),
    ).toEqual(['database:qatrack']);
    expect(claimsFor(exec('/venv/bin/python', ['/app/manage.py', 'collectstatic']), hints)).toEqual([
      'database:qatrack',
    ]);
    expect(claimsFor(exec('C:\\venv\\Scripts\\python.exe', ['-c', 'print(1)']), hints)).toEqual([]);
  });

  it('IIS changes claim the IIS configuration; SQL claims the database it changes', () => {
    expect(claimsFor({ kind: 'iis', op: 'removeSite', describe: 'x', name: 's' })).toEqual([CLAIM.iisConfig]);
    const sql = (effect?: any, database?: string) =>
      ({
        kind: 'sql',
        describe: 'x',
        connection: { server: 'localhost', auth: 'windows', ...(database ? { database } : {}) },
        batch: 'SELECT 1',
        params: {},
        ...(effect ? { effect } : {}),
      }) as Action;
    expect(claimsFor(sql({ kind: 'database', name: 'qatrack' }))).toEqual(['database:qatrack']);
    expect(claimsFor(sql({ kind: 'user', login: 'l', database: 'QATRACK', roles: [] }))).toEqual([
      'database:qatrack',
    ]);
    expect(claimsFor(sql({ kind: 'login', name: 'l' }))).toEqual([]);
    expect(claimsFor(sql(undefined, 'other'))).toEqual(['database:other']);
    expect(claimsFor({ kind: 'mkdir', describe: 'x', path: 'C:\\x' })).toEqual([]);
  });

  it('the claim table never lets two holders share a claim, serves waiters in order, and lets other claims pass', async () => {
    const table = new ClaimTable();
    const order: string[] = [];
    const first = await table.acquire(['msi'], 'python');
    const second = table.acquire(['msi'], 'odbc').then((r) => (order.push('odbc'), r));
    const third = table.acquire(['msi'], 'chrome').then((r) => (order.push('chrome'), r));
    const other = await table.acquire(['iis-config'], 'iis');
    order.push('iis');
    expect(table.holder('msi')).toBe('python');
    first();
    (await second)();
    (await third)();
    other();
    expect(order).toEqual(['iis', 'odbc', 'chrome']);
    expect(table.holder('msi')).toBeUndefined();
  });

  it('a waiter that needs a held claim is not overtaken on it by a later one', async () => {
    const table = new ClaimTable();
    const a = await table.acquire(['msi'], 'a');
    const granted: string[] = [];
    const b = table.acquire(['msi', 'iis-config'], 'b').then((r) => (granted.push('b'), r));
    const c = table.acquire(['iis-config'], 'c').then((r) => (granted.push('c'), r));
    await tick();
    expect(granted).toEqual([]);
    a();
    (await b)();
    (await c)();
    expect(granted).toEqual(['b', 'c']);
  });

  it('a cancel while waiting rejects with CancelledError and gives nothing away', async () => {
    const table = new ClaimTable();
    const held = await table.acquire(['msi'], 'a');
    const controller = new AbortController();
    const waiting = table.acquire(['msi'], 'b', controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    expect(table.holder('msi')).toBe('a');
    held();
    expect(table.holder('msi')).toBeUndefined();
  });
});

describe('OverallProgress', () => {
  it('counts finished steps whole and steps in flight by their fraction, never going back', () => {
    const p = new OverallProgress(4);
    expect(p.step('a', 0.5)).toBe(0.125);
    expect(p.step('b', 0.5)).toBe(0.25);
    expect(p.settle('a')).toBe(0.375);
    expect(p.step('b', 0.25)).toBe(0.375);
    expect(p.settle('b')).toBe(0.5);
    p.settle('c');
    expect(p.settle('d')).toBe(1);
  });
});
