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
import { useFormContext, useWatch } from 'react-hook-form';
import type { IpcError, PreflightCheck, ValueOf, WizardMode } from '../../../electron/ipc/contract.js';
import type { PageId, WizardDraft } from '../draft.js';
import { plainText } from '../words.js';
import { DefaultWebSiteChoice } from './DefaultWebSite.js';

export type PreflightView =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'done'; value: ValueOf<'preflight'> }
  | { state: 'error'; error: IpcError };

const BADGE = { ok: 'success', warning: 'warning', error: 'danger' } as const;
const WORD = { ok: 'OK', warning: 'Warning', error: 'Problem' } as const;

/** The fix a finding offers in place: the Default Web Site choice, or another free port. */
function InPlaceFix(p: { check: PreflightCheck; onGoTo: (page: PageId) => void }) {
  const { control, setValue } = useFormContext<WizardDraft>();
  const site = useWatch({ control, name: 'site' });
  const c = p.check;
  if (!c.port) return null;
  const portField = c.port === 443 ? 'site.https.port' : 'site.httpPort';
  const current = c.port === 443 ? site.https.port : site.httpPort;
  const applies = current === String(c.port);
  if (c.port === 443 && !site.https.enabled)
    return (
      <Text block size={200}>
        This matters only if you turn HTTPS on (Web site page).
      </Text>
    );
  const usePort = (port: number) =>
    setValue(portField, String(port), { shouldValidate: true, shouldDirty: true });
  return (
    <div style={{ display: 'grid', gap: 8, marginTop: 8 }}>
      {c.defaultWebSite && applies && <DefaultWebSiteChoice ports={[c.port]} />}
      {!applies && <Text size={200}>Settled: QATrack+ uses port {current || '(not set)'} instead.</Text>}
      <div className="row">
        {c.freePort && applies && (
          <Button size="small" onClick={() => usePort(c.freePort!)}>
            Use port {c.freePort} instead
          </Button>
        )}
        {!applies && (
          <Button size="small" onClick={() => usePort(c.port!)}>
            Use port {c.port} after all
          </Button>
        )}
        <Button size="small" appearance="subtle" onClick={() => p.onGoTo('web')}>
          Change on the Web site page
        </Button>
      </div>
    </div>
  );
}

export function CheckPage(p: {
  state: PreflightView;
  onRetry: () => void;
  onGoTo: (page: PageId) => void;
  mode: WizardMode;
}) {
  const s = p.state;
  if (s.state === 'idle' || s.state === 'loading') return <Spinner label="Checking this machine..." />;
  if (s.state === 'error') {
    return (
      <MessageBar intent="error" layout="multiline">
        <MessageBarBody>
          <MessageBarTitle>{plainText(s.error.message)}</MessageBarTitle>
          {s.error.fix ? plainText(s.error.fix) : ''}
        </MessageBarBody>
      </MessageBar>
    );
  }
  const errors = s.value.checks.filter((c) => c.status === 'error').length;
  const choices = s.value.checks.filter((c) => c.port && (p.mode === 'install' || p.mode === 'reconfigure'));
  return (
    <>
      <Body1>
        {s.value.machine.name} ({s.value.machine.hostname}).{' '}
        {errors
          ? `${errors} problem(s) must be fixed before installing.`
          : choices.length
            ? 'This machine is ready once you settle what is marked below.'
            : 'This machine is ready.'}
      </Body1>
      <ul
        aria-label="Machine checks"
        style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: 12 }}
      >
        {s.value.checks.map((c) => (
          <li key={c.id} className="status-row">
            <div>
              <Badge appearance="filled" color={BADGE[c.status]}>
                {WORD[c.status]}
              </Badge>
            </div>
            <div className="wrap">
              <Text weight="semibold" block>
                {c.title}
              </Text>
              <Text block size={200}>
                {plainText(c.detail)}
              </Text>
              {c.fix && c.status !== 'ok' && (
                <Text block size={200}>
                  What to do: {plainText(c.fix)}
                </Text>
              )}
              {c.port && (p.mode === 'install' || p.mode === 'reconfigure') && (
                <InPlaceFix check={c} onGoTo={p.onGoTo} />
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
