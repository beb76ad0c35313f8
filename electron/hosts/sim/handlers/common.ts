import type { SimActionHandlers, SimQueryHandlers } from './types.js';

/** Handlers for the common actions and queries (files, exec effects, services, facts). Owned by the engine. */
export const commonActionHandlers: SimActionHandlers = {};
export const commonQueryHandlers: SimQueryHandlers = {};
