import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { UpgradeEvent } from '../../electron/app/upgrade/context.js';
import type { UpgradePhase } from '../../electron/engine/upgrade/phases.js';
import type { UpgradeHostKit } from '../../electron/ipc/upgrade-engine.js';
import { engineUpgradeEventSchema } from '../../electron/ipc/upgrade-contract.js';

/**
 * An upgrade host kit that replays the event stream a real posix upgrade sent (recorded by
 * test/package/unattended-upgrade.test.ts with RECORD_UPGRADE_EVENTS=1: fixture v1 -> 3.1.1.5 on
 * real nginx/PostgreSQL). Each event is parsed with the wizard's schema, itself checked against the
 * engine's type at compile time, so the recording cannot drift from what the engine sends. Used
 * where a real upgrade is too slow (the renderer test) or the host is the sim.
 */
export const RECORDING = path.resolve('test/fixtures/upgrade-events/posix-3.1.1.4-to-3.1.1.5.json');

const recordingSchema = z.object({
  recordedAt: z.string(),
  events: z.array(engineUpgradeEventSchema),
  result: z.object({ message: z.string(), backupDir: z.string() }).passthrough(),
});

export function loadRecording() {
  return recordingSchema.parse(JSON.parse(readFileSync(RECORDING, 'utf8')));
}

export interface ReplayControl {
  /** The bundle's release as the kit reports it (a wrong one is a refusal). */
  bundleRelease: string;
  /** Stop before this phase starts and wait for Cancel (then replay a rollback). */
  holdBefore?: UpgradePhase['id'];
  /** Called once the replay is held. */
  onHeld?: () => void;
  /** Extra events to send first (e.g. a log line holding a secret, to prove redaction). */
  prefix?: UpgradeEvent[];
  /** Free and needed bytes for the backup room check. */
  freeBytes: number;
  neededBytes: number;
}

export function replayKit(control: ReplayControl): UpgradeHostKit {
  const rec = loadRecording();
  return {
    backupRoom: () => Promise.resolve({ freeBytes: control.freeBytes, neededBytes: control.neededBytes }),
    bundleRelease: () => Promise.resolve({ release: control.bundleRelease }),
    async run(o) {
      for (const e of control.prefix ?? []) o.onEvent(e);
      for (const e of rec.events) {
        if (
          control.holdBefore &&
          e.type === 'upgrade-phase' &&
          e.id === control.holdBefore &&
          e.state === 'start'
        ) {
          control.onHeld?.();
          await new Promise<void>((resolve) => o.signal.addEventListener('abort', () => resolve()));
          // What the engine's rollback reports (electron/app/upgrade/rollback.ts), in its order.
          o.onEvent({
            type: 'rollback',
            describe: `Restore the database from ${rec.result.backupDir}/database.dump (pg_restore --clean)`,
          });
          o.onEvent({ type: 'rollback', describe: 'nginx proxies to the workers again (maintenance off)' });
          return {
            ok: false,
            exitCode: 130,
            message: `The upgrade ${o.from} -> ${o.to} was cancelled. Rolled back: ${o.from} is running again with its database as it was. The backup is in ${rec.result.backupDir}.`,
            failedPhase: control.holdBefore,
            rolledBack: true,
            backupDir: rec.result.backupDir,
            wallMs: 0,
            phaseMs: {},
          };
        }
        o.onEvent(e);
      }
      return {
        ok: true,
        exitCode: 0,
        message: rec.result.message,
        rolledBack: false,
        backupDir: rec.result.backupDir,
        wallMs: 0,
        phaseMs: {},
      };
    },
  };
}
