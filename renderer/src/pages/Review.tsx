import {
  Accordion,
  AccordionHeader,
  AccordionItem,
  AccordionPanel,
  Badge,
  Body1,
  Button,
  Field,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Subtitle2,
  Text,
} from '@fluentui/react-components';
import { useState } from 'react';
import { useFormContext } from 'react-hook-form';
import type { IpcError, PlanSummary, RequestOf, WizardMode } from '../../../electron/ipc/contract.js';
import { installer } from '../api.js';
import type { PlanView } from '../App.js';
import { fieldLabel, pageOfField, PAGE_TITLES, type PageId, type WizardDraft } from '../draft.js';
import { FIELD_LABELS, plainText, roughDuration } from '../words.js';
import type { PreflightView } from './Check.js';

const VERB: Record<WizardMode, string> = {
  install: 'install',
  repair: 'repair',
  reconfigure: 'apply the changes',
  uninstall: 'uninstall',
  bundle: 'create the bundle',
  upgrade: 'upgrade',
};

const SUMMARY: [keyof PlanSummary, string, string][] = [
  ['serverWide', 'Changes to the whole server', 'Nothing server-wide'],
  ['ports', 'Ports', 'No port changes'],
  ['services', 'Windows services', 'No service changes'],
  ['logins', 'Database and logins', 'No login changes'],
  ['folders', 'Folders and who may use them', 'No folder changes'],
  ['firewall', 'Firewall', 'No firewall changes'],
];

/** Pages whose fields an engine message names (by answers path, as the CLI shows it). */
function pagesNamed(text: string): PageId[] {
  const pages = new Set<PageId>();
  for (const key of Object.keys(FIELD_LABELS))
    if (key.includes('.') && text.includes(key)) {
      const pg = pageOfField(key);
      if (pg) pages.add(pg);
    }
  return [...pages];
}

const matches = (text: string, q: string) => !q || text.toLowerCase().includes(q.toLowerCase());

/** Every problem at once, each with its fix in place where there is one and a way to the page. */
function Problems(p: {
  error: IpcError;
  onGoTo: (page: PageId) => void;
  onRetry: () => void;
  preflight: PreflightView;
}) {
  const { setValue } = useFormContext<WizardDraft>();
  const lines = p.error.message.split('\n').filter(Boolean);
  const portProblem =
    /PORT_IN_USE|PREFLIGHT_FAILED/.test(p.error.code) && /port \d+|:\d+ is in use/i.test(p.error.message);
  const free =
    p.preflight.state === 'done' ? p.preflight.value.checks.find((c) => c.port === 80)?.freePort : undefined;
  const count = (p.error.issues?.length ?? 0) + (p.error.issues?.length ? 0 : lines.length);
  return (
    <MessageBar intent="error" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>
          {count > 1
            ? `${count} problems stop the ${p.error.code === 'ANSWERS_INVALID' ? 'plan' : 'install'}`
            : 'A problem stops the plan'}
        </MessageBarTitle>
        <ul className="plain-list wrap" aria-label="Problems">
          {p.error.issues?.length
            ? p.error.issues.map((i) => {
                const page = pageOfField(i.path);
                return (
                  <li key={i.path}>
                    {fieldLabel(i.path)}: {plainText(i.message)}{' '}
                    {page && (
                      <Button size="small" appearance="transparent" onClick={() => p.onGoTo(page)}>
                        Go to {PAGE_TITLES[page]}
                      </Button>
                    )}
                  </li>
                );
              })
            : lines.map((l) => <li key={l}>{plainText(l)}</li>)}
        </ul>
        {p.error.fix && !p.error.issues?.length && <Text block>{plainText(p.error.fix)}</Text>}
        <div className="row" style={{ marginTop: 8 }}>
          {portProblem && free && (
            <Button
              size="small"
              onClick={() => {
                setValue('site.httpPort', String(free), { shouldDirty: true });
                p.onRetry();
              }}
            >
              Use HTTP port {free} and check again
            </Button>
          )}
          {portProblem && (
            <Button size="small" onClick={() => p.onGoTo('web')}>
              Go to Web site
            </Button>
          )}
          {!p.error.issues?.length &&
            pagesNamed(`${p.error.message} ${p.error.fix ?? ''}`)
              .filter((pg) => !(portProblem && pg === 'web'))
              .map((pg) => (
                <Button key={pg} size="small" onClick={() => p.onGoTo(pg)}>
                  Go to {PAGE_TITLES[pg]}
                </Button>
              ))}
          <Button size="small" onClick={p.onRetry}>
            Check again
          </Button>
        </div>
      </MessageBarBody>
    </MessageBar>
  );
}

