import { createHash } from 'node:crypto';
import { serviceSpecSchema, type ServiceSpec } from './common.js';

/** JSON with object keys sorted, so equal specs hash equally whatever order they were built in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * SHA-256 of a service definition (defaults applied). Hosts report it in the `service` query and
 * steps compare it with the spec they would ensure, to detect drift.
 */
export const serviceSpecHash = (spec: ServiceSpec): string =>
  createHash('sha256')
    .update(canonical(serviceSpecSchema.parse(spec)))
    .digest('hex');
