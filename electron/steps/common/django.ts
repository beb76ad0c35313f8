import type { ActionInput } from '../../engine/actions/index.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import {
  DEFAULT_SITE,
  LOADDATA_SCRIPT,
  SCHEMA_PROBE,
  shellArgs,
  SITE_PROBE,
  siteScript,
  SUPERUSER_SCRIPT,
  superuserProbe,
} from './django-scripts.js';
import { probeSource } from './source.js';

const FACT = { schema: 'django.schema', superuser: 'django.superuser', site: 'django.site' } as const;

/**
 * Which release's static files were collected, inside STATIC_ROOT itself: deleting the folder also
 * deletes the stamp, so repair collects again. Cheaper than a `collectstatic --dry-run` on every run
 * (QATrack+ has thousands of static files).
 */
export const staticStampPath = (ctx: StepContext) =>
  ctx.layout.join(ctx.layout.staticRoot, '.qatrack-static.sha256');

/** Which release's default data was loaded (the source archive's stamp). */
export const fixturesStampPath = (ctx: StepContext) =>
  ctx.layout.join(ctx.layout.stateDir, 'fixtures-loaded.sha256');

export interface DjangoProbe {
  /** Unapplied migrations; undefined when the project or database cannot be read yet. */
  unapplied?: number;
  cacheMissing: boolean;
  /** The release whose static files are in STATIC_ROOT. */
  staticStamp?: string;
  superuserExists: boolean;
  fixturesStamp?: string;
  /** The source archive's stamp: the release both the default data and static files come from. */
  expectedFixturesStamp?: string;
  /** The Django Sites row (undefined when it cannot be read yet). */
  site?: { domain: string | null; name: string | null };
}

/** The Sites domain the site should carry: the first host name (the canonical URL). */
const wantedDomain = (ctx: StepContext) => ctx.answers.site.hostNames[0]!;

const siteOk = (ctx: StepContext, site: DjangoProbe['site']) =>
  site !== undefined && site.domain === wantedDomain(ctx) && site.name !== DEFAULT_SITE;

