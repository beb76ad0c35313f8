import { findIana } from 'windows-iana';
import type { StepContext } from '../../engine/step.js';

/** The canonical IANA spelling through ICU (Asia/Calcutta -> Asia/Kolkata where ICU knows it). */
export function canonicalIana(zone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * Django's TIME_ZONE: the answers' zone, else the server's own. Windows reports its own ids
 * ("W. Europe Standard Time"), mapped to IANA through CLDR's windowsZones (windows-iana; the first
 * entry is CLDR's primary zone for that id).
 */
export async function resolveTimeZone(ctx: StepContext): Promise<string> {
  if (ctx.answers.timeZone) return canonicalIana(ctx.answers.timeZone) ?? ctx.answers.timeZone;
  const os = await ctx.host.query({ kind: 'os' });
  const fromOs = canonicalIana(os.timeZone) ? os.timeZone : findIana(os.timeZone)[0];
  return (fromOs && canonicalIana(fromOs)) ?? 'UTC';
}
