import { InstallerError } from './errors.js';

interface Node {
  id: string;
  dependsOn: readonly string[];
}

/**
 * Orders steps so each comes after everything it depends on (Kahn's algorithm); ties keep the
 * profile's order, so plans are stable. A cycle or an unknown dependency is a bug in the profile.
 */
export function orderSteps<T extends Node>(steps: readonly T[]): T[] {
  const byId = new Map<string, T>();
  for (const s of steps) {
    if (byId.has(s.id)) throw new InstallerError('STEP_DUPLICATE', `Two steps have the id "${s.id}".`);
    byId.set(s.id, s);
  }
  for (const s of steps) {
    for (const d of s.dependsOn) {
      if (!byId.has(d))
        throw new InstallerError(
          'STEP_UNKNOWN_DEPENDENCY',
          `Step "${s.id}" depends on "${d}", which is not in the profile.`,
        );
    }
  }
  const done = new Set<string>();
  const ordered: T[] = [];
  while (ordered.length < steps.length) {
    const next = steps.find((s) => !done.has(s.id) && s.dependsOn.every((d) => done.has(d)));
    if (!next) {
      const left = steps.filter((s) => !done.has(s.id));
      throw new InstallerError(
        'STEP_CYCLE',
        `Steps depend on each other in a cycle: ${describeCycle(left, byId)}.`,
      );
    }
    done.add(next.id);
    ordered.push(next);
  }
  return ordered;
}

/** Follow unmet dependencies from any remaining step until one repeats: that loop is the cycle. */
function describeCycle<T extends Node>(left: T[], byId: Map<string, T>): string {
  const remaining = new Set(left.map((s) => s.id));
  const path: string[] = [];
  let current = left[0]!.id;
  while (!path.includes(current)) {
    path.push(current);
    current = byId.get(current)!.dependsOn.find((d) => remaining.has(d))!;
  }
  return [...path.slice(path.indexOf(current)), current].join(' → ');
}

/** Every step that depends on `id`, directly or through others. */
export function dependentsOf<T extends Node>(steps: readonly T[], id: string): Set<string> {
  const out = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of steps) {
      if (!out.has(s.id) && s.dependsOn.some((d) => d === id || out.has(d))) {
        out.add(s.id);
        grew = true;
      }
    }
  }
  return out;
}