const parseLastJson = (stdout: string): Record<string, unknown> | undefined => {
  const line = stdout.trim().split('\n').pop();
  try {
    const v: unknown = line ? JSON.parse(line) : undefined;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

const manage = (ctx: StepContext, args: string[], simFact: string) =>
  ctx.host.query({
    kind: 'exec',
    file: ctx.layout.venvPython,
    args: [ctx.layout.managepy, ...args],
    cwd: ctx.layout.sourceDir,
    timeoutMs: 120_000,
    simFact,
  });

export async function probeDjango(ctx: StepContext): Promise<DjangoProbe> {
  const [schema, stat, su, site, stamp, source] = await Promise.all([
    manage(ctx, shellArgs(SCHEMA_PROBE), FACT.schema),
    ctx.host.query({ kind: 'file', path: staticStampPath(ctx), content: true }),
    manage(ctx, shellArgs(superuserProbe(ctx.answers.admin.username)), FACT.superuser),
    manage(ctx, shellArgs(SITE_PROBE), FACT.site),
    ctx.host.query({ kind: 'file', path: fixturesStampPath(ctx), content: true }),
    probeSource(ctx),
  ]);
  const s = schema.exitCode === 0 ? parseLastJson(schema.stdout) : undefined;
  const u = su.exitCode === 0 ? parseLastJson(su.stdout) : undefined;
  const row = site.exitCode === 0 ? parseLastJson(site.stdout) : undefined;
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return {
    unapplied: typeof s?.unapplied === 'number' ? s.unapplied : undefined,
    cacheMissing: s?.cacheMissing !== false,
    staticStamp: stat.exists ? stat.content?.trim() : undefined,
    superuserExists: u?.exists === true,
    fixturesStamp: stamp.exists ? stamp.content?.trim() : undefined,
    expectedFixturesStamp: source.expectedStamp,
    site: row && 'domain' in row ? { domain: text(row.domain), name: text(row.name) } : undefined,
  };
}

/**
 * QATrack+'s Django set-up: migrate, cache table, default data (loaddata of every
 * fixtures/defaults/*\/*.json, sorted), the superuser (password on stdin) and collectstatic.
 * Each part is planned only when its probe says it is needed, so a converged site plans nothing.
 */
export const djangoStep = defineStep<DjangoProbe>({
  id: 'django',
  title: 'QATrack+ database and static files (Django)',
  dependsOn: ['wheelhouse', 'local-settings', 'source'],
  probe: probeDjango,
  plan(ctx, p): ActionInput[] {
    const { layout, answers } = ctx;
    const db = `${answers.database.engine} database ${answers.database.name} on ${answers.database.server}`;
    const run = (
      describe: string,
      args: string[],
      extra: Partial<Extract<ActionInput, { kind: 'exec' }>> = {},
    ) =>
      ({
        kind: 'exec',
        describe,
        file: layout.venvPython,
        args: [layout.managepy, ...args],
        cwd: layout.sourceDir,
        timeoutMs: 1_800_000,
        ...extra,
      }) satisfies ActionInput;
    const converged = { exitCode: 0, stdout: '{"unapplied": 0, "cacheMissing": false}\n', stderr: '' };
    const actions: ActionInput[] = [];
    const needMigrate = p.unapplied === undefined || p.unapplied > 0;
    if (needMigrate)
      actions.push(
        run(`Apply database migrations (manage.py migrate) to the ${db}`, ['migrate', '--noinput'], {
          produces: p.cacheMissing ? [] : [{ kind: 'fact', key: FACT.schema, value: converged }],
        }),
      );
    if (p.cacheMissing)
      actions.push(
        run(`Create the cache table (manage.py createcachetable) in the ${db}`, ['createcachetable'], {
          produces: [{ kind: 'fact', key: FACT.schema, value: converged }],
        }),
      );
    if (!p.expectedFixturesStamp || p.fixturesStamp !== p.expectedFixturesStamp) {
      actions.push(
        run(
          `Load the default data (loaddata fixtures/defaults/*/*.json, sorted) into the ${db}`,
          shellArgs(LOADDATA_SCRIPT),
        ),
      );
      if (p.expectedFixturesStamp)
        actions.push({
          kind: 'writeFile',
          describe: `Record the loaded default data in ${fixturesStampPath(ctx)}`,
          path: fixturesStampPath(ctx),
          content: [p.expectedFixturesStamp + '\n'],
        });
    }
    if (!p.superuserExists)
      actions.push(
        run(
          `Create the QATrack+ superuser "${answers.admin.username}" (password passed on stdin)`,
          shellArgs(SUPERUSER_SCRIPT),
          {
            stdin: [
              `{"username": ${JSON.stringify(answers.admin.username)}, "email": ${JSON.stringify(answers.admin.email)}, "password": "`,
              { $secret: answers.admin.password.$secret, encode: 'json-str' },
              '"}',
            ],
            produces: [
              {
                kind: 'fact',
                key: FACT.superuser,
                value: { exitCode: 0, stdout: '{"exists": true}\n', stderr: '' },
              },
            ],
          },
        ),
      );
    if (!siteOk(ctx, p.site)) {
      const domain = wantedDomain(ctx);
      // As siteScript does: the display name follows only while it is still Django's default.
      const name = p.site?.name && p.site.name !== DEFAULT_SITE ? p.site.name : domain;
      actions.push(
        run(
          `Set the Django Sites domain to ${domain} (page titles and mailed links; was ${p.site?.domain ?? 'not readable yet'})`,
          shellArgs(siteScript(domain)),
          {
            produces: [
              {
                kind: 'fact',
                key: FACT.site,
                value: { exitCode: 0, stdout: `${JSON.stringify({ domain, name })}\n`, stderr: '' },
              },
            ],
          },
        ),
      );
    }
    if (!p.expectedFixturesStamp || p.staticStamp !== p.expectedFixturesStamp) {
      actions.push(
        run(
          `Collect static files into ${layout.staticRoot} (manage.py collectstatic --noinput)`,
          ['collectstatic', '--noinput'],
          {
            produces: [
              { kind: 'dir', path: layout.staticRoot },
              // The file verify fetches through the proxy to prove static files are served.
              { kind: 'file', path: layout.join(layout.staticRoot, 'qa', 'img', 'tux.png') },
            ],
          },
        ),
      );
      if (p.expectedFixturesStamp)
        actions.push({
          kind: 'writeFile',
          describe: `Record the collected static files in ${staticStampPath(ctx)}`,
          path: staticStampPath(ctx),
          content: [p.expectedFixturesStamp + '\n'],
        });
    }
    return actions;
  },
  async verify(ctx) {
    const p = await probeDjango(ctx);
    return [
      {
        id: 'django.migrations',
        title: 'Database schema is up to date',
        ok: p.unapplied === 0 && !p.cacheMissing,
        detail:
          p.unapplied === undefined ? 'cannot read the database' : `${p.unapplied} unapplied migrations`,
        fix: 'Run `repair`; check the database settings if it fails again.',
      },
      {
        id: 'django.superuser',
        title: `Superuser "${ctx.answers.admin.username}" exists`,
        ok: p.superuserExists,
        detail: p.superuserExists ? 'present' : 'missing',
      },
      {
        id: 'django.site',
        title: `Django Sites domain is ${wantedDomain(ctx)}`,
        ok: siteOk(ctx, p.site),
        detail: p.site
          ? `domain ${p.site.domain ?? '(none)'}, name ${p.site.name ?? '(none)'}`
          : 'cannot read the Sites table',
        fix: 'Run `repair`.',
      },
      {
        id: 'django.static',
        title: 'Static files collected',
        ok: p.staticStamp !== undefined && p.staticStamp === p.expectedFixturesStamp,
        detail:
          p.staticStamp === undefined
            ? `not collected into ${ctx.layout.staticRoot}`
            : p.staticStamp === p.expectedFixturesStamp
              ? `collected into ${ctx.layout.staticRoot}`
              : 'collected from another release',
      },
    ];
  },
});