export function ReviewPage(p: {
  mode: WizardMode;
  state: PlanView;
  onRetry: () => void;
  onGoTo: (page: PageId) => void;
  preflight: PreflightView;
  request: () => RequestOf<'plan'>;
}) {
  const [saved, setSaved] = useState<string>();
  const [commandLines, setCommandLines] = useState<string[]>([]);
  const [query, setQuery] = useState('');
  const s = p.state;
  if (s.state === 'idle' || s.state === 'loading')
    return <Spinner label="Working out what needs to change..." />;
  if (s.state === 'error')
    return <Problems error={s.error} onGoTo={p.onGoTo} onRetry={p.onRetry} preflight={p.preflight} />;
  const plan = s.plan;
  const changing = plan.steps.filter((st) => st.status === 'changes');
  const saveAnswers = async () => {
    const req = p.request();
    // Upgrade has its own review page (renderer/src/upgrade); the answers it saves are repair's.
    const mode = p.mode === 'bundle' ? 'install' : p.mode === 'upgrade' ? 'repair' : p.mode;
    const r = await installer().saveAnswersFile({ answers: req.answers, mode });
    if (r.ok && r.value.saved) {
      setSaved(`Answers saved to ${r.value.path} (no passwords in it).`);
      setCommandLines(r.value.commandLines);
    } else setSaved(r.ok ? 'Not saved.' : plainText(r.error.message));
  };
  const savePlan = async () => {
    const r = await installer().savePlan(p.request());
    setSaved(
      r.ok ? (r.value.saved ? `Plan saved to ${r.value.path}` : 'Not saved.') : plainText(r.error.message),
    );
  };
  const q = query.trim();
  const steps = plan.steps
    .map((st) => ({
      ...st,
      shown: st.actions.filter((a) => matches(plainText(a.describe), q) || matches(st.title, q)),
    }))
    .filter((st) => !q || st.shown.length || matches(st.title, q));
  const summaryHits = SUMMARY.map(([k, title, none]) => ({
    k,
    title,
    none,
    items: plan.summary[k].map(plainText).filter((t) => matches(t, q) || matches(title, q)),
  }));
  return (
    <>
      <Body1 role="status">
        {plan.changes === 0
          ? 'Nothing to do: everything is already as requested.'
          : `${plan.changes} change(s) in ${changing.length} step(s), about ${roughDuration(plan.estimateSeconds)} (a rough estimate). Press ${p.mode === 'uninstall' ? 'Uninstall' : 'the button below'} to ${VERB[p.mode]}; one Windows prompt will ask for administrator rights.`}
      </Body1>
      <Field label="Filter the plan" hint="For example 80, firewall, C:\QATrack or login">
        <Input type="search" value={query} onChange={(_e, d) => setQuery(d.value)} />
      </Field>
      <Subtitle2 as="h2">Summary</Subtitle2>
      <div className="summary" aria-label="Summary of the plan" role="group">
        {summaryHits.map((g) => (
          <section key={g.k} aria-labelledby={`sum-${g.k}`}>
            <h3 id={`sum-${g.k}`}>{g.title}</h3>
            {g.items.length ? (
              <ul className="wrap">
                {g.items.map((t) => (
                  <li key={t}>
                    <Text size={200}>{t}</Text>
                  </li>
                ))}
              </ul>
            ) : (
              <Text size={200}>{q && plan.summary[g.k].length ? 'No match' : g.none}</Text>
            )}
          </section>
        ))}
      </div>
      <Subtitle2 as="h2">Step by step</Subtitle2>
      {q && !steps.length && <Text>Nothing in the plan matches “{q}”.</Text>}
      <Accordion
        multiple
        collapsible
        key={q ? 'filtered' : 'all'}
        defaultOpenItems={q ? steps.map((st) => st.id) : changing.slice(0, 1).map((st) => st.id)}
      >
        {steps.map((st) => (
          <AccordionItem key={st.id} value={st.id}>
            <AccordionHeader>
              <span className="row">
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
              {st.shown.length ? (
                <ul className="wrap">
                  {st.shown.map((a, i) => (
                    <li key={i}>
                      <Text>{plainText(a.describe)}</Text>
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
      <div className="row">
        <Button onClick={() => void savePlan()}>Save plan...</Button>
        <Button onClick={() => void saveAnswers()}>Save answers + command line...</Button>
      </div>
      {saved && (
        <Text role="status" className="wrap">
          {saved}
        </Text>
      )}
      {commandLines.length > 0 && (
        <div aria-label="Unattended command lines" role="group">
          <Text block size={200}>
            Run unattended with one of these (passwords from QATRACK_SECRET_* environment variables):
          </Text>
          {commandLines.map((c) => (
            <pre key={c} className="live-log" tabIndex={0} aria-label="Command line">
              {c}
            </pre>
          ))}
        </div>
      )}
      <Text size={200}>
        The answers file holds no passwords: it reads them from QATRACK_SECRET_* environment variables.
      </Text>
    </>
  );
}
