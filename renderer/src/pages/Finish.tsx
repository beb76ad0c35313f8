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
import { useEffect, useState } from 'react';
import type { IpcError, ValueOf, WizardMode } from '../../../electron/ipc/contract.js';
import { installer } from '../api.js';
import type { RunView } from '../progress-state.js';

export function FinishPage(p: { mode: WizardMode; run: RunView; cancelled?: string[] }) {
  const ok = p.run.ended?.ok === true;
  const [verify, setVerify] = useState<
    { state: 'loading' } | { state: 'done'; value: ValueOf<'verify'> } | { state: 'error'; error: IpcError }
  >();
  const [note, setNote] = useState<string>();

  useEffect(() => {
    if (!ok || p.mode === 'uninstall' || p.mode === 'bundle') return;
    setVerify({ state: 'loading' });
    void installer()
      .verify({})
      .then((r) => setVerify(r.ok ? { state: 'done', value: r.value } : { state: 'error', error: r.error }));
  }, [ok, p.mode]);

  const openLogs = async () => {
    const r = await installer().openLogFolder({});
    setNote(r.ok && r.value.opened ? 'Log folder opened.' : 'Could not open the log folder.');
  };
  const exportBundle = async () => {
    const r = await installer().exportSupportBundle({});
    setNote(
      r.ok
        ? r.value.saved
          ? `Support bundle saved to ${r.value.path} (passwords removed).`
          : 'Not saved.'
        : r.error.message,
    );
  };

  return (
    <>
      <MessageBar intent={ok ? 'success' : p.cancelled ? 'warning' : 'error'} layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>{ok ? 'Finished' : p.cancelled ? 'Cancelled' : 'Not finished'}</MessageBarTitle>
          {p.cancelled
            ? p.cancelled.length
              ? `These steps did not run: ${p.cancelled.join(', ')}.`
              : 'Every step had already finished.'
            : p.run.ended?.message}
          {p.run.ended?.rebootRequired ? ' Restart the server to complete the installation.' : ''}
        </MessageBarBody>
      </MessageBar>
      {verify?.state === 'loading' && <Spinner label="Checking the site..." />}
      {verify?.state === 'done' && (
        <>
          {verify.value.siteUrl && (
            <Body1>
              QATrack+ is at{' '}
              <Text weight="semibold" data-testid="site-url">
                {verify.value.siteUrl}
              </Text>
            </Body1>
          )}
          <ul
            aria-label="Verify report"
            style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: 8 }}
          >
            {verify.value.checks.map((c) => (
              <li key={c.id} style={{ display: 'grid', gridTemplateColumns: '70px 1fr', gap: 8 }}>
                <Badge color={c.ok ? 'success' : 'danger'}>{c.ok ? 'OK' : 'Failed'}</Badge>
                <span>
                  <Text weight="semibold">{c.title}</Text> <Text size={200}>{c.detail}</Text>
                  {!c.ok && c.fix && (
                    <Text block size={200} italic>
                      Fix: {c.fix}
                    </Text>
                  )}
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
      {verify?.state === 'error' && <Text>{verify.error.message}</Text>}
      <div style={{ display: 'flex', gap: 12 }}>
        <Button onClick={() => void openLogs()}>Open log folder</Button>
        <Button onClick={() => void exportBundle()}>Export support bundle...</Button>
      </div>
      {note && <Text role="status">{note}</Text>}
    </>
  );
}
