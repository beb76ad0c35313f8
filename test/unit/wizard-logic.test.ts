import { describe, expect, it } from 'vitest';
import { issuePlace, labelOf } from '../../electron/engine/answers/labels.js';
import type { Plan } from '../../electron/ipc/contract.js';
import {
  answersToDraft,
  defaultDraft,
  draftToAnswers,
  fieldsOn,
  pageIssues,
  pagesFor,
} from '../../renderer/src/draft.js';
import { emptyRun, reduceRun, seedPlan } from '../../renderer/src/progress-state.js';
import { plainText } from '../../renderer/src/words.js';

const plan = (counts: Record<string, number>): Plan => ({
  mode: 'install',
  changes: Object.values(counts).reduce((a, b) => a + b, 0),
  estimateSeconds: 60,
  planSha256: '0'.repeat(64),
  summary: { serverWide: [], ports: [], services: [], logins: [], folders: [], firewall: [] },
  steps: Object.entries(counts).map(([id, n]) => ({
    id,
    title: id,
    status: n ? 'changes' : 'ok',
    actions: Array.from({ length: n }, (_, i) => ({ kind: 'mkdir', describe: `${id} ${i}` })),
  })),
});

describe('plain words (one labels table)', () => {
  it('names answers paths in words for the CLI (with the path) and the wizard (without)', () => {
    expect(labelOf('site.httpPort')).toBe('HTTP port');
    expect(labelOf('site.hostNames.1')).toBe('Host names (item 2)');
    expect(issuePlace('paths.dataDir')).toBe('Data folder (paths.dataDir)');
    expect(issuePlace('--host')).toBe('--host');
    expect(plainText('Stop nginx.exe or choose another HTTP port (site.httpPort).')).toBe(
      'Stop nginx.exe or choose another HTTP port.',
    );
    expect(plainText('password from database.readonlyLogin.password')).toBe(
      'password from "Read-only (reports) login password"',
    );
  });
});

describe('wizard pages', () => {
  it('asks about the Default Web Site only while it holds a port the answers use', () => {
    const d = defaultDraft('qatrack');
    const env = { defaultWebSitePorts: [80] };
    expect(pageIssues(d, {}, 'check', 'install', env).get('site.defaultWebSite')).toMatch(
      /Default Web Site: it holds port 80/,
    );
    expect(
      pageIssues({ ...d, site: { ...d.site, defaultWebSite: 'stop' } }, {}, 'check', 'install', env).size,
    ).toBe(0);
    expect(fieldsOn('check', 'install', { ...d, site: { ...d.site, httpPort: '8080' } }, env)).toEqual([]);
  });

  it('an empty required folder says Required', () => {
    const d = defaultDraft();
    d.paths.installDir = '';
    expect(pageIssues(d, {}, 'locations', 'install').get('paths.installDir')).toBe('Required');
  });

  it('uninstall asks for no password with Windows sign-in, and only the SQL administrator one with a SQL login', () => {
    const d = defaultDraft();
    expect(pagesFor('uninstall', d)).not.toContain('accounts');
    d.database.authMode = 'sql';
    expect(pagesFor('uninstall', d)).toContain('accounts');
    expect(fieldsOn('accounts', 'uninstall', d)).toEqual(['database.admin.password', 'confirm.dbAdmin']);
    expect(fieldsOn('accounts', 'repair', d)).toContain('admin.password');
  });
});

describe('mail answers', () => {
  it('reconfigure keeps the names of error-mail people who stay and names new ones by their mailbox', () => {
    const last = {
      ...draftToAnswers(defaultDraft()),
      email: { enabled: false, admins: [{ name: 'Dr Physics', email: 'physics@hospital.org' }] },
    };
    const { draft, kept } = answersToDraft(last);
    expect(draft.email.admins).toBe('physics@hospital.org');
    draft.email.admins = 'physics@hospital.org, it@hospital.org';
    expect((draftToAnswers(draft, kept).email as { admins: unknown }).admins).toEqual([
      { name: 'Dr Physics', email: 'physics@hospital.org' },
      { name: 'it', email: 'it@hospital.org' },
    ]);
  });
});

describe('progress', () => {
  it('counts planned changes only: a step with nothing to do is shown as such and does not move the bar', () => {
    const at = Date.UTC(2026, 11, 2, 7, 0, 0);
    let v = seedPlan(emptyRun(at), plan({ a: 2, b: 0, c: 2 }));
    v = reduceRun(v, { type: 'run-start', runId: 'r', command: 'install', steps: v.steps }, at);
    v = reduceRun(v, { type: 'step-start', step: 'b', title: 'b', index: 1, total: 3 }, at);
    v = reduceRun(v, { type: 'step-end', step: 'b', status: 'ok', changed: 0 }, at);
    expect(v.overall).toBe(0); // nothing-to-do step: 0 %, not 33 %
    v = reduceRun(v, { type: 'action-start', step: 'a', index: 0, total: 2, describe: 'a 0' }, at);
    v = reduceRun(v, { type: 'action-end', step: 'a', index: 0, ok: true, durationMs: 5 }, at);
    expect(v.overall).toBe(0.25);
    // The run found step c already right: its two planned changes leave the count.
    v = reduceRun(v, { type: 'step-end', step: 'c', status: 'ok', changed: 0 }, at);
    expect(v.overall).toBe(0.5);
    expect(v.steps.find((s) => s.id === 'b')).toMatchObject({ status: 'ok', planned: 0 });
    expect(v.log.at(-1)).toMatch(/^\[\d\d:\d\d:\d\d\] /);
  });
});
