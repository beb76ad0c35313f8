import {
  Button,
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
  fieldLabel,
  fieldsOn,
  noEnv,
  PAGE_TITLES,
  pageIssues,
  pagesFor,
  splitSecrets,
  type KeptAnswers,
  type PageEnv,
  type PageId,
  type WizardDraft,
} from './draft.js';
import { AccountsPage } from './pages/Accounts.js';
import { BundlePage } from './pages/Bundle.js';
import { CheckPage, type PreflightView } from './pages/Check.js';
import { DatabasePage } from './pages/Database.js';
import { FinishPage } from './pages/Finish.js';
import { LocationsPage } from './pages/Locations.js';
import { MailPage } from './pages/Mail.js';
import { SignInPage } from './pages/SignIn.js';
import { ProgressPage } from './pages/Progress.js';
import { ReviewPage } from './pages/Review.js';
import { WebPage } from './pages/Web.js';
import { WelcomePage } from './pages/Welcome.js';
import { emptyRun, reduceRun, seedPlan, type RunView } from './progress-state.js';
import { plainText } from './words.js';
import type { UpgradeIpcEvent } from '../../electron/ipc/contract.js';
import { UpgradeFinishPage } from './upgrade/UpgradeFinish.js';
import { UpgradeProgressPage } from './upgrade/UpgradeProgress.js';
import { UpgradeReviewPage, type UpgradeReviewView } from './upgrade/UpgradeReview.js';
import { emptyUpgradeRun, reduceUpgrade, type UpgradeRunView } from './upgrade/upgrade-state.js';

const RUN_LABEL: Record<WizardMode, string> = {
  install: 'Install',
  repair: 'Repair',
  reconfigure: 'Apply changes',
  uninstall: 'Uninstall',
  bundle: 'Create bundle',
  upgrade: 'Upgrade',
};

const MODE_TITLE: Record<WizardMode, string> = {
  install: 'Install',
  repair: 'Repair',
  reconfigure: 'Reconfigure',
  uninstall: 'Uninstall',
  bundle: 'Offline bundle',
  upgrade: 'Upgrade',
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

export type PlanView =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'done'; plan: Plan }
  | { state: 'error'; error: IpcError };

