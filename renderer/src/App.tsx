import {
  Button,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Text,
  Title2,
  tokens,
} from '@fluentui/react-components';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { FormProvider, useForm, useWatch, type FieldErrors, type Resolver } from 'react-hook-form';
import type { ProgressEvent } from '../../electron/engine/events.js';
import type { IpcError, Plan, WizardMode } from '../../electron/ipc/contract.js';
import { installer } from './api.js';
import {
  answersToDraft,
  defaultDraft,
  PAGE_TITLES,
  pageIssues,
  pagesFor,
  splitSecrets,
  type KeptAnswers,
  type PageId,
  type WizardDraft,
} from './draft.js';
import { AccountsPage } from './pages/Accounts.js';
import { BundlePage } from './pages/Bundle.js';
import { CheckPage, type PreflightView } from './pages/Check.js';
import { DatabasePage } from './pages/Database.js';
import { FinishPage } from './pages/Finish.js';
import { LocationsPage } from './pages/Locations.js';
import { ProgressPage } from './pages/Progress.js';
import { ReviewPage } from './pages/Review.js';
import { WebPage } from './pages/Web.js';
import { WelcomePage } from './pages/Welcome.js';
import { emptyRun, reduceRun, type RunView } from './progress-state.js';

const useStyles = makeStyles({
  shell: { display: 'grid', gridTemplateColumns: '220px 1fr', height: '100vh' },
  nav: {
    backgroundColor: tokens.colorNeutralBackground3,
    padding: '24px 12px',
    display: 'flex',
    flexDirection: 'column',
    gap: '4px',
    borderRight: `1px solid ${tokens.colorNeutralStroke2}`,
  },
  brand: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400, padding: '0 8px 16px' },
  navItem: {
    padding: '6px 8px',
    borderRadius: tokens.borderRadiusMedium,
    color: tokens.colorNeutralForeground3,
  },
  navCurrent: {
    backgroundColor: tokens.colorNeutralBackground1,
    color: tokens.colorNeutralForeground1,
    fontWeight: tokens.fontWeightSemibold,
  },
  navDone: { color: tokens.colorNeutralForeground2 },
  main: { display: 'flex', flexDirection: 'column', minHeight: 0, minWidth: 0 },
  content: {
    flex: 1,
    overflowY: 'auto',
    padding: '24px 32px',
    display: 'flex',
    flexDirection: 'column',
    gap: '16px',
  },
  footer: {
    display: 'flex',
    justifyContent: 'flex-end',
    gap: '8px',
    padding: '12px 32px',
    borderTop: `1px solid ${tokens.colorNeutralStroke2}`,
  },
});

const RUN_LABEL: Record<WizardMode, string> = {
  install: 'Install',
  repair: 'Repair',
  reconfigure: 'Apply changes',
  uninstall: 'Uninstall',
  bundle: 'Create bundle',
};

/** Turns page issues into react-hook-form's nested errors. */
function toFieldErrors(issues: Map<string, string>): FieldErrors<WizardDraft> {
  const out: Record<string, unknown> = {};
  for (const [path, message] of issues) {
    const keys = path.split('.');
    let o = out;
    for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as typeof out;
    o[keys[keys.length - 1]!] = { type: 'schema', message };
  }
  return out;
}

