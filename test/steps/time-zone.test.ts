import { describe, expect, it } from 'vitest';
import type { Answers } from '../../electron/engine/answers/index.js';
import type { Query } from '../../electron/engine/queries.js';
import type { StepContext } from '../../electron/engine/step.js';
import { resolveTimeZone } from '../../electron/steps/common/time-zone.js';

/** Just enough of a context: answers.timeZone and an `os` query answering with `osZone`. */
const ctxWith = (timeZone: string | undefined, osZone: string) =>
  ({
    answers: { timeZone } as unknown as Answers,
    host: {
      query: (q: Query) => {
        if (q.kind !== 'os') throw new Error(`unexpected query ${q.kind}`);
        return Promise.resolve({ timeZone: osZone });
      },
    },
  }) as unknown as StepContext;

describe('TIME_ZONE for local_settings.py', () => {
  it('maps the Windows server zone to its CLDR primary IANA zone', async () => {
    expect(await resolveTimeZone(ctxWith(undefined, 'W. Europe Standard Time'))).toBe('Europe/Berlin');
    expect(await resolveTimeZone(ctxWith(undefined, 'Pacific Standard Time'))).toBe('America/Los_Angeles');
    expect(await resolveTimeZone(ctxWith(undefined, 'AUS Eastern Standard Time'))).toBe('Australia/Sydney');
  });

  it('keeps an IANA zone from a posix server and from the answers (canonicalised by ICU)', async () => {
    expect(await resolveTimeZone(ctxWith(undefined, 'America/New_York'))).toBe('America/New_York');
    expect(await resolveTimeZone(ctxWith('Asia/Tokyo', 'W. Europe Standard Time'))).toBe('Asia/Tokyo');
    const kyiv = await resolveTimeZone(ctxWith('Europe/Kyiv', 'UTC'));
    expect(['Europe/Kyiv', 'Europe/Kiev']).toContain(kyiv);
  });

  it('falls back to UTC for a zone nobody knows', async () => {
    expect(await resolveTimeZone(ctxWith(undefined, 'Nowhere Standard Time'))).toBe('UTC');
  });
});
