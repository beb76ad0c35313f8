import { z } from 'zod';
import { commonActionSchemas } from './common.js';
import { windowsActionSchemas } from './windows.js';

export * from './common.js';
export * from './windows.js';

export const actionSchema = z.discriminatedUnion('kind', [...commonActionSchemas, ...windowsActionSchemas]);
export type Action = z.infer<typeof actionSchema>;
export type ActionKind = Action['kind'];
export type ActionOf<K extends ActionKind> = Extract<Action, { kind: K }>;
/** What a step writes in its plan: defaults may be left out. */
export type ActionInput = z.input<typeof actionSchema>;