export function App() {
  const s = useStyles();
  const [mode, setMode] = useState<WizardMode>('install');
  const [pageIndex, setPageIndex] = useState(0);
  const [kept, setKept] = useState<KeptAnswers>({});
  const [lastSavedAt, setLastSavedAt] = useState<string | undefined>();
  const [lastDraft, setLastDraft] = useState<WizardDraft | undefined>();
  const [preflight, setPreflight] = useState<PreflightView>({ state: 'idle' });
  const [plan, setPlan] = useState<
    | { state: 'idle' }
    | { state: 'loading' }
    | { state: 'done'; plan: Plan }
    | { state: 'error'; error: IpcError }
  >({
    state: 'idle',
  });
  const [runId, setRunId] = useState<string | undefined>();
  const [run, setRun] = useState<RunView>(emptyRun());
  const [runError, setRunError] = useState<IpcError | undefined>();
  const [cancelInfo, setCancelInfo] = useState<string[] | undefined>();
  const pages = pagesFor(mode);
  const page: PageId = pages[pageIndex] ?? 'welcome';

  const ctx = useRef({ page, mode, kept });
  ctx.current = { page, mode, kept };
  const resolver = useCallback<Resolver<WizardDraft>>((values) => {
    const issues = pageIssues(values, ctx.current.kept, ctx.current.page, ctx.current.mode);
    return issues.size ? { values: {}, errors: toFieldErrors(issues) } : { values, errors: {} };
  }, []);
  const form = useForm<WizardDraft>({ mode: 'onChange', defaultValues: defaultDraft(), resolver });
  const draft = useWatch({ control: form.control }) as WizardDraft;
  const issues = useMemo(() => pageIssues(draft, kept, page, mode), [draft, kept, page, mode]);

  // Last answers (without secrets) make repair, reconfigure and uninstall possible. The app may
  // have been started in one of those modes (Add/Remove Programs Modify/Repair, the Repair shortcut).
  useEffect(() => {
    void Promise.all([installer().lastAnswers({}), installer().startup({})]).then(([r, start]) => {
      let d: WizardDraft | undefined;
      if (r.ok && r.value.answers) {
        const converted = answersToDraft(r.value.answers);
        d = converted.draft;
        setLastDraft(d);
        setKept(converted.kept);
        setLastSavedAt(r.value.savedAt);
      }
      const m = start.ok ? start.value.mode : undefined;
      if (m) {
        setMode(m);
        if (d && m !== 'install' && m !== 'bundle') form.reset(d);
      }
    });
  }, [form]);

  // A run starts emitting before `apply` answers with its id: keep early events until the id is known.
  const runIdRef = useRef<string | undefined>(undefined);
  const early = useRef(new Map<string, ProgressEvent[]>());
  useEffect(
    () =>
      installer().onProgress((p) => {
        if (p.runId === runIdRef.current) setRun((v) => reduceRun(v, p.event));
        else {
          const list = early.current.get(p.runId) ?? [];
          if (list.length < 5000) list.push(p.event);
          early.current.set(p.runId, list);
        }
      }),
    [],
  );

  const chooseMode = (m: WizardMode) => {
    setMode(m);
    if (m === 'install' || m === 'bundle' || !lastDraft) {
      form.reset(defaultDraft(preflight.state === 'done' ? preflight.value.suggested.hostName : undefined));
      if (m === 'install') setKept({});
    } else {
      form.reset(lastDraft);
    }
  };

  const loadPreflight = useCallback(() => {
    setPreflight({ state: 'loading' });
    void installer()
      .preflight({ mode })
      .then((r) => {
        if (!r.ok) return setPreflight({ state: 'error', error: r.error });
        setPreflight({ state: 'done', value: r.value });
        if (mode === 'install' && !form.formState.dirtyFields.site?.hostNames) {
          form.setValue('site.hostNames', r.value.suggested.hostName);
        }
      });
  }, [mode, form]);

  const loadPlan = useCallback(() => {
    if (mode === 'bundle') return;
    setPlan({ state: 'loading' });
    const { answers, secrets } = splitSecrets(form.getValues(), kept);
    void installer()
      .plan({ mode, answers, secrets, keepData: true })
      .then((r) => setPlan(r.ok ? { state: 'done', plan: r.value } : { state: 'error', error: r.error }));
  }, [mode, form, kept]);

  useEffect(() => {
    if (page === 'check') loadPreflight();
    if (page === 'review') loadPlan();
    // Focus the page heading so keyboard and screen-reader users start at the top of each page.
    document.getElementById('page-title')?.focus();
  }, [page]);

  const startRun = async () => {
    setRun(emptyRun());
    setRunError(undefined);
    setCancelInfo(undefined);
    const v = form.getValues();
    const r =
      mode === 'bundle'
        ? await installer().apply({
            mode: 'bundle',
            bundle: { outDir: v.bundle.outDir, release: '3.1.1.4', arch: v.bundle.arch },
          })
        : await installer().apply({ mode, keepData: true, ...splitSecrets(v, kept) });
    if (!r.ok) {
      setRunError(r.error);
      return;
    }
    runIdRef.current = r.value.runId;
    const missed = early.current.get(r.value.runId) ?? [];
    early.current.clear();
    setRun((v) => missed.reduce(reduceRun, v));
    setRunId(r.value.runId);
    setPageIndex(pages.indexOf('progress'));
  };

  const cancelRun = async () => {
    if (!runId) return;
    const r = await installer().cancel({ runId });
    if (r.ok) setCancelInfo(r.value.remaining);
  };

  const blocked =
    issues.size > 0 ||
    (page === 'check' &&
      (preflight.state !== 'done' || preflight.value.checks.some((c) => c.status === 'error'))) ||
    (page === 'review' && plan.state !== 'done') ||
    (page === 'progress' && !run.ended);

  const next = () => {
    if (page === 'review' || (page === 'bundle' && mode === 'bundle')) void startRun();
    else setPageIndex((i) => Math.min(i + 1, pages.length - 1));
  };
  const back = () => setPageIndex((i) => Math.max(0, i - 1));
  const canGoBack = pageIndex > 0 && page !== 'progress' && page !== 'finish';
  const nextLabel =
    page === 'review' || page === 'bundle' ? RUN_LABEL[mode] : page === 'progress' ? 'Next' : 'Next';

  return (
    <FormProvider {...form}>
      <div className={s.shell}>
        <nav className={s.nav} aria-label="Wizard steps">
          <div className={s.brand}>QATrack+ Installer</div>
          <ol style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {pages.map((p, i) => (
              <li
                key={p}
                aria-current={i === pageIndex ? 'step' : undefined}
                className={`${s.navItem} ${i === pageIndex ? s.navCurrent : i < pageIndex ? s.navDone : ''}`}
              >
                {i < pageIndex ? '✓ ' : `${i + 1}. `}
                {PAGE_TITLES[p]}
              </li>
            ))}
          </ol>
        </nav>
        <main className={s.main}>
          <form
            className={s.content}
            aria-labelledby="page-title"
            onSubmit={(e) => {
              e.preventDefault();
              if (!blocked) next();
            }}
            noValidate
          >
            <Title2 as="h1" id="page-title" tabIndex={-1}>
              {PAGE_TITLES[page]}
            </Title2>
            {page === 'welcome' && (
              <WelcomePage
                mode={mode}
                onMode={chooseMode}
                hasLastRun={Boolean(lastDraft)}
                lastSavedAt={lastSavedAt}
              />
            )}
            {page === 'check' && <CheckPage state={preflight} onRetry={loadPreflight} />}
            {page === 'locations' && <LocationsPage />}
            {page === 'database' && <DatabasePage />}
            {page === 'accounts' && (
              <AccountsPage passwordsOnly={mode === 'repair' || mode === 'uninstall'} />
            )}
            {page === 'web' && <WebPage />}
            {page === 'bundle' && <BundlePage />}
            {page === 'review' && (
              <ReviewPage
                mode={mode}
                state={plan}
                onRetry={loadPlan}
                answers={() => splitSecrets(form.getValues(), kept).answers}
              />
            )}
            {page === 'progress' && (
              <ProgressPage run={run} onCancel={() => void cancelRun()} cancelled={cancelInfo} mode={mode} />
            )}
            {page === 'finish' && <FinishPage mode={mode} run={run} cancelled={cancelInfo} />}
            {runError && (
              <MessageBar intent="error">
                <MessageBarBody>
                  <MessageBarTitle>{runError.message}</MessageBarTitle>
                  {runError.fix}
                  {runError.issues?.map((i) => (
                    <Text block key={i.path}>
                      {i.path}: {i.message}
                    </Text>
                  ))}
                </MessageBarBody>
              </MessageBar>
            )}
            <button type="submit" hidden aria-hidden="true" tabIndex={-1} />
          </form>
          <div className={s.footer}>
            {canGoBack && (
              <Button onClick={back} disabled={page === 'welcome'}>
                Back
              </Button>
            )}
            {page !== 'finish' && (
              <Button appearance="primary" onClick={next} disabled={blocked} data-testid="next">
                {nextLabel}
              </Button>
            )}
          </div>
        </main>
      </div>
    </FormProvider>
  );
}
