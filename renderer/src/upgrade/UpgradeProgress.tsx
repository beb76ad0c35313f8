import { MessageBar, MessageBarBody, MessageBarTitle, Subtitle2, Text } from '@fluentui/react-components';
import { CancelConfirm, LiveLog } from '../run-parts.js';
import { plainText } from '../words.js';
import { bytesInWords, type PhaseStatus, type UpgradeRunView } from './upgrade-state.js';

/** The page is a flex column: a tall message bar must not be squeezed below its text. */
const NO_SHRINK = { flexShrink: 0 } as const;

const WORD: Record<PhaseStatus, string> = {
  waiting: 'Waiting',
  running: 'Running',
  done: 'Done',
  failed: 'Stopped',
};

/** The upgrade as it runs: phases, one line per migration, the backup's size, the rollback. */
export function UpgradeProgressPage(p: {
  run: UpgradeRunView;
  from: string;
  to: string;
  cancelling: boolean;
  onCancel: () => void;
}) {
  const { run } = p;
  const canCancel = !run.end && !p.cancelling;
  return (
    <>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <Text>
          Upgrading QATrack+ {p.from} → {p.to}
        </Text>
        {canCancel && (
          <CancelConfirm
            title="Cancel the upgrade?"
            detail={`The upgrade stops and rolls back: ${p.from} runs again with its database as it was before the backup. The backup is kept.`}
            confirm="Cancel and roll back"
            detailId="upgrade-cancel-detail"
            onCancel={p.onCancel}
          />
        )}
      </div>
      <ul
        aria-label="Upgrade phases"
        style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: 8 }}
      >
        {run.phases.map((ph) => (
          <li
            key={ph.id}
            data-phase={ph.id}
            data-status={ph.status}
            style={{ display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) 5rem', gap: 12 }}
          >
            <Text className="wrap" weight={ph.status === 'running' ? 'semibold' : 'regular'}>
              {plainText(ph.describe)}
            </Text>
            <Text size={200} aria-label={`${plainText(ph.describe)}: ${WORD[ph.status]}`}>
              {WORD[ph.status]}
            </Text>
          </li>
        ))}
      </ul>
      {run.backup && (
        <Text block className="wrap" data-testid="upgrade-backup-done">
          Backup written: {bytesInWords(run.backup.bytes)} in {run.backup.dir}
        </Text>
      )}
      {run.migrations.length > 0 && (
        <section aria-labelledby="upgrade-migrations">
          <Subtitle2 as="h2" id="upgrade-migrations">
            Migrations applied ({run.migrations.length})
          </Subtitle2>
          <ul className="plain-list wrap" aria-label="Migrations applied">
            {run.migrations.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </section>
      )}
      {p.cancelling && !run.end && (
        <MessageBar style={NO_SHRINK} intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>Cancelling: rolling back to {p.from}.</MessageBarTitle>
            {run.rollback.length ? run.rollback.at(-1) : 'Waiting for the current phase to stop.'}
          </MessageBarBody>
        </MessageBar>
      )}
      {run.rollback.length > 0 && (
        <section aria-labelledby="upgrade-rollback">
          <Subtitle2 as="h2" id="upgrade-rollback">
            Rollback
          </Subtitle2>
          <ul className="plain-list wrap" aria-label="Rollback steps">
            {run.rollback.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        </section>
      )}
      {run.end && (
        <MessageBar style={NO_SHRINK} intent={run.end.ok ? 'success' : 'error'} layout="multiline">
          <MessageBarBody>{plainText(run.end.message)}</MessageBarBody>
        </MessageBar>
      )}
      <LiveLog lines={run.log} />
    </>
  );
}
