import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import stringify from 'safe-stable-stringify';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import type { Answers } from './answers/index.js';
import { InputError } from './errors.js';
import type { PlanResult } from './report.js';

/**
 * A saved plan (Terraform's `plan -out`): what a change board approved, bound to the run that
 * applies it. The hash covers the command, the release and catalog, the host, the answers (secrets
 * are references, never values) and every planned action. The probed facts enter through the
 * actions they produce: hashing raw probes would make every plan stale (PIDs, timestamps).
 */
/** install and repair converge to the same plan; uninstall has its own. */
export type PlanCommand = 'install' | 'uninstall';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const canonical = (value: unknown): string => stringify(value) ?? 'null';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

const savedStepSchema = z.object({
  id: z.string(),
  title: z.string(),
  // Actions stay as planned (validated again when the plan is recomputed and compared).
  actions: z.array(z.looseObject({ kind: z.string(), describe: z.string() })),
});

export const savedPlanSchema = z.object({
  format: z.literal(1),
  kind: z.literal('qatrack-installer-plan'),
  command: z.enum(['install', 'uninstall']),
  keepData: z.boolean().optional(),
  release: z.string(),
  host: z.string(),
  installer: z.string(),
  createdAt: z.string(),
  answersSha256: hex64,
  catalogSha256: hex64,
  changes: z.number().int().nonnegative(),
  steps: z.array(savedStepSchema),
  planSha256: hex64,
});
export type SavedPlan = z.infer<typeof savedPlanSchema>;

export interface PlanBinding {
  command: PlanCommand;
  keepData?: boolean;
  release: string;
  host: string;
  installer: string;
  answers: Answers;
  catalog: unknown;
}

/** What the hash covers: everything but the hash itself, the creation time and the installer build. */
function hashedPart(p: Omit<SavedPlan, 'planSha256' | 'createdAt' | 'installer'>) {
  return {
    command: p.command,
    keepData: p.keepData ?? null,
    release: p.release,
    host: p.host,
    answersSha256: p.answersSha256,
    catalogSha256: p.catalogSha256,
    steps: p.steps.map((s) => ({ id: s.id, actions: s.actions })),
  };
}

export function buildSavedPlan(plan: PlanResult, b: PlanBinding, now = new Date()): SavedPlan {
  const body = {
    format: 1 as const,
    kind: 'qatrack-installer-plan' as const,
    command: b.command,
    ...(b.command === 'uninstall' ? { keepData: b.keepData ?? true } : {}),
    release: b.release,
    host: b.host,
    installer: b.installer,
    createdAt: now.toISOString(),
    answersSha256: sha256(canonical(b.answers)),
    catalogSha256: sha256(canonical(b.catalog)),
    changes: plan.changes,
    // JSON round trip: the saved form is exactly what a reader parses back.
    steps: JSON.parse(JSON.stringify(plan.steps)) as SavedPlan['steps'],
  };
  return { ...body, planSha256: sha256(canonical(hashedPart(body))) };
}

export const recomputeHash = (p: SavedPlan) => sha256(canonical(hashedPart(p)));

export async function writeSavedPlan(file: string, plan: SavedPlan): Promise<void> {
  try {
    await writeFileAtomic(file, JSON.stringify(plan, null, 2) + '\n', { encoding: 'utf8' });
  } catch (e) {
    throw new InputError(
      'PLAN_FILE_UNWRITABLE',
      `Cannot write the plan file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
      [{ path: '--out', message: 'must be a file in a folder you can write' }],
    );
  }
}

/** Reads a saved plan and proves it is the file `plan --out` wrote: an edited action fails its hash. */
export function readSavedPlan(file: string): SavedPlan {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new InputError(
      'PLAN_FILE_UNREADABLE',
      `Cannot read the plan file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`,
      [{ path: '--plan', message: 'must be a plan file written by "qatrack-installer plan --out"' }],
    );
  }
  const parsed = savedPlanSchema.safeParse(raw);
  if (!parsed.success)
    throw new InputError(
      'PLAN_FILE_INVALID',
      `${file} is not a plan file written by "qatrack-installer plan --out".`,
      parsed.error.issues.map((i) => ({ path: `--plan ${i.path.join('.')}`.trim(), message: i.message })),
      'Make a new plan with "qatrack-installer plan --out FILE" and have it reviewed.',
    );
  if (recomputeHash(parsed.data) !== parsed.data.planSha256)
    throw new InputError(
      'PLAN_FILE_ALTERED',
      `The plan file ${file} was changed after it was made: its content does not match its hash.`,
      [{ path: '--plan', message: 'content does not match planSha256' }],
      'Never edit a plan file. Make a new plan with "qatrack-installer plan --out FILE" and have it reviewed.',
    );
  return parsed.data;
}

/** Readable difference between an approved plan and the one computed now, for the person to review. */
export function diffPlans(approved: SavedPlan, current: SavedPlan): string[] {
  const lines: string[] = [];
  const fields = ['command', 'release', 'host', 'keepData'] as const;
  for (const f of fields)
    if (approved[f] !== current[f])
      lines.push(`${f}: approved ${String(approved[f])}, now ${String(current[f])}`);
  if (approved.answersSha256 !== current.answersSha256)
    lines.push('answers: changed since the plan was made');
  if (approved.catalogSha256 !== current.catalogSha256)
    lines.push('release catalog: changed since the plan was made (another installer version?)');
  const byId = (p: SavedPlan) => new Map(p.steps.map((s) => [s.id, s]));
  const before = byId(approved);
  const after = byId(current);
  for (const id of new Set([...before.keys(), ...after.keys()])) {
    const a = before.get(id)?.actions ?? [];
    const b = after.get(id)?.actions ?? [];
    const title = after.get(id)?.title ?? before.get(id)?.title ?? id;
    const key = (x: unknown) => canonical(x);
    const bKeys = new Set(b.map(key));
    const aKeys = new Set(a.map(key));
    const removed = a.filter((x) => !bKeys.has(key(x)));
    const added = b.filter((x) => !aKeys.has(key(x)));
    const changedDetail = removed.length === 0 && added.length === 0 && key(a) !== key(b);
    if (!removed.length && !added.length && !changedDetail) continue;
    lines.push(`${title}:`);
    // The same description on both sides: the action stays, its details (content, arguments) changed.
    const addedDescribes = new Set(added.map((x) => x.describe));
    const removedDescribes = new Set(removed.map((x) => x.describe));
    for (const x of removed)
      lines.push(
        addedDescribes.has(x.describe)
          ? `  ~ ${x.describe} (details changed)`
          : `  - ${x.describe} (approved, no longer planned)`,
      );
    for (const x of added)
      if (!removedDescribes.has(x.describe)) lines.push(`  + ${x.describe} (planned now, not approved)`);
    if (changedDetail) lines.push('  ~ the same actions in another order');
  }
  return lines;
}

/** Refuses to run anything but the approved plan. */
export function assertSamePlan(approved: SavedPlan, current: SavedPlan): void {
  if (approved.planSha256 === current.planSha256) return;
  const diff = diffPlans(approved, current);
  throw new InputError(
    'PLAN_STALE',
    `The machine or the answers changed since this plan was made (approved ${approved.planSha256.slice(0, 12)}, now ${current.planSha256.slice(0, 12)}); nothing was changed.\n${diff.join('\n')}`,
    [{ path: '--plan', message: 'does not match what would be done now' }],
    'Review the new plan ("qatrack-installer plan --out FILE"), have it approved, and apply that one.',
  );
}
