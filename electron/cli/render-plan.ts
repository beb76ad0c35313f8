import type { Answers } from '../engine/answers/index.js';
import type { PlanResult } from '../engine/report.js';
import { formatHostSpec, type HostSpec } from '../hosts/index.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function siteUrl(answers: Answers): string {
  const https = answers.site.https.enabled;
  const port = https ? answers.site.https.port : answers.site.httpPort;
  const standard = port === (https ? 443 : 80);
  return `${https ? 'https' : 'http'}://${answers.site.hostNames[0]}${standard ? '' : `:${port}`}/`;
}

/** The plan as a change request a person can approve: header, one block per step, a summary. */
export function renderPlan(
  plan: PlanResult,
  answers: Answers,
  host: HostSpec,
  planFor: 'install' | 'uninstall' = 'install',
): string {
  const lines = [
    `QATrack+ ${answers.release}: ${planFor} plan`,
    `  Host:    ${formatHostSpec(host)}`,
    `  Program: ${answers.paths.installDir}`,
    `  Data:    ${answers.paths.dataDir}`,
    `  Site:    ${siteUrl(answers)} (${plural(answers.workers.count, 'worker')} on loopback ports ${answers.workers.basePort + 1}-${answers.workers.basePort + answers.workers.count})`,
    '',
  ];
  const changing = plan.steps.filter((s) => s.actions.length);
  for (const step of changing) {
    lines.push(`${step.title} [${step.id}]: ${plural(step.actions.length, 'change')}`);
    step.actions.forEach((a, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${a.describe}`));
    lines.push('');
  }
  const right = plan.steps.filter((s) => !s.actions.length);
  if (right.length) lines.push(`Already right: ${right.map((s) => s.title).join(', ')}`);
  if (plan.skipped.length)
    lines.push(`Not needed for these answers: ${plan.skipped.map((s) => s.title).join(', ')}`);
  if (right.length || plan.skipped.length) lines.push('');
  lines.push(
    plan.changes
      ? `${plural(plan.changes, 'change')} in ${plural(changing.length, 'step')}.`
      : 'No changes: the machine already matches the answers.',
  );
  return lines.join('\n') + '\n';
}
