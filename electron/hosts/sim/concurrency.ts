import { setTimeout as sleep } from 'node:timers/promises';
import type { Action } from '../../engine/actions/index.js';
import { CancelledError } from '../../engine/errors.js';
import { HostActionError } from '../../engine/host.js';
import { runsWindowsInstaller } from '../../engine/scheduler/claims.js';
import { simConcurrencySchema, type SimState } from './state.js';

/**
 * ERROR_INSTALL_ALREADY_RUNNING: msiexec holds the machine-wide `_MSIExecute` mutex while it runs
 * an execute sequence, and a second Windows Installer transaction started meanwhile fails with
 * 1618 "Another installation is already in progress". Sources:
 * https://learn.microsoft.com/windows/win32/msi/-msiexecute-mutex and
 * https://learn.microsoft.com/windows/win32/msi/error-codes (MsiExec.exe and InstMsi.exe error codes).
 */
export const ERROR_INSTALL_ALREADY_RUNNING = 1618;

/**
 * Actions in flight on one sim host: each takes the time the state's `latencyMs` gives it, and
 * Windows Installer transactions exclude each other as the real mutex does. What was seen is
 * recorded in `state.concurrency`.
 */
export class SimConcurrency {
  #inFlight = 0;
  #msiHolder: string | undefined;

  constructor(private readonly state: () => SimState) {}

  #record() {
    const s = this.state();
    s.concurrency ??= simConcurrencySchema.parse({});
    return s.concurrency;
  }

  /** Runs `apply` as the machine would with others in flight. */
  async run<T>(action: Action, signal: AbortSignal, apply: () => Promise<T>): Promise<T> {
    const msi = runsWindowsInstaller(action);
    const record = this.#record();
    this.#inFlight++;
    record.maxInFlight = Math.max(record.maxInFlight, this.#inFlight);
    try {
      if (msi) {
        if (this.#msiHolder !== undefined) {
          record.msiOverlaps.push({ running: this.#msiHolder, refused: action.describe });
          throw new HostActionError(
            'EXEC_FAILED',
            `"${action.describe}" exited with code ${ERROR_INSTALL_ALREADY_RUNNING}: another installation is already in progress ("${this.#msiHolder}").`,
            { exitCode: ERROR_INSTALL_ALREADY_RUNNING },
          );
        }
        this.#msiHolder = action.describe;
        record.msiTransactions++;
      }
      try {
        const latency = this.state().latencyMs;
        const ms = (msi ? latency?.msi : undefined) ?? latency?.[action.kind] ?? 0;
        // A cancelled action never lands, as a killed process leaves its change undone.
        if (ms > 0) await sleep(ms, undefined, { signal }).catch(() => undefined);
        if (signal.aborted) throw new CancelledError();
        return await apply();
      } finally {
        if (msi) this.#msiHolder = undefined;
      }
    } finally {
      this.#inFlight--;
    }
  }
}
