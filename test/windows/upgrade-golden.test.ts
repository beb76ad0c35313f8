import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planWindowsUpgrade, type WinUpgradePlan } from '../../electron/app/upgrade/windows-upgrade.js';
import { windowsUpgradeSpec } from '../../electron/app/upgrade/windows-spec.js';
import { loadCatalogFrom } from '../../electron/cli/prepare.js';
import { renderWindowsUpgradePlan } from '../../electron/cli/upgrade-windows.js';
import { commandsFor } from '../../electron/hosts/windows/argv.js';
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
      for (const a of step.actions) {
        lines.push(`- ${a.describe}`);
        if (a.kind === 'writeFile') {
          files[`${ph.id}: ${a.path}`] = a.content
            .map((p) => (typeof p === 'string' ? p : `«secret ${p.$secret}»`))
            .join('');
          lines.push(`    file ${a.path} (${files[`${ph.id}: ${a.path}`]!.length} characters, below)`);
        } else if (a.kind === 'sql') {
          const params = Object.entries(a.params).map(
            ([k, p]) =>
              `@${k}=${typeof p.value === 'object' ? `«secret ${p.value.$secret}»` : JSON.stringify(p.value)}`,
          );
          lines.push(
            `    sql on ${a.connection.server}${a.connection.port ? `,${a.connection.port}` : ''} (${a.connection.auth} auth): ${params.join(' ')}`,
          );
          lines.push(...a.batch.split('\n').map((l) => `      | ${l}`));
        } else if (a.kind === 'waitHttp') {
          lines.push(`    GET ${a.url} (Host: ${a.hostHeader ?? ''}) expect ${a.expectStatus.join('/')}`);
        } else if (!['mkdir', 'copy', 'remove'].includes(a.kind)) {
          for (const c of commandsFor(a, {
            thumbprint: '',
            taskXmlFile: '%TEMP%\\task.xml',
            isFile: false,
          }) ?? [])
            lines.push(
              `    $ ${[c.file, ...c.args.map((x) => (x.length > 120 ? `${x.slice(0, 24)}…(${x.length} chars)` : x))].map((x) => (/\s/.test(x) || x === '' ? `"${x}"` : x)).join(' ')}`,
            );
        }
      }
    }
    lines.push('');
  }
  lines.push('# Files written', '');
  for (const [p, content] of Object.entries(files))
    lines.push(`### ${p}`, '```', content.replace(/\r\n/g, '\n').trimEnd(), '```', '');
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
      const txt = path.join(DIR, `${c.name}.txt`);
      const jsn = path.join(DIR, `${c.name}.json`);
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(txt)) {
        mkdirSync(DIR, { recursive: true });
        writeFileSync(txt, text);
        writeFileSync(jsn, json);
      }
      expect(text).toBe(readFileSync(txt, 'utf8'));
      expect(json).toBe(readFileSync(jsn, 'utf8'));
    });
});
