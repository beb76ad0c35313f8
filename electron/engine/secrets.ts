import { z } from 'zod';

/**
 * A reference to a secret by the dotted answers path that holds it (e.g. "database.login.password").
 * Plans, journals and IPC messages carry references only; hosts resolve them at the last moment.
 */
export const secretRefSchema = z.object({ $secret: z.string().min(1) }).strict();
export type SecretRef = z.infer<typeof secretRefSchema>;

/** How a secret is encoded where it is spliced into text (so the redactor can also learn that form). */
export const secretEncodingSchema = z.enum(['raw', 'python-str', 'xml', 'json-str', 'url']);
export type SecretEncoding = z.infer<typeof secretEncodingSchema>;

/** Text that may contain secrets: plain strings and secret references, concatenated at apply time. */
export const templatedTextSchema = z.array(
  z.union([z.string(), secretRefSchema.extend({ encode: secretEncodingSchema.default('raw') })]),
);
export type TemplatedText = z.infer<typeof templatedTextSchema>;

export const isSecretRef = (v: unknown): v is SecretRef =>
  typeof v === 'object' && v !== null && typeof (v as { $secret?: unknown }).$secret === 'string';

/** Holds secret values in memory only. */
export interface SecretStore {
  get(key: string): string | undefined;
  /** Every secret value known, for the redactor. */
  values(): string[];
}

export class MapSecretStore implements SecretStore {
  readonly #map: Map<string, string>;
  constructor(entries: Iterable<[string, string]> = []) {
    this.#map = new Map([...entries].filter(([, v]) => v.length > 0));
  }
  get(key: string): string | undefined {
    return this.#map.get(key);
  }
  set(key: string, value: string): void {
    if (value.length > 0) this.#map.set(key, value);
  }
  values(): string[] {
    return [...this.#map.values()];
  }
  keys(): string[] {
    return [...this.#map.keys()];
  }
}
