import {
  Accordion,
  AccordionHeader,
  AccordionItem,
  AccordionPanel,
  Badge,
  Body1,
  Button,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Text,
} from '@fluentui/react-components';
import { useState } from 'react';
import type { IpcError, Plan, WizardMode } from '../../../electron/ipc/contract.js';
import { installer } from '../api.js';

type PlanState =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'done'; plan: Plan }
  | { state: 'error'; error: IpcError };

const VERB: Record<WizardMode, string> = {
  install: 'install',
  repair: 'repair',
  reconfigure: 'apply the changes',
  uninstall: 'uninstall',
  bundle: 'create the bundle',
};

export function ReviewPage(p: {
  mode: WizardMode;
  state: PlanState;
  onRetry: () => void;
  answers: () => Record<string, unknown>;
}) {
  const [saved, setSaved] = useState<string>();
  const s = p.state;
  if (s.state === 'idle' || s.state === 'loading')
    return <Spinner label="Working out what needs to change..." />;
  if (s.state === 'error') {
    return (
      <>
        <MessageBar intent="error">
          <MessageBarBody>
            <MessageBarTitle>{s.error.message}</MessageBarTitle>
            {s.error.fix}
            {s.error.issues?.map((i) => (
              <Text block key={i.path}>
                {i.path}: {i.message}
              </Text>
            ))}
          </MessageBarBody>
        </MessageBar>
        <div>
          <Button onClick={p.onRetry}>Try again</Button>
        </div>
      </>
    );
  }
  const changing = s.plan.steps.filter((st) => st.status === 'changes');
  const save = async () => {
    const r = await installer().saveAnswersFile({ answers: p.answers() });
    setSaved(r.ok ? (r.value.saved ? `Saved to ${r.value.path}` : 'Not saved.') : r.error.message);
  };
  return (
    <>
      <Body1 role="status">
        {s.plan.changes === 0
          ? 'Nothing to do: everything is already as requested.'
          : `${s.plan.changes} change(s) in ${changing.length} step(s). Press the button below to ${VERB[p.mode]}; one Windows prompt will ask for administrator rights.`}
      </Body1>
      <Accordion multiple collapsible defaultOpenItems={changing.slice(0, 1).map((st) => st.id)}>
        {s.plan.steps.map((st) => (
          <AccordionItem key={st.id} value={st.id}>
            <AccordionHeader>
              <span style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
                {st.title}
                <Badge
                  appearance="tint"
                  color={st.status === 'changes' ? 'brand' : st.status === 'ok' ? 'success' : 'informative'}
                >
                  {st.status === 'changes'
                    ? `${st.actions.length} change(s)`
                    : st.status === 'ok'
                      ? 'already right'
                      : 'not needed'}
                </Badge>
              </span>
            </AccordionHeader>
            <AccordionPanel>
              {st.actions.length ? (
                <ul>
                  {st.actions.map((a, i) => (
                    <li key={i}>
                      <Text>{a.describe}</Text>
                    </li>
                  ))}
                </ul>
              ) : (
                <Text>No changes.</Text>
              )}
            </AccordionPanel>
          </AccordionItem>
        ))}
      </Accordion>
      <div style={{ display: 'flex', gap: 12, alignItems: 'center' }}>
        <Button onClick={() => void save()}>Save answers file for unattended installs...</Button>
        {saved && <Text role="status">{saved}</Text>}
      </div>
      <Text size={200}>
        The answers file holds no passwords: it reads them from QATRACK_SECRET_* environment variables.
      </Text>
    </>
  );
}
