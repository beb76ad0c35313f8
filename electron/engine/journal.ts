import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { InstallerError } from './errors.js';
import { describeOwner, tryLock } from './lock.js';
import type { Redactor } from './redactor.js';

/**
 * JSON-lines record of what each run did: run start/end and, per step, start, planned (with a SHA-256
 * of its actions: secret references only), applied, ok or failed. It tells the next run that a
 * previous one was killed; the machine stays the truth (every run re-probes).
 */
export const journalEntrySchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run-start'),
    t: z.string(),
    runId: z.string(),
    command: z.string(),
    pid: z.number().int(),
    hostname: z.string(),
    host: z.string(),
  }),
  z.object({ type: z.literal('step-start'), t: z.string(), runId: z.string(), step: z.string() }),
  z.object({
    type: z.literal('step-planned'),
    t: z.string(),
    runId: z.string(),
    step: z.string(),
    actions: z.number().int(),
    actionsSha256: z.string(),
  }),
  z.object({
    type: z.literal('step-applied'),
    t: z.string(),
    runId: z.string(),
    step: z.string(),
    actionsSha256: z.string(),
  }),
  z.object({
    type: z.literal('step-ok'),
    t: z.string(),
    runId: z.string(),
    step: z.string(),
    changed: z.number().int(),
  }),
  z.object({
    type: z.literal('step-failed'),
    t: z.string(),
    runId: z.string(),
    step: z.string(),
    error: z.string(),
  }),
  // An upgrade's outcome (its phases are in upgrade-state.json while it runs; this stays).
  z.object({
    type: z.literal('upgrade'),
    t: z.string(),
    runId: z.string(),
    from: z.string(),
    to: z.string(),
    path: z.enum(['in-place', 'new-database']),
    outcome: z.enum([
      'upgraded',
      'rolled-back',
      'rollback-failed',
      'finished-by-repair',
      'rolled-back-by-repair',
    ]),
    /** The phase a rolled-back upgrade had reached. */
    phase: z.string(),
    database: z.string(),
    backupDir: z.string().optional(),
  }),
  z.object({
    type: z.literal('run-end'),
    t: z.string(),
    runId: z.string(),
    ok: z.boolean(),
    exitCode: z.number().int(),
    message: z.string(),
  }),
]);
export type JournalEntry = z.infer<typeof journalEntrySchema>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type JournalRecord = DistributiveOmit<JournalEntry, 't' | 'runId'>;

export interface InterruptedRun {
  runId: string;
  command: string;
  startedAt: string;
  /** The step that had started but not finished, if any (the last one started). */
  step?: string;
  /** Every step that had started but not finished: a parallel apply has several in flight. */
  inFlight: string[];
}

/** Reads a journal; lines that do not parse (a torn last line after a crash) are skipped. */
export function readJournal(file: string): JournalEntry[] {
  if (!existsSync(file)) return [];
  const entries: JournalEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = journalEntrySchema.safeParse(JSON.parse(line));
      if (parsed.success) entries.push(parsed.data);
    } catch {
      // torn line: ignore
    }
  }
  return entries;
}

/** The last run, if it never wrote its run-end (killed, power loss), and the step it was in. */
export function findInterrupted(entries: readonly JournalEntry[]): InterruptedRun | undefined {
  const lastStart = entries.findLast((e) => e.type === 'run-start');
  if (!lastStart || lastStart.type !== 'run-start') return undefined;
  const own = entries.filter((e) => e.runId === lastStart.runId);
  if (own.some((e) => e.type === 'run-end')) return undefined;
  // Insertion order is start order, so the last one is the step started last.
  const open = new Set<string>();
  for (const e of own) {
    if (e.type === 'step-start') open.add(e.step);
    else if (e.type === 'step-ok' || e.type === 'step-failed') open.delete(e.step);
  }
  const inFlight = [...open];
  return {
    runId: lastStart.runId,
    command: lastStart.command,
    startedAt: lastStart.t,
    step: inFlight.at(-1),
    inFlight,
  };
}

/** "during step Y" or, with several in flight, "during steps Y, Z". */
export const describeInFlight = (i: InterruptedRun) =>
  i.inFlight.length > 1 ? ` during steps ${i.inFlight.join(', ')}` : i.step ? ` during step ${i.step}` : '';

/** "previous run X was interrupted during step Y; re-probing": the next run says so and re-probes. */
export const describeInterrupted = (i: InterruptedRun) =>
  `previous run ${i.runId} was interrupted${describeInFlight(i)}; re-probing`;

export interface JournalOpenOptions {
  runId: string;
  command: string;
  /** Host spec, e.g. "sim:/tmp/state.json". */
  host: string;
  redactor: Redactor;
}

/** An open journal holding the apply lock: only one run changes a machine at a time. */
export class Journal {
  private constructor(
    readonly file: string,
    private readonly runId: string,
    private readonly redactor: Redactor,
    private readonly release: () => Promise<void>,
    /** Set when the previous run did not finish. */
    readonly interrupted: InterruptedRun | undefined,
  ) {}

  static async open(file: string, options: JournalOpenOptions): Promise<Journal> {
    mkdirSync(path.dirname(file), { recursive: true });
    const release = await acquireLock(file, `run ${options.runId} (${options.command})`);
    const interrupted = findInterrupted(readJournal(file));
    const journal = new Journal(file, options.runId, options.redactor, release, interrupted);
    journal.record({
      type: 'run-start',
      command: options.command,
      pid: process.pid,
      hostname: os.hostname(),
      host: options.host,
    });
    return journal;
  }

  /** Set once `uninstall --remove-data` deleted the journal's own folder: nothing is left to record. */
  #gone = false;

  record(entry: JournalRecord): void {
    if (this.#gone) return;
    const line = JSON.stringify({ ...entry, t: new Date().toISOString(), runId: this.runId });
    try {
      appendFileSync(this.file, this.redactor.redact(line) + '\n');
    } catch (e) {
      // The data folder (and the installer's state in it) was removed on request: stop recording.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(path.dirname(this.file))) {
        this.#gone = true;
        return;
      }
      throw e;
    }
  }

  async close(end?: { ok: boolean; exitCode: number; message: string }): Promise<void> {
    if (end) this.record({ type: 'run-end', ...end });
    await this.release().catch((e: unknown) => {
      if (!this.#gone && existsSync(path.dirname(this.file))) throw e;
    });
  }
}

async function acquireLock(file: string, what: string): Promise<() => Promise<void>> {
  const lock = await tryLock(file, what);
  if (lock.ok) return lock.release;
  throw new InstallerError(
    'RUN_IN_PROGRESS',
    `Another installer run is changing this machine: ${describeOwner(lock.owner)}.`,
    'Wait for it to finish and run the command again.',
  );
}
