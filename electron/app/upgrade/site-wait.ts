import { setTimeout as sleep } from 'node:timers/promises';
import type { Answers } from '../../engine/answers/index.js';
import type { Host } from '../../engine/host.js';
import type { HttpResult } from '../../engine/queries.js';

/** Polls the public port until `until` holds for the answer to /accounts/login/ (nginx reloads async). */
export async function waitForPublicSite(
  host: Host,
  answers: Answers,
  until: (r: HttpResult) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const r = await host.query({
      kind: 'http',
      url: `http://127.0.0.1:${answers.site.httpPort}/accounts/login/`,
      hostHeader: answers.site.hostNames[0],
      timeoutMs: 5_000,
    });
    if (until(r)) return;
    last = r.ok ? `HTTP ${r.status}` : r.error;
    await sleep(100);
  }
  throw new Error(`the site did not ${what} within ${timeoutMs / 1000} s (last: ${last})`);
}

export const isMaintenance = (r: HttpResult) =>
  r.ok && r.status === 503 && r.body.includes('QATrack+ is being upgraded');
export const isAnswering = (r: HttpResult) => r.ok && r.status === 200;
