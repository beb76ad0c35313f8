import type { ActionInput } from '../../engine/actions/index.js';
import { usesDirectory } from '../../engine/answers/sign-in.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { shellArgs } from './django-scripts.js';
import { pyList } from './python-literal.js';

/**
 * The directory sign-in groups, where QATrack+ 3.1.1.4 reads them: database rows, not settings.
 * Upstream's release notes (docs/release_notes.rst L504-512 at v3.1.1.4) replaced AD_MEMBERSHIP_REQ
 * by "account qualifying" ActiveDirectoryGroupMap rows and DEFAULT_GROUP_NAMES by DefaultGroup rows
 * (qatrack/accounts/models.py L6-50); ActiveDirectoryGroupMembershipSSLBackend refuses a user in none
 * of the qualifying AD groups and adds every user to the default groups (backends.py L89-99,
 * L189-195). A local_settings.py AD_MEMBERSHIP_REQ would be ignored.
 *
 * The answers are the truth, as for every other setting: repair sets exactly signIn.membershipRequired
 * as qualifying (other rows keep their group maps, only lose the flag) and exactly
 * signIn.defaultGroups as default groups (a missing QATrack+ group is created, without permissions).
 */

type Directory = { membershipRequired: string[]; defaultGroups: string[] };

const FACT = 'signIn.groups';

const directoryOf = (ctx: StepContext): Directory | undefined => {
  const s = ctx.answers.signIn;
  return s.kind === 'activeDirectory' || s.kind === 'windowsIntegrated' ? s : undefined;
};

const sorted = (xs: string[]) => [...new Set(xs)].sort();

/** One JSON line: the qualifying AD group names and the default QATrack+ group names, sorted. */
export const GROUPS_PROBE = [
  'import json',
  'from qatrack.accounts.models import ActiveDirectoryGroupMap, DefaultGroup',
  'q = sorted(ActiveDirectoryGroupMap.objects.filter(account_qualifier=True).values_list("ad_group", flat=True))',
  'd = sorted(set(DefaultGroup.objects.values_list("group__name", flat=True)))',
  'print(json.dumps({"qualifying": q, "defaults": d}))',
].join('\n');

/** Converges both tables to the lists, in one transaction; prints what GROUPS_PROBE prints. */
export const groupsScript = (d: Directory) =>
  [
    'import json',
    'from django.contrib.auth.models import Group',
    'from django.db import transaction',
    'from qatrack.accounts.models import ActiveDirectoryGroupMap, DefaultGroup',
    `required = ${pyList(sorted(d.membershipRequired))}`,
    `defaults = ${pyList(sorted(d.defaultGroups))}`,
    'with transaction.atomic():',
    '    for row in ActiveDirectoryGroupMap.objects.filter(account_qualifier=True).exclude(ad_group__in=required):',
    '        row.account_qualifier = False',
    '        row.save()',
    '        print("no longer qualifying: %s" % row.ad_group)',
    '    for name in required:',
    '        row, _ = ActiveDirectoryGroupMap.objects.get_or_create(ad_group=name)',
    '        if not row.account_qualifier:',
    '            row.account_qualifier = True',
    '            row.save()',
    '            print("qualifying: %s" % name)',
    '    DefaultGroup.objects.exclude(group__name__in=defaults).delete()',
    '    for name in defaults:',
    '        group, _ = Group.objects.get_or_create(name=name)',
    '        if not DefaultGroup.objects.filter(group=group).exists():',
    '            DefaultGroup.objects.create(group=group)',
    '            print("default group: %s" % name)',
    'print(json.dumps({"qualifying": required, "defaults": defaults}))',
  ].join('\n');

export interface SignInGroupsProbe {
  /** undefined: the tables cannot be read yet (before migrate on a fresh install). */
  qualifying?: string[];
  defaults?: string[];
}

export async function probeSignInGroups(ctx: StepContext): Promise<SignInGroupsProbe> {
  const r = await ctx.host.query({
    kind: 'exec',
    file: ctx.layout.venvPython,
    args: [ctx.layout.managepy, ...shellArgs(GROUPS_PROBE)],
    cwd: ctx.layout.sourceDir,
    timeoutMs: 120_000,
    simFact: FACT,
  });
  const line = r.exitCode === 0 ? r.stdout.trim().split('\n').pop() : undefined;
  try {
    const v = JSON.parse(line ?? '') as { qualifying?: unknown; defaults?: unknown };
    const strings = (x: unknown) => (Array.isArray(x) ? sorted(x.map(String)) : undefined);
    return { qualifying: strings(v.qualifying), defaults: strings(v.defaults) };
  } catch {
    return {};
  }
}

const same = (a: string[] | undefined, b: string[]) =>
  a !== undefined && a.join('\n') === sorted(b).join('\n');

const converged = (d: Directory, p: SignInGroupsProbe) =>
  same(p.qualifying, d.membershipRequired) && same(p.defaults, d.defaultGroups);

const listOrNone = (xs: string[]) => (xs.length ? xs.map((x) => `"${x}"`).join(', ') : 'none');

export const signInGroupsStep = defineStep<SignInGroupsProbe>({
  id: 'sign-in-groups',
  title: 'Directory sign-in: required and default groups',
  dependsOn: ['django'],
  appliesTo: (ctx) => usesDirectory(ctx.answers.signIn.kind),
  probe: probeSignInGroups,
  plan(ctx, p): ActionInput[] {
    const d = directoryOf(ctx);
    if (!d || converged(d, p)) return [];
    const { layout } = ctx;
    const want = { qualifying: sorted(d.membershipRequired), defaults: sorted(d.defaultGroups) };
    return [
      {
        kind: 'exec',
        describe: `Set QATrack+'s account qualifying AD groups to ${listOrNone(want.qualifying)} and its default groups to ${listOrNone(want.defaults)} (accounts tables; was ${p.qualifying ? `${listOrNone(p.qualifying)} / ${listOrNone(p.defaults ?? [])}` : 'not readable yet'})`,
        file: layout.venvPython,
        args: [layout.managepy, ...shellArgs(groupsScript(d))],
        cwd: layout.sourceDir,
        timeoutMs: 300_000,
        produces: [
          {
            kind: 'fact',
            key: FACT,
            value: { exitCode: 0, stdout: `${JSON.stringify(want)}\n`, stderr: '' },
          },
        ],
      },
    ];
  },
  async verify(ctx) {
    const d = directoryOf(ctx);
    if (!d) return [];
    const p = await probeSignInGroups(ctx);
    const ok = converged(d, p);
    return [
      {
        id: 'sign-in.groups',
        title: 'Required and default sign-in groups set in QATrack+',
        ok,
        detail: p.qualifying
          ? `qualifying AD groups: ${listOrNone(p.qualifying)}; default groups: ${listOrNone(p.defaults ?? [])}`
          : 'cannot read the accounts tables',
        fix: ok ? undefined : 'Run `repair`.',
      },
    ];
  },
});
