import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { serviceSpecSchema } from './actions/index.js';

const canonical = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(canonical)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
        )
      : v;

/**
 * SHA-256 of a service definition (defaults applied, keys sorted), so steps can compare what they
 * want with what a host reports (`service` query's specHash) and plan an update only on drift.
 */
export const hashServiceSpec = (spec: z.input<typeof serviceSpecSchema>): string =>
  createHash('sha256')
    .update(JSON.stringify(canonical(serviceSpecSchema.parse(spec))))
    .digest('hex');
