import type { GraphNode } from './schedule.js';

/**
 * The graph a run schedules: only the steps it runs (`included`), each waiting for the nearest
 * included steps it depends on, looking through steps left out (a skipped step's own dependencies
 * still hold for whoever depends on it). `reverse` turns it round for uninstall: a step is undone
 * only after every step that depends on it has been undone. Nodes stay in `ordered`'s order.
 */
export function graphOf<T extends GraphNode>(
  ordered: readonly T[],
  included: ReadonlySet<string>,
  reverse = false,
): { node: T; id: string; dependsOn: string[] }[] {
  const byId = new Map(ordered.map((s) => [s.id, s]));
  const nearest = new Map<string, Set<string>>();
  const reach = (id: string): Set<string> => {
    const known = nearest.get(id);
    if (known) return known;
    const out = new Set<string>();
    nearest.set(id, out);
    for (const d of byId.get(id)?.dependsOn ?? []) {
      if (included.has(d)) out.add(d);
      else for (const x of reach(d)) out.add(x);
    }
    return out;
  };
  const forward = new Map(ordered.filter((s) => included.has(s.id)).map((s) => [s.id, [...reach(s.id)]]));
  const deps = new Map<string, string[]>();
  for (const id of forward.keys()) deps.set(id, []);
  for (const [id, on] of forward)
    for (const d of on) (reverse ? deps.get(d)! : deps.get(id)!).push(reverse ? id : d);
  const nodes = ordered.filter((s) => included.has(s.id));
  return (reverse ? [...nodes].reverse() : nodes).map((node) => ({
    node,
    id: node.id,
    dependsOn: deps.get(node.id)!,
  }));
}
