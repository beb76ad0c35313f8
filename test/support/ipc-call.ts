import { IpcRouter, type Handlers } from '../../electron/ipc/router.js';
import { TrustedSenders, type SenderInfo } from '../../electron/ipc/sender-guard.js';
import { toIpcError } from '../../electron/ipc/service.js';

/** The wizard's own page, as the sender guard sees it (frame 1, top-level, app://bundle). */
export const FRAME: SenderInfo = {
  sender: { id: 1 },
  senderFrame: { url: 'app://bundle/index.html', parent: null },
};

/**
 * Calls handlers through the real router (request and response schemas, sender guard), as the
 * page's `installer:<method>` channel does; the answer is the router's {ok, value | error}.
 */
export function trustedCaller(handlers: Partial<Handlers>) {
  const senders = new TrustedSenders();
  senders.add(1);
  const router = new IpcRouter(handlers as unknown as Handlers, senders, toIpcError);
  return (method: string, request: unknown) =>
    router.handle(`installer:${method}`, FRAME, request) as Promise<any>;
}
