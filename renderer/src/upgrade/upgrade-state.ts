import type { UpgradeEnd, UpgradeIpcEvent, UpgradeReview } from '../../../electron/ipc/contract.js';
import { plainText } from '../words.js';

export type PhaseStatus = 'waiting' | 'running' | 'done' | 'failed';

export interface UpgradeRunView {
  phases: { id: string; describe: string; status: PhaseStatus; ms?: number }[];
  /** One line per migration applied ("qa.0002_unit_code"). */
  migrations: string[];
  backup?: { dir: string; bytes: number; ms: number };
  /** What the rollback did, in order. */
  rollback: string[];
  log: string[];
  end?: UpgradeEnd;
}

const MAX_LOG = 2000;

/** The review's phases, all waiting: what Progress shows before the first event. */
export const emptyUpgradeRun = (review?: UpgradeReview): UpgradeRunView => ({
  phases: (review?.phases ?? []).map((p) => ({ ...p, status: 'waiting' })),
  migrations: [],
  rollback: [],
  log: [],
});

/** Folds the engine's upgrade events into what the progress and finish pages show. */
export function reduceUpgrade(v: UpgradeRunView, e: UpgradeIpcEvent): UpgradeRunView {
  const log = (line: string) => [...v.log.slice(-(MAX_LOG - 1)), plainText(line)];
  switch (e.type) {
    case 'upgrade-phase': {
      const known = v.phases.some((p) => p.id === e.id);
      const status: PhaseStatus = e.state === 'start' ? 'running' : 'done';
      const phases = (
        known
          ? v.phases.map((p) =>
              p.id === e.id ? { ...p, status, ...(e.ms !== undefined ? { ms: e.ms } : {}) } : p,
            )
          : [...v.phases, { id: e.id, describe: e.describe, status }]
      ).map((p) =>
        // The engine starts a phase only after its preflight (the caller's checkUpgrade) passed.
        p.id === 'preflight' && p.status === 'waiting' ? { ...p, status: 'done' as const } : p,
      );
      return { ...v, phases, log: e.state === 'start' ? log(`== ${e.describe}`) : v.log };
    }
    case 'migration': {
      const name = `${e.app}.${e.name}${e.faked ? ' (faked)' : ''}`;
      return { ...v, migrations: [...v.migrations, name], log: log(`   applied ${name}`) };
    }
    case 'backup':
      return {
        ...v,
        backup: { dir: e.dir, bytes: e.bytes, ms: e.ms },
        log: log(`   backup ${e.dir}: ${bytesInWords(e.bytes)}`),
      };
    case 'rollback':
      return { ...v, rollback: [...v.rollback, plainText(e.describe)], log: log(`[rollback] ${e.describe}`) };
    case 'upgrade-log':
      return { ...v, log: log(`   ${e.message}`) };
    case 'restore-copy':
      return { ...v, log: log(`   backup restored into the new database ${e.database}`) };
    case 'upgrade-end': {
      // The phase that was running when it stopped is the one that failed (or was cancelled).
      const phases = e.ok
        ? v.phases
        : v.phases.map((p) => (p.status === 'running' ? { ...p, status: 'failed' as const } : p));
      return { ...v, phases, end: e, log: log(e.message) };
    }
  }
}

/** 58962 -> "57.6 KiB": a size as people read it. */
export function bytesInWords(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let x = n;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return i === 0 ? `${n} bytes` : `${x.toFixed(1)} ${units[i]}`;
}
