import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { releaseCatalogSchema } from '../../electron/engine/catalog-schema.js';
import { loadAnswers } from '../../electron/engine/answers/index.js';
import { EventBus } from '../../electron/engine/emitter.js';
import type { ProgressEvent } from '../../electron/engine/events.js';
import { computeLayout } from '../../electron/engine/layout.js';
import { createMemoryLogger } from '../../electron/engine/logger.js';
import { Redactor } from '../../electron/engine/redactor.js';
import { resolveRelease } from '../../electron/engine/release.js';
import type { StepContext } from '../../electron/engine/step.js';
import type { Host } from '../../electron/engine/host.js';
import { createSimHost } from '../../electron/hosts/sim/host.js';

/** A password that must never show up anywhere but where QATrack+ needs it. */
export const CANARY = 'C4nary "pw" %x%^&! \'q\' <b>';

export const tempDir = (prefix = 'qti-') => mkdtempSync(path.join(os.tmpdir(), prefix));

export const testCatalog = () =>
  releaseCatalogSchema.parse(JSON.parse(readFileSync('test/fixtures/engine/catalog/3.1.1.4.json', 'utf8')));

/** The example answers with the database password replaced by the canary. */
export function exampleAnswers(overrides: (a: any) => void = () => undefined) {
  const raw = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8'));
  raw.database.login.password = CANARY;
  overrides(raw);
  const loaded = loadAnswers(raw);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return loaded;
}

/** A StepContext on a fresh sim host in a temp dir, plus a bus that records events. */
export async function simContext(host?: Host) {
  const { answers, secrets } = exampleAnswers();
  const dir = tempDir();
  const h = host ?? (await createSimHost(path.join(dir, 'state.json')));
  const layout = computeLayout(answers, 'win32');
  const ctx: StepContext = {
    answers,
    secrets,
    host: h,
    layout,
    release: resolveRelease(answers, layout, testCatalog()),
  };
  const redactor = new Redactor(secrets.values());
  const logger = createMemoryLogger(redactor);
  const events = new EventBus(redactor, logger);
  const seen: ProgressEvent[] = [];
  events.on((e) => seen.push(e));
  return { ctx, dir, redactor, logger, events, seen };
}
