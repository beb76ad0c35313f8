import type { SimActionHandlers, SimQueryHandlers } from './types.js';

/** Handlers for Windows actions and `windows` queries (IIS, SQL, firewall, ...). Owned by the Windows step catalog. */
export const windowsActionHandlers: SimActionHandlers = {};
export const windowsQueryHandlers: SimQueryHandlers = {};
