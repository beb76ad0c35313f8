import {
  Button,
  Field,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  Text,
} from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type { WizardMode } from '../../../electron/ipc/contract.js';
import type { RunView, StepProgress } from '../progress-state.js';
import { CancelConfirm, LiveLog } from '../run-parts.js';
import { duration, roughDuration } from '../words.js';

const STATUS_WORD: Record<StepProgress['status'], string> = {
  waiting: 'Waiting',
  running: 'Running',
  ok: 'Nothing to do',
  changed: 'Done',
  failed: 'Failed',
  skipped: 'Not needed',
  cancelled: 'Cancelled',
  pending: 'Not run',
};

/** A step the plan found nothing to do for says so before it runs, not "Waiting". */
const statusWord = (s: StepProgress) =>
  s.status === 'waiting' && s.planned === 0 ? 'Nothing planned' : STATUS_WORD[s.status];

/** A clock that ticks while the run goes on. */
function useNow(running: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [running]);
  return now;
}

export function ProgressPage(p: {
  run: RunView;
  onCancel: () => void;
  cancelled?: string[];
  mode: WizardMode;
  /** Back to Review, which plans again for the machine as it is now. */
  onReview?: () => void;
}) {
  const finishLater =
    p.mode === 'uninstall'
      ? 'Run Uninstall again'
      : p.mode === 'bundle'
        ? 'Create the bundle again in a new folder'
        : 'Run Repair later';
  const what = p.mode === 'uninstall' ? 'uninstall' : p.mode === 'bundle' ? 'bundle' : 'installation';
  const { run } = p;
  const now = useNow(!run.ended);
  const pct = Math.round(run.overall * 100);
  const elapsed = ((run.endedAt ?? now) - (run.startedAt ?? now)) / 1000;
  // Before enough has run, the plan's rough figure; then the run's own pace.
  const left =
    run.overall >= 0.15 ? elapsed / run.overall - elapsed : Math.max(0, (run.estimateSeconds ?? 0) - elapsed);
  const planned = run.steps.reduce((n, s) => n + s.planned, 0);
  const done = run.steps.reduce((n, s) => n + Math.min(s.done, s.planned), 0);
  const canCancel = !run.ended && !p.cancelled;
  // Refused before anything ran: the steps' progress would only distract from what to do.
  if (run.ended?.code === 'PLAN_STALE')
    return <StalePlan message={run.ended.message} onReview={p.onReview} />;
  return (
    <>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <Text role="timer" aria-live="off">
          Elapsed {duration(elapsed)}
          {!run.ended && (run.estimateSeconds !== undefined || run.overall >= 0.15)
            ? ` · about ${roughDuration(left)} left`
            : ''}
          {run.estimateSeconds !== undefined ? ` (plan estimate ${roughDuration(run.estimateSeconds)})` : ''}
        </Text>
        {canCancel && (
          <CancelConfirm
            title={`Cancel the ${what}?`}
            detail={`The current action finishes first. Steps that have not run yet are left for later. ${finishLater} to complete them.`}
            confirm={`Cancel ${what}`}
            detailId="cancel-detail"
            onCancel={p.onCancel}
          />
        )}
      </div>
      <Field
        label={`Overall progress: ${pct}%${planned ? ` (${done} of ${planned} changes)` : ''}`}
        validationMessage={run.current || 'Starting...'}
        validationState="none"
      >
        <ProgressBar value={run.overall} thickness="large" aria-label="Overall progress" />
      </Field>
      <ul aria-label="Steps" style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: 8 }}>
        {run.steps.map((s) => {
          const idle =
            s.status === 'ok' || s.status === 'skipped' || (s.planned === 0 && s.status !== 'running');
          return (
            <li key={s.id} className="progress-step">
              <Text className="wrap">{s.title}</Text>
              {idle ? (
                <Text size={200} aria-label={`${s.title}: ${statusWord(s)}`}>
                  —
                </Text>
              ) : (
                <ProgressBar
                  value={s.planned ? Math.min(1, s.done / s.planned) : s.status === 'changed' ? 1 : 0}
                  color={s.status === 'failed' ? 'error' : s.status === 'changed' ? 'success' : 'brand'}
                  aria-label={`${s.title} progress`}
                />
              )}
              <Text size={200}>
                {statusWord(s)}
                {s.status === 'changed' ? ` (${s.changed})` : ''}
              </Text>
            </li>
          );
        })}
      </ul>
      {p.cancelled && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>
              {run.ended ? 'Cancelled.' : 'Cancelling after the current action.'}
            </MessageBarTitle>
            {p.cancelled.length
              ? `These steps will not run: ${p.cancelled.join(', ')}. ${finishLater} to finish them; nothing half-done is left unrecorded.`
              : 'All steps had already finished.'}
          </MessageBarBody>
        </MessageBar>
      )}
      {run.ended && !p.cancelled && (
        <MessageBar intent={run.ended.ok ? 'success' : 'error'} layout="multiline">
          <MessageBarBody>{run.ended.message}</MessageBarBody>
        </MessageBar>
      )}
      <LiveLog lines={run.log} />
    </>
  );
}

/**
 * The reviewed plan no longer matches the machine (or the answers): nothing was changed. The first
 * line says so in plain words; the rest is what differs. The person reviews the new plan.
 */
function StalePlan(p: { message: string; onReview?: () => void }) {
  const [title, ...difference] = p.message.split('\n').filter(Boolean);
  return (
    <MessageBar intent="warning" layout="multiline" data-testid="plan-stale">
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle>
        <Text block>Nothing was changed.</Text>
        {difference.length > 0 && (
          <ul className="plain-list wrap" aria-label="What changed">
            {difference.map((d) => (
              <li key={d}>{d}</li>
            ))}
          </ul>
        )}
        {p.onReview && (
          <Button size="small" onClick={p.onReview}>
            Review the new plan
          </Button>
        )}
      </MessageBarBody>
    </MessageBar>
  );
}
