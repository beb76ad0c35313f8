import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InstallerError } from '../engine/errors.js';
import { readLines, sendLine } from './framing.js';
import type { ProgressEvent } from '../engine/events.js';
import {
  helperMessageSchema,
  type AppMessage,
  type HelperMessage,
  type PlanRequest,
  type RunRequest,
} from './protocol.js';

export type HelperResult = Extract<HelperMessage, { type: 'result' }>;
type Result = HelperResult;

/**
 * The app's end of the helper pipe. It listens first, writes the one-time token into a private file,
 * and accepts exactly one connection whose first line carries that token; everything else is hung
 * up on without a byte written (a named pipe's default DACL lets other users open it for reading).
 */
export class HelperServer {
  readonly #server: Server;
  readonly #token: Buffer;
  readonly pipe: string;
  readonly #dir: string;
  #connection: Promise<HelperConnection> | undefined;
  refused = 0;

  private constructor(server: Server, pipe: string, dir: string) {
    this.#server = server;
    this.#token = randomBytes(32);
    this.pipe = pipe;
    this.#dir = dir;
  }

  /** Starts listening on a fresh pipe (Windows) or Unix socket in a private temp folder. */
  static async listen(baseDir = tmpdir()): Promise<HelperServer> {
    const dir = await mkdtemp(path.join(baseDir, 'qatrack-helper-'));
    const pipe =
      process.platform === 'win32'
        ? `\\\\.\\pipe\\qatrack-installer-${randomUUID()}`
        : path.join(dir, 'helper.sock');
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(pipe, () => resolve());
    });
    return new HelperServer(server, pipe, dir);
  }

  /** Writes the token for the helper to read (and delete); returns the file's path. */
  async writeTokenFile(): Promise<string> {
    const file = path.join(this.#dir, `token-${randomUUID()}`);
    await writeFile(file, this.#token.toString('hex'), { mode: 0o600 });
    return file;
  }

  /** Resolves with the first connection that proves itself; others are closed. */
  waitForHelper(timeoutMs: number): Promise<HelperConnection> {
    this.#connection ??= new Promise<HelperConnection>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#server.close();
        reject(
          new InstallerError(
            'HELPER_TIMEOUT',
            `The elevated helper did not connect within ${Math.round(timeoutMs / 1000)} s.`,
            'If a Windows prompt (UAC) is still open, answer it and try again; otherwise see helper.log in the log folder.',
          ),
        );
      }, timeoutMs);
      this.#server.on('connection', (socket) => {
        let first = true;
        readLines(socket, helperMessageSchema, (line) => {
          if (!first) return;
          first = false;
          if (!line.ok || line.message.type !== 'hello' || !this.#tokenMatches(line.message.token)) {
            this.refused++;
            socket.destroy();
            return;
          }
          clearTimeout(timer);
          // One helper only: stop accepting, keep the authenticated socket.
          this.#server.close();
          resolve(new HelperConnection(socket, line.message.pid));
        });
        // A silent client is dropped instead of blocking the slot.
        setTimeout(() => {
          if (first) socket.destroy();
        }, 10_000).unref();
      });
    });
    return this.#connection;
  }

  #tokenMatches(hex: string): boolean {
    const given = Buffer.from(hex, 'hex');
    return given.length === this.#token.length && timingSafeEqual(given, this.#token);
  }

  async close(): Promise<void> {
    this.#server.close();
    await rm(this.#dir, { recursive: true, force: true });
  }
}

/** An authenticated helper: ask it to plan, to run an approved plan, or to stop a run. */
export class HelperConnection {
  readonly #socket: Socket;
  readonly #pending = new Map<
    number,
    { resolve: (r: Result) => void; onEvent?: (e: ProgressEvent) => void }
  >();
  #nextId = 1;
  #closed = false;

  constructor(
    socket: Socket,
    readonly pid: number,
  ) {
    this.#socket = socket;
    readLines(socket, helperMessageSchema, (line) => {
      if (!line.ok) return;
      const m = line.message;
      if (m.type === 'event') this.#pending.get(m.id)?.onEvent?.(m.event);
      if (m.type === 'result') {
        this.#pending.get(m.id)?.resolve(m);
        this.#pending.delete(m.id);
      }
    });
    socket.on('close', () => {
      this.#closed = true;
      for (const [id, p] of this.#pending)
        p.resolve(gone(id, 'The elevated helper stopped before it answered.'));
      this.#pending.clear();
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The helper probes and plans by itself; the value is a HelperPlan (planSha256 + steps). */
  plan(req: PlanRequest): Promise<Result> {
    return this.#request((id) => ({ type: 'plan', id, ...req })).done;
  }

  /** Applies the approved plan if the helper, planning again, gets the same hash; streams progress. */
  run(req: RunRequest, onEvent?: (e: ProgressEvent) => void): { id: number; done: Promise<Result> } {
    return this.#request((id) => ({ type: 'run', id, ...req }), onEvent);
  }

  cancel(id: number): void {
    this.#send({ type: 'cancel', id });
  }

  /** Hanging up makes the helper exit. */
  close(): void {
    this.#socket.end();
  }

  /** Any line with a fresh request id, for protocol tests only (what a compromised app might send). */
  sendRaw(build: (id: number) => Record<string, unknown>): Promise<Result> {
    return this.#request(build as (id: number) => AppMessage).done;
  }

  #request(
    build: (id: number) => AppMessage,
    onEvent?: (e: ProgressEvent) => void,
  ): { id: number; done: Promise<Result> } {
    const id = this.#nextId++;
    const done = new Promise<Result>((resolve) => {
      if (this.#closed) {
        resolve(gone(id, 'The elevated helper is not running.'));
        return;
      }
      this.#pending.set(id, { resolve, onEvent });
      this.#send(build(id));
    });
    return { id, done };
  }

  #send(message: AppMessage): void {
    sendLine(this.#socket, message);
  }
}

const gone = (id: number, message: string): Result => ({
  type: 'result',
  id,
  ok: false,
  error: { code: 'HELPER_GONE', message },
});
