import { commonActionHandlers, commonQueryHandlers } from './common.js';
import { windowsActionHandlers, windowsQueryHandlers } from './windows.js';
import type { SimActionHandlers, SimQueryHandlers } from './types.js';

export const simActionHandlers: SimActionHandlers = { ...commonActionHandlers, ...windowsActionHandlers };
export const simQueryHandlers: SimQueryHandlers = { ...commonQueryHandlers, ...windowsQueryHandlers };
