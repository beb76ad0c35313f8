import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The layering rules in eslint.config.js, run through ESLint's own Node API on the repo's config.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RULE = 'no-restricted-imports';

// Snippets are not on disk, so the typed rules (which need them in a tsconfig program) are switched
// off; the import rule needs no types.
const snippetLinter = () =>
  new ESLint({
    cwd: root,
    overrideConfig: [
      tseslint.configs.disableTypeChecked,
      { languageOptions: { parserOptions: { project: false, projectService: false } } },
    ],
  });

async function importFindings(file: string, code: string) {
  const [result] = await snippetLinter().lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === RULE).map((m) => m.message);
}

describe('layering lint rules', () => {
  it.each([
    ['electron/engine/runner-x.ts', "import { steps } from '../steps/index.js';"],
    ['electron/engine/answers/x.ts', "import type { Host } from '../../hosts/index.js';"],
    ['electron/engine/x.ts', "export { x } from '../helper/protocol.js';"],
    ['electron/engine/x.ts', "import { s } from '../app/session.js';"],
    ['electron/engine/x.ts', "import { c } from '../bundle/verify.js';"],
  ])('%s may not import %s', async (file, code) => {
    const found = await importFindings(file, code);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/electron\/engine is the core/);
  });

  it('hosts may not import steps', async () => {
    const found = await importFindings(
      'electron/hosts/posix/x.ts',
      "import { SECRET } from '../../steps/common/render-local-settings.js';",
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/Hosts are adapters/);
  });

  it.each([
    ['electron/engine/x.ts', "import { a } from './answers/index.js';"],
    ['electron/engine/upgrade/x.ts', "import type { Layout } from '../layout.js';"],
    ['electron/hosts/sim/x.ts', "import { topics } from '../../windows/topics.js';"],
    ['electron/hosts/posix/x.ts', "import type { Layout } from '../../engine/layout.js';"],
    ['electron/app/x.ts', "import { steps } from '../steps/index.js';"],
  ])('%s may import %s', async (file, code) => {
    expect(await importFindings(file, code)).toEqual([]);
  });

  it('the real electron/ tree breaks no layering rule', async () => {
    // Same as `npx eslint electron` for this rule (it needs no types; skipping them saves minutes).
    const results = await snippetLinter().lintFiles(['electron']);
    const broken = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === RULE)
        .map((m) => `${path.relative(root, r.filePath)}:${m.line} ${m.message}`),
    );
    expect(broken).toEqual([]);
    expect(results.length).toBeGreaterThan(50);
  }, 300_000);
});
