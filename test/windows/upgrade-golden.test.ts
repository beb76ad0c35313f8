import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planWindowsUpgrade, type WinUpgradePlan } from '../../electron/app/upgrade/windows-upgrade.js';
import { windowsUpgradeSpec } from '../../electron/app/upgrade/windows-spec.js';
import { loadCatalogFrom } from '../../electron/cli/prepare.js';
import { renderWindowsUpgradePlan } from '../../electron/cli/upgrade-windows.js';
import { expectGolden, renderAction, renderFiles } from '../support/golden.js';
import { CANARY } from '../support/windows-sim.js';
import { answersFor, BUNDLE, installedServer, upgradeCatalogDir } from './upgrade-support.js';

/**
 * Golden Windows upgrade plans, next to the install goldens (test/golden/windows): every phase's
 * actions with their argv, SQL (batch + parameters) and files, planned on a sim server that runs
 * the "from" release. A fixed start time names the backup folder. UPDATE_GOLDEN=1 rewrites them.
 */
const DIR = 'test/golden/windows';
const NOW = new Date('2026-12-01T22:00:00Z');
const CATALOG = upgradeCatalogDir();

function render(plan: WinUpgradePlan): string {
  const lines: string[] = [renderWindowsUpgradePlan(plan, 'sim:STATE'), '# Every action', ''];
  const files: Record<string, string> = {};
  for (const ph of plan.phases) {
    lines.push(`## ${ph.id} — ${ph.describe}`);
    for (const step of ph.steps) {
      lines.push(`### ${step.id} — ${step.title}${step.actions.length ? '' : ' (nothing to do)'}`);
      for (const a of step.actions)
        renderAction(
          a,
          lines,
          files,
          { thumbprint: '' },
          a.kind === 'writeFile' ? `${ph.id}: ${a.path}` : '',
        );
    }
    lines.push('');
  }
  renderFiles(lines, files);
  return `${lines.join('\n')}\n`;
}

const cases = [
  { name: 'upgrade-3.1.1.4-to-4.0.x', from: '3.1.1.4', to: '4.0.x' },
  { name: 'upgrade-3.1.1.3-to-3.1.1.4', from: '3.1.1.3', to: '3.1.1.4' },
];

describe('golden Windows upgrade plans', { timeout: 120_000 }, () => {
  for (const c of cases)
    it(`${c.from} -> ${c.to} matches ${DIR}/${c.name}.txt; no secret in it`, async () => {
      const s = await installedServer(c.from, c.to, CATALOG);
      const a = answersFor(c.from, (x) => (x.paths.bundleDir = BUNDLE(c.to)));
      const plan = await planWindowsUpgrade({
        // The spec as the CLI and the wizard build it (electron/app/upgrade/windows-spec.ts).
        spec: windowsUpgradeSpec({
          answers: a.answers,
          installed: { release: c.from },
          to: c.to,
          catalogFrom: loadCatalogFrom(CATALOG, c.from),
          catalogTo: loadCatalogFrom(CATALOG, c.to),
          keepDays: 14,
          now: NOW,
        }),
        secrets: a.secrets,
        hostSpec: { kind: 'sim', file: s.file },
        logFile: path.join(path.dirname(s.file), 'plan.log'),
      });
      const text = render(plan);
      const json = `${JSON.stringify(plan, null, 2)}\n`;
      for (const out of [text, json]) expect(out).not.toContain(CANARY);
      // Order of issue 12.
      const order = plan.phases.map((p) => p.id);
      expect(order.slice(0, 3)).toEqual(['maintenance-on', 'backup', 'stage-release']);
      expect(order.includes('restore-database')).toBe(c.to === '4.0.x');
      expectGolden(DIR, c.name, text, json);
    });
});
