import { describe, expect, it } from 'vitest';
import { dependentsOf, orderSteps } from '../../../electron/engine/order.js';

const s = (id: string, ...dependsOn: string[]) => ({ id, dependsOn });

describe('step ordering', () => {
  it('puts every step after its dependencies and keeps the profile order otherwise', () => {
    const ordered = orderSteps([
      s('site', 'workers', 'iis'),
      s('workers', 'venv'),
      s('iis'),
      s('venv', 'python'),
      s('python'),
    ]);
    expect(ordered.map((x) => x.id)).toEqual(['iis', 'python', 'venv', 'workers', 'site']);
  });

  it('names the steps of a cycle', () => {
    expect(() => orderSteps([s('a'), s('b', 'c'), s('c', 'd'), s('d', 'b')])).toThrow(
      /cycle: (b → c → d → b|c → d → b → c|d → b → c → d)/,
    );
  });

  it('refuses an unknown dependency and a duplicate id', () => {
    expect(() => orderSteps([s('a', 'ghost')])).toThrow(/"a" depends on "ghost"/);
    expect(() => orderSteps([s('a'), s('a')])).toThrow(/Two steps have the id "a"/);
  });

  it('finds transitive dependents', () => {
    const steps = [s('a'), s('b', 'a'), s('c', 'b'), s('d')];
    expect([...dependentsOf(steps, 'a')].sort()).toEqual(['b', 'c']);
    expect(dependentsOf(steps, 'd').size).toBe(0);
  });
});
