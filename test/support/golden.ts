import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { PlanResult } from '../../electron/engine/report.js';
import { commandsFor } from '../../electron/hosts/windows/argv.js';

type PlannedAction = PlanResult['steps'][number]['actions'][number];

/** How the Windows host turns an action into argv (electron/hosts/windows/argv.ts), for a plan. */
export interface ArgvContext {
  thumbprint: string;
  /** acl on a file (not a folder): icacls takes other flags. */
  isFile?: (a: PlannedAction) => boolean;
}

/**
 * One action as the goldens show it: its describe line, then its file (kept in `files` under
 * `key`, shown at the end), SQL batch and parameters (secrets as «secret path»), or argv.
 */
export function renderAction(
  a: PlannedAction,
  lines: string[],
  files: Record<string, string>,
  argv: ArgvContext,
  key = a.kind === 'writeFile' ? a.path : '',
): void {
  lines.push(`- ${a.describe}`);
  if (a.kind === 'writeFile') {
    files[key] = a.content.map((p) => (typeof p === 'string' ? p : `«secret ${p.$secret}»`)).join('');
    lines.push(`    file ${a.path} (${files[key].length} characters, below)`);
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
  } else if (a.kind === 'mkdir' || a.kind === 'copy' || a.kind === 'remove') {
    // describe says it all
  } else {
    const cmds =
      commandsFor(a, {
        thumbprint: argv.thumbprint,
        taskXmlFile: '%TEMP%\\task.xml',
        isFile: argv.isFile?.(a) ?? false,
      }) ?? [];
    for (const c of cmds) {
      const args = c.args.map((x) => (x.length > 120 ? `${x.slice(0, 24)}…(${x.length} chars)` : x));
      lines.push(
        `    $ ${[c.file, ...args].map((x) => (/\s/.test(x) || x === '' ? `"${x}"` : x)).join(' ')}${c.stdinJson !== undefined ? `  <<< ${JSON.stringify(c.stdinJson)}` : ''}`,
      );
    }
    if (a.kind === 'scheduledTask' && a.xml) files[`task ${a.name}`] = a.xml;
  }
}

/** The "Files written" section: every file's content, line endings as LF. */
export function renderFiles(lines: string[], files: Record<string, string>): void {
  lines.push('# Files written', '');
  for (const [p, content] of Object.entries(files))
    lines.push(`### ${p}`, '```', content.replace(/\r\n/g, '\n').trimEnd(), '```', '');
}

/**
 * The text and JSON goldens `DIR/NAME.txt|json` equal what was rendered; UPDATE_GOLDEN=1 (or a
 * missing golden) writes them first, for review in the diff.
 */
export function expectGolden(dir: string, name: string, text: string, json: string): void {
  const txt = path.join(dir, `${name}.txt`);
  const jsn = path.join(dir, `${name}.json`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(txt)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(txt, text);
    writeFileSync(jsn, json);
  }
  expect(text).toBe(readFileSync(txt, 'utf8'));
  expect(json).toBe(readFileSync(jsn, 'utf8'));
}
