import { randomUUID } from 'node:crypto';
import { InstallerError } from '../engine/errors.js';
import { Redactor } from '../engine/redactor.js';
import type { RememberedStore } from '../engine/remembered.js';
import { answersFromDraft } from './answers-draft.js';
import type { EventOf } from './contract.js';
import type { Handlers } from './router.js';
import type { UpgradeEnginePort } from './upgrade-engine.js';
import { upgradeIpcEventSchema, type UpgradeIpcEvent } from './upgrade-contract.js';

export interface UpgradeHandlerDeps {
  /** Absent in builds (or hosts) that cannot upgrade: status says nothing to offer. */
  engine?: UpgradeEnginePort;
  /** The machine's remembered answers: which deployment (and release) is here. */
  remembered: RememberedStore;
  emitUpgrade(payload: EventOf<'upgrade'>): void;
}

type UpgradeMethods = 'upgradeStatus' | 'upgradeReview' | 'upgradeStart' | 'upgradeCancel';

interface UpgradeRun {
  abort: AbortController;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
}

/**
 * The wizard's upgrade channels, as plain Node over the upgrade engine port: one run at a time,
 * cancellable (the engine rolls back), every event redacted with this request's secrets and checked
 * against the contract's schema before it leaves main.
 */
export function createUpgradeHandlers(deps: UpgradeHandlerDeps): Pick<Handlers, UpgradeMethods> {
  const runs = new Map<string, UpgradeRun>();
  const engine = (): UpgradeEnginePort => {
    if (!deps.engine)
      throw new InstallerError('UPGRADE_UNAVAILABLE', 'This build of the wizard cannot upgrade.');
    return deps.engine;
  };

  return {
    async upgradeStatus() {
      if (!deps.engine) return { installed: null };
      // Unreadable (the unelevated wizard on Windows may not open the machine's file): nothing to offer.
      const last = await deps.remembered.read().catch(() => undefined);
      return deps.engine.status(last?.answers ?? null);
    },

    async upgradeReview({ answers, secrets, to }) {
      const loaded = answersFromDraft(answers, secrets);
      const redactor = new Redactor(loaded.secrets.values());
      return redactor.redactDeep(await engine().review({ ...loaded, to }));
    },

    upgradeStart({ answers, secrets, to }) {
      if ([...runs.values()].some((r) => r.state === 'running'))
        throw new InstallerError('RUN_BUSY', 'An upgrade is already running.', 'Wait for it to end.');
      const loaded = answersFromDraft(answers, secrets);
      const redactor = new Redactor(loaded.secrets.values());
      const runId = randomUUID();
      const run: UpgradeRun = { abort: new AbortController(), state: 'running' };
      runs.set(runId, run);
      const send = (event: UpgradeIpcEvent) => {
        const safe = upgradeIpcEventSchema.parse(redactor.redactDeep(event));
        deps.emitUpgrade({ runId, event: safe });
      };
      const upgrade = engine();
      void upgrade.run({ ...loaded, to, signal: run.abort.signal, onEvent: send }).then(
        async (end) => {
          run.state = end.ok ? 'succeeded' : end.cancelled ? 'cancelled' : 'failed';
          if (end.ok) {
            // The machine runs the target now: repair and uninstall plan for it (no secrets kept).
            try {
              // The kit's answers when it knows them (3 -> 4 on Windows: the new database), else the release.
              await deps.remembered.write(end.answersAfter ?? { ...loaded.answers, release: to });
            } catch (e) {
              send({
                type: 'upgrade-log',
                message: `Could not update the answers remembered in ${deps.remembered.file} (${(e as Error).message}); save an answers file for later repairs.`,
              });
            }
          }
          const { answersAfter: _remembered, ...event } = end;
          send(event);
        },
        (e: unknown) => {
          run.state = 'failed';
          // Refused or broken before the engine ran anything: nothing was changed.
          send({
            type: 'upgrade-end',
            ok: false,
            rolledBack: false,
            exitCode: 1,
            message: e instanceof Error ? e.message : String(e),
            from: String(loaded.answers.release),
            to,
            keepDays: 0,
            cancelled: false,
          });
        },
      );
      return Promise.resolve({ runId });
    },

    upgradeCancel({ runId }) {
      const run = runs.get(runId);
      if (!run) throw new InstallerError('RUN_UNKNOWN', 'No such upgrade run.');
      if (run.state === 'running') run.abort.abort();
      return Promise.resolve({ runId, state: run.state, cancelling: run.abort.signal.aborted });
    },
  };
}
