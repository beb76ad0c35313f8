import {
  Badge,
  Body1,
  Button,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Text,
} from '@fluentui/react-components';
import type { IpcError, ValueOf } from '../../../electron/ipc/contract.js';

export type PreflightView =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'done'; value: ValueOf<'preflight'> }
  | { state: 'error'; error: IpcError };

const BADGE = { ok: 'success', warning: 'warning', error: 'danger' } as const;
const WORD = { ok: 'OK', warning: 'Warning', error: 'Problem' } as const;

export function CheckPage(p: { state: PreflightView; onRetry: () => void }) {
  const s = p.state;
  if (s.state === 'idle' || s.state === 'loading') return <Spinner label="Checking this machine..." />;
  if (s.state === 'error') {
    return (
      <MessageBar intent="error">
        <MessageBarBody>
          <MessageBarTitle>{s.error.message}</MessageBarTitle>
          {s.error.fix}
        </MessageBarBody>
      </MessageBar>
    );
  }
  const errors = s.value.checks.filter((c) => c.status === 'error').length;
  return (
    <>
      <Body1>
        {s.value.machine.name} ({s.value.machine.hostname}).{' '}
        {errors ? `${errors} problem(s) must be fixed before installing.` : 'This machine is ready.'}
      </Body1>
      <ul
        aria-label="Machine checks"
        style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: 12 }}
      >
        {s.value.checks.map((c) => (
          <li key={c.id} style={{ display: 'grid', gridTemplateColumns: '90px 1fr', gap: 8 }}>
            <Badge appearance="filled" color={BADGE[c.status]}>
              {WORD[c.status]}
            </Badge>
            <div>
              <Text weight="semibold" block>
                {c.title}
              </Text>
              <Text block size={200}>
                {c.detail}
              </Text>
              {c.fix && c.status !== 'ok' && (
                <Text block size={200} italic>
                  Fix: {c.fix}
                </Text>
              )}
            </div>
          </li>
        ))}
      </ul>
      <div>
        <Button onClick={p.onRetry}>Check again</Button>
      </div>
    </>
  );
}
