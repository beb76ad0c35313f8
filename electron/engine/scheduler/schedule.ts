import { CancelledError } from '../errors.js';

/** One unit of the graph (a step): its id and the ids it waits for. */
export interface GraphNode {
  id: string;
  dependsOn: readonly string[];
}

/** How a node's run ended. */
export type NodeOutcome =
  /** Done; `defer` holds back everything that depends on it (a reboot is needed first). */
  | { ok: true; defer?: boolean }
  /** Failed or cancelled: nothing new starts; what is in flight finishes. */
  | { ok: false };

export interface ScheduleOptions<T extends GraphNode> {
  /** In dependency order (the order a sequential run takes and the plan shows). */
  nodes: readonly T[];
  /** At most this many nodes run at once; 1 is a sequential run. */
  jobs: number;
  signal: AbortSignal;
  /** Runs one node; `index` is its place in `nodes`. A throw counts as a failure. */
  run(node: T, index: number): Promise<NodeOutcome>;
  /**
   * A node held back by a deferring dependency, called when a sequential run would have reached it
   * (every node before it has finished or been held), so `jobs: 1` reports in the same order.
   */
  onHeld?(node: T, index: number): void;
}

export interface ScheduleResult<T> {
  /** Nodes that ran, in the order they finished. */
  finished: T[];
  /** Held back because a node they depend on asked to defer (a reboot). */
  deferred: T[];
  /** Never started because the run stopped (a failure or cancel), in dependency order. */
  notStarted: T[];
  /** Set when a node failed or the run was cancelled. */
  stopped: boolean;
}

/**
 * Runs a dependency graph with independent nodes at once, up to `jobs` in flight. A node starts
 * when every node it depends on (among `nodes`; ids outside it count as done, e.g. skipped steps)
 * has finished; among the ready ones the earliest in `nodes` starts first, so `jobs: 1` runs
 * exactly `nodes` in order. After a failure or a cancel nothing new starts and the nodes in flight
 * are awaited, so no work is abandoned half-way.
 */
export async function runSchedule<T extends GraphNode>(o: ScheduleOptions<T>): Promise<ScheduleResult<T>> {
  const jobs = Math.max(1, Math.floor(o.jobs));
  const inGraph = new Set(o.nodes.map((n) => n.id));
  const done = new Set<string>();
  const held = new Set<string>();
  const started = new Set<string>();
  const finished: T[] = [];
  const settled = new Set<string>();
  const reportedHeld = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  const waitsOn = (n: T) => n.dependsOn.filter((d) => inGraph.has(d));
  const isReady = (n: T) => waitsOn(n).every((d) => done.has(d));

  // A node held back by a deferring dependency holds back its own dependents too.
  const holdBack = () => {
    let grew = true;
    while (grew) {
      grew = false;
      for (const n of o.nodes) {
        if (held.has(n.id) || started.has(n.id)) continue;
        if (waitsOn(n).some((d) => held.has(d))) {
          held.add(n.id);
          grew = true;
        }
      }
    }
  };

  const reportHeld = (all: boolean) => {
    for (const [index, n] of o.nodes.entries()) {
      if (held.has(n.id)) {
        if (!reportedHeld.has(n.id)) {
          reportedHeld.add(n.id);
          o.onHeld?.(n, index);
        }
      } else if (!settled.has(n.id) && !all) return;
    }
  };

  const launch = () => {
    reportHeld(false);
    if (o.signal.aborted) stopped = true;
    if (stopped) return;
    for (const [index, n] of o.nodes.entries()) {
      if (running.size >= jobs) return;
      if (started.has(n.id) || held.has(n.id) || !isReady(n)) continue;
      started.add(n.id);
      const p = o.run(n, index).then(
        (outcome) => settle(n, outcome),
        () => settle(n, { ok: false }),
      );
      running.set(n.id, p);
    }
  };

  const settle = (n: T, outcome: NodeOutcome) => {
    running.delete(n.id);
    finished.push(n);
    settled.add(n.id);
    if (!outcome.ok) {
      stopped = true;
      return;
    }
    done.add(n.id);
    if (outcome.defer) {
      // Its dependents wait for the reboot, not for it: mark them held as if it had not finished.
      for (const m of o.nodes) if (!started.has(m.id) && waitsOn(m).includes(n.id)) held.add(m.id);
      holdBack();
    }
    launch();
  };

  launch();
  while (running.size) await Promise.race(running.values());
  if (o.signal.aborted) stopped = true;
  reportHeld(true);
  const notStarted = o.nodes.filter((n) => !started.has(n.id) && !held.has(n.id));
  return { finished, deferred: o.nodes.filter((n) => held.has(n.id)), notStarted, stopped };
}

/** Rejects with CancelledError as soon as the signal aborts, whatever `work` is doing. */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new CancelledError());
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new CancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
}
