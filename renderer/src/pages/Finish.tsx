import {
  Accordion,
  AccordionHeader,
  AccordionItem,
  AccordionPanel,
  Badge,
  Body1,
  Button,
  Link,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Subtitle2,
  Text,
} from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type { IpcError, ValueOf, WizardMode } from '../../../electron/ipc/contract.js';
import { installer } from '../api.js';
import type { KeptAnswers, WizardDraft } from '../draft.js';
import { changesMade, type RunView } from '../progress-state.js';
import { plainText } from '../words.js';

type Verify = ValueOf<'verify'>;
type Level = 'done' | 'warning' | 'todo';

interface NextStep {
  level: Level;
  title: string;
  detail: string;
}

const obj = (v: unknown): Record<string, unknown> =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** What a person does after the install, and what is not configured yet (as warnings). */
function nextSteps(d: WizardDraft, kept: KeptAnswers, url: string | undefined): NextStep[] {
  const out: NextStep[] = [
    {
      level: 'todo',
      title: 'Sign in',
      detail: `Open ${url ?? 'the site'} and sign in as ${d.admin.username} with the administrator password you chose; then add users and groups under Admin.`,
    },
  ];
  if (d.email.enabled)
    out.push({
      level: 'todo',
      title: 'Mail',
      detail: `Mail goes out through ${d.email.smtpHost}. Check that the test mail reached ${d.email.admins || 'the people listed'}.`,
    });
  else
    out.push({
      level: 'warning',
      title: 'Mail is not configured',
      detail:
        'QATrack+ cannot send notifications or mail server errors to anyone. Run Reconfigure and fill in the Mail page.',
    });
  if (!d.site.https.enabled)
    out.push({
      level: 'warning',
      title: 'HTTPS is off',
      detail:
        'Passwords cross the network unencrypted. Get a certificate for the site, import it into the machine store, then Reconfigure with HTTPS on.',
    });
  else if (d.site.https.certMode === 'selfSigned')
    out.push({
      level: 'warning',
      title: 'Replace the self-signed certificate',
      detail:
        "Browsers warn about it. Import a certificate from your hospital's certificate authority into Local Computer > Personal, then Reconfigure and pick it on the Web site page.",
    });
  const backup = obj(kept.backup);
  if (backup.enabled === false)
    out.push({
      level: 'warning',
      title: 'Backups are off',
      detail:
        'Nothing backs up the database or uploads. Turn backups on in the answers file and run Reconfigure.',
    });
  else
    out.push({
      level: 'todo',
      title: 'Backups',
      detail: `A nightly backup runs at ${typeof backup.time === 'string' ? backup.time : '02:30'} into ${typeof backup.folder === 'string' ? backup.folder : `${d.paths.dataDir}\\backups`}. Copy it off this server and try a restore once.`,
    });
  return out;
}

const LEVEL_BADGE: Record<Level, { color: 'warning' | 'informative' | 'success'; word: string }> = {
  warning: { color: 'warning', word: 'Warning' },
  todo: { color: 'informative', word: 'Next' },
  done: { color: 'success', word: 'Done' },
};

export function FinishPage(p: {
  mode: WizardMode;
  run: RunView;
  cancelled?: string[];
  draft: WizardDraft;
  kept: KeptAnswers;
}) {
  const ok = p.run.ended?.ok === true;
  const [verify, setVerify] = useState<
    { state: 'loading' } | { state: 'done'; value: Verify } | { state: 'error'; error: IpcError }
  >();
  const [note, setNote] = useState<string>();
  const siteModes = p.mode === 'install' || p.mode === 'repair' || p.mode === 'reconfigure';

  useEffect(() => {
    if (!ok || !siteModes) return;
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
        : plainText(r.error.message),
    );
  };
  const url = verify?.state === 'done' ? verify.value.siteUrl : undefined;
  const checks = verify?.state === 'done' ? verify.value.checks : [];
  const failed = checks.filter((c) => !c.ok);
  const warned = checks.filter((c) => c.ok && c.warning);
  const passed = checks.filter((c) => c.ok && !c.warning);
  const made = changesMade(p.run);
  const planned = p.run.plannedChanges;

  return (
    <>
      {url && (
        <Body1>
          QATrack+ is at{' '}
          <Link
            href={url}
            data-testid="site-url"
            onClick={(e) => {
              e.preventDefault();
              void installer().openSite({});
            }}
          >
            {url}
          </Link>
        </Body1>
      )}
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
      {planned !== undefined && p.mode !== 'bundle' && (
        <Text>
          {made} change(s) made
          {planned !== made
            ? ` of the ${planned} the review listed: each step checks the machine again just before it changes anything, and leaves alone what is already right by then${p.cancelled ? ', and cancelled steps did not run' : ''}.`
            : ', as the review listed.'}
        </Text>
      )}
      {verify?.state === 'loading' && <Spinner label="Checking the site..." />}
      {ok && siteModes && (
        <>
          <Subtitle2 as="h2">Next steps</Subtitle2>
          <ul
            aria-label="Next steps"
            style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: 8 }}
          >
            {nextSteps(p.draft, p.kept, url).map((n) => (
              <li key={n.title} className="status-row">
                <div>
                  <Badge color={LEVEL_BADGE[n.level].color}>{LEVEL_BADGE[n.level].word}</Badge>
                </div>
                <div className="wrap">
                  <Text weight="semibold" block>
                    {n.title}
                  </Text>
                  <Text size={200}>{n.detail}</Text>
                </div>
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="row">
        <Button onClick={() => void openLogs()}>Open log folder</Button>
        <Button onClick={() => void exportBundle()}>Export support bundle...</Button>
      </div>
      {note && (
        <Text role="status" className="wrap">
          {note}
        </Text>
      )}
      {verify?.state === 'done' && (
        <>
          {(failed.length > 0 || warned.length > 0) && (
            <>
              <Subtitle2 as="h2">Needs attention</Subtitle2>
              <ul
                aria-label="Needs attention"
                style={{ listStyle: 'none', padding: 0, margin: 0, display: 'grid', gap: 8 }}
              >
                {[...failed, ...warned].map((c) => (
                  <li key={c.id} className="status-row">
                    <div>
                      <Badge color={c.ok ? 'warning' : 'danger'}>{c.ok ? 'Warning' : 'Failed'}</Badge>
                    </div>
                    <div className="wrap">
                      <Text weight="semibold">{c.title}</Text> <Text size={200}>{plainText(c.detail)}</Text>
                      {c.fix && (
                        <Text block size={200}>
                          What to do: {plainText(c.fix)}
                        </Text>
                      )}
                    </div>
                  </li>
                ))}
              </ul>
            </>
          )}
          <Accordion collapsible>
            <AccordionItem value="passed">
              <AccordionHeader>{`${passed.length} checks passed`}</AccordionHeader>
              <AccordionPanel>
                <ul aria-label="Verify report" className="plain-list wrap">
                  {passed.map((c) => (
                    <li key={c.id}>
                      <Text weight="semibold">{c.title}</Text>: <Text size={200}>{plainText(c.detail)}</Text>
                    </li>
                  ))}
                </ul>
              </AccordionPanel>
            </AccordionItem>
          </Accordion>
        </>
      )}
      {verify?.state === 'error' && <Text>{plainText(verify.error.message)}</Text>}
    </>
  );
}
