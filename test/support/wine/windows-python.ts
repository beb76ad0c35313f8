/**
 * A Windows Python install inside a Wine prefix, at the paths the golden Windows plans use, built
 * from the embeddable distribution (the real release's own files; the full python.org installer is
 * not on a package registry). Gives the plan's actions (exec) by step, to run them as planned.
 */
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { templatedTextSchema } from '../../../electron/engine/secrets.js';
import { repoRoot } from '../fixture.js';
import type { WinePrefix } from './wine.js';

const execAction = z.object({
  kind: z.literal('exec'),
  describe: z.string(),
  file: z.string(),
  args: z.array(z.string()),
  env: z.record(z.string(), z.string()).optional(),
  cwd: z.string().optional(),
  stdin: templatedTextSchema.optional(),
});
export type PlannedExec = z.infer<typeof execAction>;

const goldenPlan = z.object({
  steps: z.array(z.object({ id: z.string(), actions: z.array(z.looseObject({ kind: z.string() })) })),
});

/** The reviewed golden plan for x64 with an existing SQL Server (test/golden/windows). */
export async function goldenActions(name = 'x64-existing-sql') {
  const plan = goldenPlan.parse(
    JSON.parse(await readFile(path.join(repoRoot, 'test', 'golden', 'windows', `${name}.json`), 'utf8')),
  );
  return {
    /** Every action of one step, as the plan has it. */
    step: (id: string) => {
      const step = plan.steps.find((s) => s.id === id);
      if (!step) throw new Error(`golden plan ${name} has no step ${id}`);
      return step.actions;
    },
    /** The exec actions of one step. */
    execs: (id: string): PlannedExec[] =>
      plan.steps
        .find((s) => s.id === id)!
        .actions.filter((a) => a.kind === 'exec')
        .map((a) => execAction.parse(a)),
  };
}

/**
 * Copies the embeddable CPython into the prefix at `winDir` and turns `site` on in its `._pth`
 * (python.org's docs, "The embeddable package": the `._pth` file replaces sys.path and `import site`
 * in it enables site-packages), so a venv made from it finds its packages.
 */
export async function installEmbeddablePython(
  prefix: WinePrefix,
  embedDir: string,
  winDir: string,
): Promise<void> {
  const dir = prefix.unixPath(winDir);
  await mkdir(path.dirname(dir), { recursive: true });
  await cp(embedDir, dir, { recursive: true });
  await writeFile(
    path.join(dir, 'python39._pth'),
    'python39.zip\r\n.\r\nLib\\site-packages\r\nimport site\r\n',
  );
}

/**
 * Imports every top-level module of every installed distribution (names from top_level.txt that
 * Python can find; pywin32 lists folders there too) and prints {ok, failed} as JSON.
 */
export const IMPORT_ALL = [
  'import importlib, importlib.util, json',
  'from importlib import metadata',
  'names = set()',
  'for d in metadata.distributions():',
  '    for n in (d.read_text("top_level.txt") or "").split():',
  '        if n.isidentifier() and not n.startswith("_"): names.add(n)',
  'ok, failed, absent = [], {}, []',
  'for n in sorted(names):',
  '    try:',
  '        if importlib.util.find_spec(n) is None: absent.append(n); continue',
  '        importlib.import_module(n); ok.append(n)',
  '    except Exception as e:',
  '        failed[n] = "%s: %s" % (type(e).__name__, e)',
  'print(json.dumps({"ok": ok, "failed": failed, "absent": absent}))',
].join('\n');

/**
 * Does what the plan's staging step does for one staged file: finds its copy action (the bundle
 * file it comes from) and places `source` at the staged path, a Windows path under a drive that
 * `drives` maps to a Linux folder. Returns the bundle path the plan copies it from.
 */
export async function stageAsPlanned(
  plan: Awaited<ReturnType<typeof goldenActions>>,
  staged: string,
  source: string,
  drives: Record<string, string>,
): Promise<string> {
  const copy = plan
    .step('stage-artifacts')
    .find((a) => a.kind === 'copy' && (a as { to?: unknown }).to === staged) as { from: string } | undefined;
  if (!copy) throw new Error(`the golden plan stages nothing at ${staged}`);
  const drive = staged.slice(0, 1).toUpperCase();
  const root = drives[drive];
  if (!root) throw new Error(`drive ${drive}: is not mapped`);
  const linux = path.join(root, ...staged.slice(3).split('\\'));
  await mkdir(path.dirname(linux), { recursive: true });
  await cp(source, linux);
  return copy.from;
}