export function App() {
  const [mode, setMode] = useState<WizardMode>('install');
  const [pageIndex, setPageIndex] = useState(0);
  const [kept, setKept] = useState<KeptAnswers>({});
  const [lastSavedAt, setLastSavedAt] = useState<string | undefined>();
  const [lastDraft, setLastDraft] = useState<WizardDraft | undefined>();
  const [preflight, setPreflight] = useState<PreflightView>({ state: 'idle' });
  const [plan, setPlan] = useState<PlanView>({ state: 'idle' });
  const [runId, setRunId] = useState<string | undefined>();
  const [run, setRun] = useState<RunView>(emptyRun());
  const [runError, setRunError] = useState<IpcError | undefined>();
  const [cancelInfo, setCancelInfo] = useState<string[] | undefined>();
  const [stepsOpen, setStepsOpen] = useState(false);
  // Upgrade mode: the newer release the catalog offers, its review, and the run's events.
  const [upgradeOffer, setUpgradeOffer] = useState<{ from: string; to: string } | undefined>();
  const [upgradeReview, setUpgradeReview] = useState<UpgradeReviewView>({ state: 'idle' });
  const [upgradeRunId, setUpgradeRunId] = useState<string | undefined>();
  const [upgradeRun, setUpgradeRun] = useState<UpgradeRunView>(emptyUpgradeRun());
  const [upgradeCancelling, setUpgradeCancelling] = useState(false);

  const env: PageEnv = useMemo(
    () =>
      preflight.state === 'done'
        ? {
            defaultWebSitePorts: preflight.value.checks
              .filter((c) => c.defaultWebSite && c.port)
              .map((c) => c.port!),
          }
        : noEnv,
    [preflight],
  );

  const ctx = useRef<{ page: PageId; mode: WizardMode; kept: KeptAnswers; env: PageEnv }>({
    page: 'welcome',
    mode,
    kept,
    env,
  });
  const resolver = useCallback<Resolver<WizardDraft>>((values) => {
    const c = ctx.current;
    const issues = pageIssues(values, c.kept, c.page, c.mode, c.env);
    return issues.size ? { values: {}, errors: toFieldErrors(issues) } : { values, errors: {} };
  }, []);
  const form = useForm<WizardDraft>({ mode: 'onChange', defaultValues: defaultDraft(), resolver });
  const draft = useWatch({ control: form.control }) as WizardDraft;
  const pages = pagesFor(mode, draft);
  const page: PageId = pages[pageIndex] ?? 'welcome';
  ctx.current = { page, mode, kept, env };
  const issues = useMemo(() => pageIssues(draft, kept, page, mode, env), [draft, kept, page, mode, env]);

  // Last answers (without secrets) make repair, reconfigure and uninstall possible. The app may
  // have been started in one of those modes (Add/Remove Programs Modify/Repair, the Repair shortcut).
  useEffect(() => {
    // Which release runs here, and whether the catalog has a newer one (Welcome offers it).
    void Promise.all([
      installer().lastAnswers({}),
      installer().startup({}),
      installer().upgradeStatus({}),
    ]).then(([r, start, u]) => {
      let d: WizardDraft | undefined;
      if (r.ok && r.value.answers) {
        const converted = answersToDraft(r.value.answers);
        d = converted.draft;
        setLastDraft(d);
        setKept(converted.kept);
        setLastSavedAt(r.value.savedAt);
      }
      const offer = u.ok && d ? u.value.offer : undefined;
      setUpgradeOffer(offer);
      let m = start.ok ? start.value.mode : undefined;
      // Started with --mode=upgrade on a machine with nothing newer to run: the usual choices.
      if (m === 'upgrade' && !offer) m = undefined;
      if (m) {
        setMode(m);
        if (d && m !== 'install' && m !== 'bundle') form.reset(d);
      }
    });
  }, [form]);

  // A run starts emitting before `apply` answers with its id: keep early events until the id is known.
  const runIdRef = useRef<string | undefined>(undefined);
  const early = useRef(new Map<string, { event: ProgressEvent; at: number }[]>());
  useEffect(
    () =>
      installer().onProgress((p) => {
        const at = Date.now();
        if (p.runId === runIdRef.current) setRun((v) => reduceRun(v, p.event, at));
        else {
          const list = early.current.get(p.runId) ?? [];
          if (list.length < 5000) list.push({ event: p.event, at });
          early.current.set(p.runId, list);
        }
      }),
    [],
  );

  // Upgrade events, kept until upgradeStart answers with the run's id (as for progress events).
  const upgradeRunIdRef = useRef<string | undefined>(undefined);
  const earlyUpgrade = useRef(new Map<string, UpgradeIpcEvent[]>());
  useEffect(
    () =>
      installer().onUpgrade((p) => {
        if (p.runId === upgradeRunIdRef.current) setUpgradeRun((v) => reduceUpgrade(v, p.event));
        else {
          const list = earlyUpgrade.current.get(p.runId) ?? [];
          if (list.length < 5000) list.push(p.event);
          earlyUpgrade.current.set(p.runId, list);
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

  const upgradeRequest = useCallback(() => {
    const { answers, secrets } = splitSecrets(form.getValues(), kept);
    return { answers, secrets, to: upgradeOffer?.to ?? '' };
  }, [form, kept, upgradeOffer]);

  const loadUpgradeReview = useCallback(() => {
    setUpgradeReview({ state: 'loading' });
    void installer()
      .upgradeReview(upgradeRequest())
      .then((r) =>
        setUpgradeReview(r.ok ? { state: 'done', review: r.value } : { state: 'error', error: r.error }),
      );
  }, [upgradeRequest]);

  const loadPlan = useCallback(() => {
    if (mode === 'upgrade') return loadUpgradeReview();
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
    document.title = `${PAGE_TITLES[page]} - ${MODE_TITLE[mode]} - QATrack+ Installer`;
    setStepsOpen(false);
  }, [page]);

  const startUpgrade = async () => {
    setRunError(undefined);
    setUpgradeCancelling(false);
    const review = upgradeReview.state === 'done' ? upgradeReview.review : undefined;
    const r = await installer().upgradeStart(upgradeRequest());
    if (!r.ok) return setRunError(r.error);
    upgradeRunIdRef.current = r.value.runId;
    const missed = earlyUpgrade.current.get(r.value.runId) ?? [];
    earlyUpgrade.current.clear();
    setUpgradeRun(missed.reduce(reduceUpgrade, emptyUpgradeRun(review)));
    setUpgradeRunId(r.value.runId);
    setPageIndex(pages.indexOf('progress'));
  };

  const cancelUpgrade = async () => {
    if (!upgradeRunId) return;
    const r = await installer().upgradeCancel({ runId: upgradeRunId });
    if (r.ok) setUpgradeCancelling(r.value.cancelling);
  };

  const startRun = async () => {
    if (mode === 'upgrade') return startUpgrade();
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
        : await installer().apply({
            mode,
            keepData: true,
            ...splitSecrets(v, kept),
            // Install approves exactly the plan Review showed (the helper refuses any other).
            approvedPlanSha256: plan.state === 'done' ? plan.plan.planSha256 : '',
          });
    if (!r.ok) {
      setRunError(r.error);
      return;
    }
    runIdRef.current = r.value.runId;
    const missed = early.current.get(r.value.runId) ?? [];
    early.current.clear();
    const seeded = seedPlan(emptyRun(Date.now()), plan.state === 'done' ? plan.plan : undefined);
    setRun(missed.reduce((acc, m) => reduceRun(acc, m.event, m.at), seeded));
    setRunId(r.value.runId);
    setPageIndex(pages.indexOf('progress'));
  };

  const cancelRun = async () => {
    if (!runId) return;
    const r = await installer().cancel({ runId });
    // Cancelled while the run was still re-checking the reviewed plan: no step has started, so
    // every step of that plan is left (the run has not announced its steps yet).
    const notStarted = run.steps.filter((s) => s.status === 'waiting').map((s) => s.title);
    if (r.ok) setCancelInfo(r.value.remaining.length ? r.value.remaining : notStarted);
  };

  /** Why Next is disabled, in words, next to the button (empty when it is not). */
  const reason = ((): string => {
    if (issues.size) {
      const names = [...issues.keys()].map(fieldLabel);
      return `To continue, fix ${issues.size === 1 ? 'this field' : `these ${issues.size} fields`}: ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', ...' : ''}.`;
    }
    if (page === 'check') {
      if (preflight.state !== 'done') return 'Checking this machine...';
      const errors = preflight.value.checks.filter((c) => c.status === 'error');
      if (errors.length)
        return `To continue, fix what is marked Problem: ${errors.map((c) => c.title).join(', ')}.`;
    }
    if (page === 'review' && mode === 'upgrade') {
      if (upgradeReview.state === 'loading' || upgradeReview.state === 'idle')
        return 'Checking the upgrade...';
      if (upgradeReview.state === 'error' || upgradeReview.review.refusal)
        return 'Upgrade is not possible yet: fix what is listed above, then check again.';
    } else if (page === 'review') {
      if (plan.state === 'loading' || plan.state === 'idle') return 'Working out the plan...';
      if (plan.state === 'error')
        return `${RUN_LABEL[mode]} is not possible yet: fix the problems listed above, then check again.`;
    }
    if (page === 'progress' && !(mode === 'upgrade' ? upgradeRun.end : run.ended))
      return 'Running: Next is available when the run ends.';
    return '';
  })();
  const blocked = reason !== '';

  const showProblems = async () => {
    await form.trigger(fieldsOn(page, mode, form.getValues(), env) as never);
    requestAnimationFrame(() => document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  };

  const goToPage = (p: PageId) => {
    const i = pages.indexOf(p);
    if (i >= 0) setPageIndex(i);
  };

  const next = () => {
    if (page === 'review' || (page === 'bundle' && mode === 'bundle')) void startRun();
    else setPageIndex((i) => Math.min(i + 1, pages.length - 1));
  };
  const back = () => setPageIndex((i) => Math.max(0, i - 1));
  const inRun = page === 'progress' || page === 'finish';
  const canGoBack = pageIndex > 0 && !inRun;
  const isRunButton = page === 'review' || page === 'bundle';
  const nextLabel = isRunButton ? RUN_LABEL[mode] : 'Next';
  const destructive = isRunButton && mode === 'uninstall';

  return (
    <FormProvider {...form}>
      <div className="shell">
        <nav
          className={stepsOpen ? 'open' : ''}
          aria-label="Wizard steps"
          style={{
            backgroundColor: tokens.colorNeutralBackground3,
            padding: '24px 12px',
            borderRight: `1px solid ${tokens.colorNeutralStroke2}`,
            minWidth: 0,
          }}
        >
          <div
            className="brand"
            style={{
              fontWeight: tokens.fontWeightSemibold,
              fontSize: tokens.fontSizeBase400,
              padding: '0 8px 16px',
            }}
          >
            QATrack+ Installer
          </div>
          <div className="steps-compact">
            <Text weight="semibold">
              Step {pageIndex + 1} of {pages.length}: {PAGE_TITLES[page]}
            </Text>
            <Button
              className="steps-toggle"
              size="small"
              aria-expanded={stepsOpen}
              aria-controls="step-list"
              onClick={() => setStepsOpen((o) => !o)}
            >
              {stepsOpen ? 'Hide steps' : 'All steps'}
            </Button>
          </div>
          <ol id="step-list" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {pages.map((p, i) => {
              const current = i === pageIndex;
              const done = i < pageIndex;
              return (
                <li key={p} aria-current={current ? 'step' : undefined}>
                  {done && !inRun ? (
                    <button
                      type="button"
                      className="step-link"
                      style={{ color: tokens.colorNeutralForeground2 }}
                      onClick={() => setPageIndex(i)}
                      aria-label={`Go back to ${PAGE_TITLES[p]} (done)`}
                    >
                      ✓ {PAGE_TITLES[p]}
                    </button>
                  ) : (
                    <div
                      className="step-item"
                      style={
                        current
                          ? {
                              backgroundColor: tokens.colorNeutralBackground1,
                              color: tokens.colorNeutralForeground1,
                              fontWeight: tokens.fontWeightSemibold,
                            }
                          : { color: done ? tokens.colorNeutralForeground2 : tokens.colorNeutralForeground3 }
                      }
                    >
                      {done ? '✓ ' : `${i + 1}. `}
                      {PAGE_TITLES[p]}
                    </div>
                  )}
                </li>
              );
            })}
          </ol>
        </nav>
        <main>
          <form
            className="content"
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
                {...(upgradeOffer ? { upgrade: upgradeOffer } : {})}
                lastSavedAt={lastSavedAt}
              />
            )}
            {page === 'check' && (
              <CheckPage state={preflight} onRetry={loadPreflight} onGoTo={goToPage} mode={mode} />
            )}
            {page === 'locations' && <LocationsPage />}
            {page === 'database' && <DatabasePage />}
            {page === 'accounts' && <AccountsPage mode={mode} />}
            {page === 'web' && <WebPage env={env} />}
            {page === 'mail' && <MailPage />}
            {page === 'signin' && <SignInPage />}
            {page === 'bundle' && <BundlePage />}
            {page === 'review' && mode === 'upgrade' && (
              <UpgradeReviewPage state={upgradeReview} onRetry={loadUpgradeReview} />
            )}
            {page === 'progress' && mode === 'upgrade' && (
              <UpgradeProgressPage
                run={upgradeRun}
                from={upgradeOffer?.from ?? ''}
                to={upgradeOffer?.to ?? ''}
                cancelling={upgradeCancelling}
                onCancel={() => void cancelUpgrade()}
              />
            )}
            {page === 'finish' && mode === 'upgrade' && <UpgradeFinishPage run={upgradeRun} />}
            {page === 'review' && mode !== 'upgrade' && (
              <ReviewPage
                mode={mode}
                state={plan}
                onRetry={loadPlan}
                onGoTo={goToPage}
                preflight={preflight}
                request={() => ({
                  mode: mode === 'bundle' ? 'install' : mode,
                  keepData: true,
                  ...splitSecrets(form.getValues(), kept),
                })}
              />
            )}
            {page === 'progress' && mode !== 'upgrade' && (
              <ProgressPage
                run={run}
                onCancel={() => void cancelRun()}
                cancelled={cancelInfo}
                mode={mode}
                onReview={() => goToPage('review')}
              />
            )}
            {page === 'finish' && mode !== 'upgrade' && (
              <FinishPage mode={mode} run={run} cancelled={cancelInfo} draft={form.getValues()} kept={kept} />
            )}
            {runError && (
              <MessageBar intent="error" layout="multiline">
                <MessageBarBody>
                  <MessageBarTitle>{plainText(runError.message)}</MessageBarTitle>
                  {runError.fix ? plainText(runError.fix) : ''}
                  {runError.issues?.map((i) => (
                    <Text block key={i.path}>
                      {fieldLabel(i.path)}: {plainText(i.message)}
                    </Text>
                  ))}
                </MessageBarBody>
              </MessageBar>
            )}
            <button type="submit" hidden aria-hidden="true" tabIndex={-1} />
          </form>
          <div className="footer" style={{ borderTop: `1px solid ${tokens.colorNeutralStroke2}` }}>
            {reason && (
              <Text id="next-reason" className="reason" role="status" size={200}>
                {reason}
              </Text>
            )}
            {issues.size > 0 && <Button onClick={() => void showProblems()}>Show problems</Button>}
            {canGoBack && <Button onClick={back}>Back</Button>}
            {page === 'finish' && (
              <Button appearance="primary" onClick={() => void installer().closeWindow({})}>
                Close
              </Button>
            )}
            {page !== 'finish' && (
              <Button
                appearance="primary"
                className={destructive ? 'danger' : undefined}
                onClick={next}
                disabledFocusable={blocked}
                aria-describedby={reason ? 'next-reason' : undefined}
                data-testid="next"
              >
                {nextLabel}
              </Button>
            )}
          </div>
        </main>
      </div>
    </FormProvider>
  );
}
