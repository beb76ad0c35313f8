import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { answersJsonSchema, loadAnswers, secretEnvName } from '../../electron/engine/answers/index.js';

const example = () =>
  JSON.parse(readFileSync('resources/examples/answers.json', 'utf8')) as Record<string, any>;

describe('answers', () => {
  it('accepts the shipped example and swaps every secret for a reference', () => {
    const r = loadAnswers(example());
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.answers.database.login.password).toEqual({ $secret: 'database.login.password' });
    expect(JSON.stringify(r.answers)).not.toContain('Ch4nge-me');
    expect(r.secrets.get('database.login.password')).toBe('Ch4nge-me the "db" %pw%^&!');
    expect(r.answers.workers).toEqual({ count: 3, basePort: 8000 });
  });

  it('lists every problem with its path and what is allowed', () => {
    const a = example();
    a.site.httpPort = 70000;
    a.workers.count = 33;
    a.paths.installDir = 'C:\\Program Files\\QATrack';
    a.paths.dataDir = '/opt/qätrack';
    a.database.name = "qa'track";
    a.database.login.user = 'x'.repeat(129);
    a.database.instance = 'SQL]EXPRESS';
    a.site.hostNames = ['bad host'];
    a.site.https.certificate = { mode: 'thumbprint', thumbprint: 'abc' };
    const r = loadAnswers(a);
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'site.httpPort',
        'workers.count',
        'paths.installDir',
        'paths.dataDir',
        'database.name',
        'database.login.user',
        'database.instance',
        'site.hostNames.0',
        'site.https.certificate.thumbprint',
      ]),
    );
    const msg = r.ok ? '' : r.issues.find((i) => i.path === 'workers.count')!.message;
    expect(msg).toMatch(/1 to 32/);
  });

  it.each([['qa]track'], ["qa'track"], ['qa"track'], ['qa;track'], ['qa\u2019track'], ['a'.repeat(129)]])(
    'refuses the database name %j',
    (name) => {
      const a = example();
      a.database.name = name;
      const r = loadAnswers(a);
      expect(r.ok ? [] : r.issues.map((i) => i.path)).toContain('database.name');
    },
  );

  it.each([
    ['C:\\QA"Track'],
    ["C:\\QA'Track"],
    ['C:\\QA Track'],
    ['C:\\Qätrack'],
    ['C:\\' + 'a'.repeat(200)],
  ])('refuses the install path %j', (p) => {
    const a = example();
    a.paths.installDir = p;
    const r = loadAnswers(a);
    expect(r.ok ? [] : r.issues.map((i) => i.path)).toContain('paths.installDir');
  });

  // Issue 16: the port-claim refinement once looped over a billion ports ("Map maximum size
  // exceeded", exit 1) because zod runs refinements after a failed range check.
  it.each([
    [{ count: 1_000_000_000, basePort: 8000 }, 'workers.count', /1 to 32/],
    [{ count: -5, basePort: 8000 }, 'workers.count', /1 to 32/],
    [{ count: 2.5, basePort: 8000 }, 'workers.count', /whole number/],
    [{ count: 3, basePort: 1e12 }, 'workers.basePort', /1 to 65535/],
  ])('names the field for workers %j and runs no refinement on it', (workers, field, message) => {
    const a = example();
    a.workers = workers;
    const r = loadAnswers(a);
    expect(r.ok).toBe(false);
    const issues = r.ok ? [] : r.issues;
    expect(issues.map((i) => i.path)).toEqual([field]);
    expect(issues[0]!.message).toMatch(message);
  });

  it('refuses an over-long path with one message, not every pattern it also breaks', () => {
    const a = example();
    a.paths.dataDir = 'C:\\' + 'ä '.repeat(5_000_000);
    const r = loadAnswers(a);
    const issues = r.ok ? [] : r.issues.filter((i) => i.path === 'paths.dataDir');
    expect(issues.map((i) => i.message)).toEqual([expect.stringMatching(/at most \d+ characters/)]);
  });

  it('accepts passwords with quotes, %, ^, &, ! and spaces', () => {
    const a = example();
    a.admin.password = 'a "b" %c% ^d& !e';
    const r = loadAnswers(a);
    expect(r.ok && r.secrets.get('admin.password')).toBe('a "b" %c% ^d& !e');
  });

  it('reads secrets from the environment and from provided values, never echoing them in errors', () => {
    const a = example();
    a.admin.password = { env: 'ADMIN_PW' };
    delete a.database.login.password;
    const r = loadAnswers(a, {
      env: { ADMIN_PW: 'from-env-123', [secretEnvName('database.login.password')]: 'from-default-env' },
      provided: { 'email.password': 'from-stdin-456' },
    });
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    expect(r.secrets.get('admin.password')).toBe('from-env-123');
    expect(r.secrets.get('database.login.password')).toBe('from-default-env');
    expect(r.secrets.get('email.password')).toBe('from-stdin-456');

    const short = loadAnswers(
      { ...a, admin: { ...a.admin, password: { env: 'SHORT' } } },
      { env: { SHORT: 'tiny' } },
    );
    expect(short.ok).toBe(false);
    expect(JSON.stringify(short)).not.toContain('tiny');
  });

  it('exports a JSON Schema that names the required sections', () => {
    const schema = answersJsonSchema() as { required: string[]; properties: Record<string, unknown> };
    expect(schema.required).toEqual(expect.arrayContaining(['paths', 'database', 'admin', 'site']));
    expect(Object.keys(schema.properties)).toContain('workers');
  });
});
