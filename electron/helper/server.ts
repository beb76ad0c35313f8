import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InstallerError } from '../engine/errors.js';
import { readLines, sendLine } from './framing.js';
import { helperMessageSchema, type AppMessage, type HelperMessage } from './protocol.js';

type Result = Extract<HelperMessage, { type: 'result' }>;
type Configured = Extract<HelperMessage, { type: 'configured' }>;

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

/** An authenticated helper: send work, get results in order of request ids. */
export class HelperConnection {
  readonly #socket: Socket;
  readonly #pending = new Map<number, { resolve: (r: Result) => void; onOutput?: (line: string) => void }>();
  #configured: ((c: Configured) => void) | undefined;
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
      if (m.type === 'configured') this.#configured?.(m);
      if (m.type === 'output') this.#pending.get(m.id)?.onOutput?.(m.line);
      if (m.type === 'result') {
        this.#pending.get(m.id)?.resolve(m);
        this.#pending.delete(m.id);
      }
    });
    socket.on('close', () => {
      this.#closed = true;
      const lost = {
        type: 'result' as const,
        ok: false,
        rebootRequired: false,
        error: { code: 'HELPER_GONE', message: 'The elevated helper stopped before it answered.' },
      };
      for (const [id, p] of this.#pending) p.resolve({ ...lost, id });
      this.#pending.clear();
      this.#configured?.({ type: 'configured', ok: false, error: lost.error });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  configure(answers: Record<string, unknown>, secrets: Record<string, string>): Promise<Configured> {
    return new Promise((resolve) => {
      this.#configured = resolve;
      this.#send({ type: 'configure', answers, secrets });
    });
  }

  apply(actions: unknown[], onOutput?: (line: string) => void): Promise<Result> {
    return this.#request((id) => ({ type: 'apply', id, actions }), onOutput);
  }

  query(query: Record<string, unknown>): Promise<Result> {
    return this.#request((id) => ({ type: 'query', id, query }));
  }

  /** Hanging up makes the helper exit. */
  close(): void {
    this.#socket.end();
  }

  /** Raw line, for protocol tests only. */
  sendRaw(message: unknown): void {
    sendLine(this.#socket, message);
  }

  #request(build: (id: number) => AppMessage, onOutput?: (line: string) => void): Promise<Result> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      if (this.#closed) {
        resolve({
          type: 'result',
          id,
          ok: false,
          rebootRequired: false,
          error: { code: 'HELPER_GONE', message: 'The elevated helper is not running.' },
        });
        return;
      }
      this.#pending.set(id, { resolve, onOutput });
      this.#send(build(id));
    });
  }

  #send(message: AppMessage): void {
    sendLine(this.#socket, message);
  }
}
