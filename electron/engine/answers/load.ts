import { z } from 'zod';
import { MapSecretStore, type SecretRef } from '../secrets.js';
import { secretText, type SecretField } from './fields.js';
import { answersSchema, type ParsedAnswers } from './schema.js';

/** Every answers path that holds a secret. */
export const SECRET_PATHS = [
  'database.admin.password',
  'database.login.password',
  'database.readonlyLogin.password',
  'admin.password',
  'email.password',
  'serviceAccount.password',
  'signIn.bindPassword',
  'signIn.clientSecret',
] as const;
export type SecretPath = (typeof SECRET_PATHS)[number];

type ReplaceSecrets<T> = T extends SecretField
  ? SecretRef
  : T extends (infer U)[]
    ? ReplaceSecrets<U>[]
    : T extends object
      ? { [K in keyof T]: ReplaceSecrets<T[K]> }
      : T;

/** Validated answers with defaults applied and every secret replaced by a SecretRef: safe to log and save. */
export type Answers = ReplaceSecrets<ParsedAnswers>;

export interface AnswerIssue {
  /** Dotted JSON path, e.g. "site.httpPort" or "site.hostNames.1". */
  path: string;
  message: string;
}

export type LoadResult =
  { ok: true; answers: Answers; secrets: MapSecretStore } | { ok: false; issues: AnswerIssue[] };

export interface SecretSources {
  /** Environment for `{"env": NAME}` references and QATRACK_SECRET_* defaults. */
  env?: Record<string, string | undefined>;
  /** Secrets by dotted path, e.g. read as JSON from stdin; they win over the file. */
  provided?: Partial<Record<string, string>>;
}

/** QATRACK_SECRET_DATABASE_LOGIN_PASSWORD for database.login.password, and so on. */
export const secretEnvName = (path: string) =>
  'QATRACK_SECRET_' +
  path
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .replace(/\./g, '_')
    .toUpperCase();

const getAt = (obj: unknown, path: string[]): unknown =>
  path.reduce<unknown>(
    (o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined),
    obj,
  );

function setAt(obj: Record<string, unknown>, path: string[], value: unknown): void {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    const next = o[k];
    if (!next || typeof next !== 'object') return; // parent missing: zod reports it
    o = next as Record<string, unknown>;
  }
  o[path[path.length - 1]!] = value;
}

const formatPath = (p: readonly PropertyKey[]) => (p.length ? p.map(String).join('.') : '(answers)');

/** One message per problem, naming the field and what is allowed. Values of secrets are never echoed. */
export function issuesFromZod(error: z.ZodError): AnswerIssue[] {
  return error.issues.map((i) => {
    let message = i.message;
    if (i.code === 'unrecognized_keys')
      message = `unknown field(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    if (i.code === 'invalid_type' && /received undefined/.test(i.message)) message = 'is required';
    if (i.code === 'invalid_union' && i.path[i.path.length - 1] === 'kind')
      message = 'must be one of the listed kinds';
    else if (i.code === 'invalid_union') message = 'must be a text value, or {"env": "VARIABLE_NAME"}';
    return { path: formatPath(i.path), message };
  });
}

/**
 * Validate raw answers (from a file, the wizard or IPC) and pull the secrets out of them.
 * Nothing here touches the machine, so invalid input changes nothing.
 */
export function loadAnswers(raw: unknown, sources: SecretSources = {}): LoadResult {
  const env = sources.env ?? {};
  const input: unknown = structuredClone(raw);
  if (input && typeof input === 'object') {
    for (const path of SECRET_PATHS) {
      const keys = path.split('.');
      const given = sources.provided?.[path] ?? env[secretEnvName(path)];
      if (given !== undefined && getAt(input, keys.slice(0, -1)) !== undefined) {
        setAt(input as Record<string, unknown>, keys, given);
      }
    }
  }
  const parsed = answersSchema.safeParse(input);
  if (!parsed.success) return { ok: false, issues: issuesFromZod(parsed.error) };

  const secrets = new MapSecretStore();
  const issues: AnswerIssue[] = [];
  const answers = structuredClone(parsed.data) as unknown as Record<string, unknown>;
  for (const path of SECRET_PATHS) {
    const keys = path.split('.');
    const field = getAt(parsed.data, keys) as SecretField | undefined;
    if (!field) continue;
    let value: string | undefined;
    if (field.secretField === 'inline') value = field.value;
    else {
      value = env[field.name];
      if (value === undefined) {
        issues.push({ path, message: `environment variable ${field.name} is not set` });
        continue;
      }
      const checked = secretText.safeParse(value);
      if (!checked.success) {
        issues.push(
          ...checked.error.issues.map((i) => ({ path, message: `${i.message} (from ${field.name})` })),
        );
        continue;
      }
    }
    secrets.set(path, value);
    setAt(answers, keys, { $secret: path } satisfies SecretRef);
  }
  if (issues.length) return { ok: false, issues };
  return { ok: true, answers: answers as unknown as Answers, secrets };
}

/** JSON Schema of the answers file, for IT to validate answers in their own tools. */
export function answersJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(answersSchema, { io: 'input', unrepresentable: 'any' });
}
