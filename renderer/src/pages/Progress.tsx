import {
  Accordion,
  AccordionHeader,
  AccordionItem,
  AccordionPanel,
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  DialogTrigger,
  Field,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  Text,
} from '@fluentui/react-components';
import type { WizardMode } from '../../../electron/ipc/contract.js';
import type { RunView } from '../progress-state.js';

const STATUS_WORD: Record<string, string> = {
  waiting: 'Waiting',
  running: 'Running',
  ok: 'Already right',
  changed: 'Done',
  failed: 'Failed',
  skipped: 'Not needed',
  cancelled: 'Cancelled',
  pending: 'Not run',
};

export function ProgressPage(p: {
  run: RunView;
  onCancel: () => void;
  cancelled?: string[];
  mode: WizardMode;
}) {
  const finishLater =
    p.mode === 'uninstall'
      ? 'Run Uninstall again'
      : p.mode === 'bundle'
        ? 'Create the bundle again in a new folder'
        : 'Run Repair later';
  const what = p.mode === 'uninstall' ? 'uninstall' : p.mode === 'bundle' ? 'bundle' : 'installation';
  const { run } = p;
  const pct = Math.round(run.overall * 100);
  return (
    <>
      <Field
        label={`Overall progress: ${pct}%`}
        validationMessage={run.current || 'Starting...'}
        validationState="none"
      >
        <ProgressBar value={run.overall} thickness="large" aria-label="Overall progress" />
      </Field>
      <ul aria-label="Steps" style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: 8 }}>
        {run.steps.map((s) => (
          <li
            key={s.id}
            style={{ display: 'grid', gridTemplateColumns: '260px 1fr 110px', gap: 12, alignItems: 'center' }}
          >
            <Text>{s.title}</Text>
            <ProgressBar
              value={s.fraction}
              color={s.status === 'failed' ? 'error' : s.fraction >= 1 ? 'success' : 'brand'}
              aria-label={`${s.title} progress`}
            />
            <Text size={200}>{STATUS_WORD[s.status]}</Text>
          </li>
        ))}
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
      <Accordion collapsible>
        <AccordionItem value="log">
          <AccordionHeader>Show details (live log)</AccordionHeader>
          <AccordionPanel>
            <pre
              aria-label="Live log"
              tabIndex={0}
              style={{
                maxHeight: 260,
                overflow: 'auto',
                fontSize: 12,
                background: '#f5f5f5',
                padding: 8,
                margin: 0,
              }}
            >
              {run.log.join('\n')}
            </pre>
          </AccordionPanel>
        </AccordionItem>
      </Accordion>
      {!run.ended && !p.cancelled && (
        <Dialog>
          <DialogTrigger disableButtonEnhancement>
            <Button>Cancel</Button>
          </DialogTrigger>
          <DialogSurface>
            <DialogBody>
              <DialogTitle>Cancel the {what}?</DialogTitle>
              <DialogContent>
                The current action finishes first. Steps that have not run yet are left for later.{' '}
                {finishLater} to complete them.
              </DialogContent>
              <DialogActions>
                <DialogTrigger disableButtonEnhancement>
                  <Button appearance="primary" onClick={p.onCancel}>
                    Cancel {what}
                  </Button>
                </DialogTrigger>
                <DialogTrigger disableButtonEnhancement>
                  <Button>Keep going</Button>
                </DialogTrigger>
              </DialogActions>
            </DialogBody>
          </DialogSurface>
        </Dialog>
      )}
    </>
  );
}
