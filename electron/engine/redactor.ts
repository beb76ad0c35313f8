import { encodeSecret, MASK } from './secret-text.js';

/** Shorter values are not redacted: they would mask ordinary words (secrets are at least 8 long). */
const MIN_LENGTH = 4;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Base64 of a value as it appears inside a longer base64 text (e.g. "user:password" in a Basic
 * header): for each of the three byte alignments, the characters that depend only on the value.
 */
function base64Cores(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = offset === 0 ? 0 : Math.ceil((offset * 8) / 6);
    const endBytes = offset + bytes.length;
    const end = Math.floor((endBytes * 8) / 6);
    const core = encoded.slice(start, end);
    if (core.length >= 8) cores.push(core);
  }
  return cores;
}

/** Every form a secret may take in text we write: raw and each escaping a file format applies. */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([
    value,
    encodeSecret(value, 'json-str'),
    encodeSecret(value, 'python-str'),
    value.replace(/[\\']/g, '\\$&'), // Python '...' literal that only escapes its own quote
    value.replace(/[\\"]/g, '\\$&'), // Python "..." literal
    encodeSecret(value, 'xml'),
    value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'), // XML text node
    value
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&#39;'),
    encodeSecret(value, 'url'),
    new URLSearchParams({ v: value }).toString().slice(2), // form encoding: space as "+"
    Buffer.from(value, 'utf8').toString('base64'),
    Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, ''),
    Buffer.from(value, 'utf8').toString('base64url'),
    ...base64Cores(value),
  ]);
  return [...forms].filter((f) => f.length >= MIN_LENGTH);
}

/**
 * Knows every secret value and its escaped forms and replaces them with `********`.
 * Everything that leaves the engine (events, log lines, errors, journal, exported files) goes through it.
 */
export class Redactor {
  #forms = new Set<string>();
  #pattern: RegExp | undefined;

  constructor(values: Iterable<string> = []) {
    for (const v of values) this.add(v);
  }

  add(value: string): void {
    if (value.length < MIN_LENGTH) return;
    const before = this.#forms.size;
    for (const f of secretForms(value)) this.#forms.add(f);
    if (this.#forms.size !== before) this.#pattern = undefined;
  }

  get size(): number {
    return this.#forms.size;
  }

  redact(text: string): string {
    if (this.#forms.size === 0) return text;
    // Longest first so a raw value inside a longer escaped form does not leave half of it behind.
    this.#pattern ??= new RegExp(
      [...this.#forms]
        .sort((a, b) => b.length - a.length)
        .map(escapeRegExp)
        .join('|'),
      'g',
    );
    return text.replace(this.#pattern, MASK);
  }

  /** A deep copy of plain data with every string (keys included) redacted. */
  redactDeep<T>(value: T): T {
    return this.#deep(value, new WeakSet()) as T;
  }

  #deep(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (value instanceof Error) return this.redactError(value);
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return '[circular]';
    seen.add(value);
    if (Array.isArray(value)) return value.map((v) => this.#deep(v, seen));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[this.redact(k)] = this.#deep(v, seen);
    return out;
  }

  /**
   * Redacts an error that is about to leave the engine, keeping its class (callers test
   * `instanceof InputError`): message, stack and every own property (fix, issues, details).
   */
  redactErrorInPlace<E>(error: E): E {
    if (!(error instanceof Error)) return error;
    error.message = this.redact(error.message);
    if (error.stack) error.stack = this.redact(error.stack);
    const own = error as unknown as Record<string, unknown>;
    for (const key of Object.keys(own)) {
      try {
        own[key] = this.redactDeep(own[key]);
      } catch {
        // read-only property: leave it
      }
    }
    return error;
  }

  /** A plain object describing the error (name, code, message, stack), redacted. */
  redactError(error: Error): Record<string, unknown> {
    const plain: Record<string, unknown> = { name: error.name, message: this.redact(error.message) };
    for (const [k, v] of Object.entries(error)) plain[k] = this.#deep(v, new WeakSet());
    if (error.stack) plain.stack = this.redact(error.stack);
    if (error.cause !== undefined) plain.cause = this.#deep(error.cause, new WeakSet());
    return plain;
  }
}
