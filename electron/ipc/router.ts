import type { z } from 'zod';
import {
  CHANNEL_PREFIX,
  contract,
  methods,
  type IpcError,
  type Method,
  type ParsedRequestOf,
  type ResponseOf,
  type ValueOf,
} from './contract.js';
import type { SenderInfo, TrustedSenders } from './sender-guard.js';

/** What main does for each channel: plain Node, no Electron, gets the already validated request. */
export type Handlers = { [M in Method]: (request: ParsedRequestOf<M>) => Promise<ValueOf<M>> };

export type HandlerFailure = (error: unknown) => IpcError;

/**
 * The single entry for every invoke from the renderer: refuses untrusted senders and unknown
 * channels, validates the request with the contract, runs the handler and validates its response
 * (so a handler bug cannot leak an unexpected field to the page).
 */
export class IpcRouter {
  constructor(
    private readonly handlers: Handlers,
    private readonly senders: TrustedSenders,
    private readonly toIpcError: HandlerFailure,
    private readonly onRefused: (reason: string) => void = () => {},
  ) {}

  /** Channel names ipcMain should register. */
  channels(): string[] {
    return methods.map((m) => CHANNEL_PREFIX + m);
  }

  async handle(channel: string, event: SenderInfo, raw: unknown): Promise<unknown> {
    if (!this.senders.isTrusted(event)) {
      this.onRefused(`untrusted sender on ${channel}`);
      return refuse('IPC_UNTRUSTED_SENDER', 'This request did not come from the installer window.');
    }
    const method = channel.startsWith(CHANNEL_PREFIX) ? channel.slice(CHANNEL_PREFIX.length) : '';
    if (!isMethod(method)) {
      this.onRefused(`unknown channel ${channel}`);
      return refuse('IPC_UNKNOWN_CHANNEL', `Unknown request ${channel}.`);
    }
    return this.dispatch(method, raw);
  }

  private async dispatch<M extends Method>(method: M, raw: unknown): Promise<ResponseOf<M>> {
    const spec = contract[method];
    const parsed = (spec.request as z.ZodType).safeParse(raw);
    if (!parsed.success) {
      this.onRefused(`bad request shape on ${method}`);
      // Paths only: the request may hold a password, so no received value is echoed back.
      const issues = parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.') || '(request)',
        message: i.message.includes('received') ? 'has the wrong type' : i.message,
      }));
      return refuse('IPC_BAD_REQUEST', `The ${method} request was malformed.`, issues) as ResponseOf<M>;
    }
    let response: unknown;
    try {
      const handler = this.handlers[method] as (r: unknown) => Promise<unknown>;
      response = { ok: true, value: await handler(parsed.data) };
    } catch (error) {
      response = { ok: false, error: this.toIpcError(error) };
    }
    const checked = (spec.response as z.ZodType).safeParse(response);
    if (!checked.success) {
      return refuse(
        'IPC_BAD_RESPONSE',
        `The installer produced an invalid ${method} answer.`,
      ) as ResponseOf<M>;
    }
    return checked.data as ResponseOf<M>;
  }
}

const isMethod = (m: string): m is Method => (methods as string[]).includes(m);

const refuse = (code: string, message: string, issues?: IpcError['issues']) => ({
  ok: false as const,
  error: { code, message, ...(issues ? { issues } : {}) },
});
