/**
 * One part of a release id as a number. `x` is a release line's wildcard ("4.0.x": whichever 4.0
 * patch the catalog entry pins), so it ranks above every number in its place: 4.0.5 < 4.0.x < 4.1.
 * Anything else is not a release id (see RELEASE_ID in ../catalog-schema.ts) and is refused rather
 * than compared as NaN, which orders nothing.
 */
function part(p: string, release: string): number {
  if (p === 'x') return Number.POSITIVE_INFINITY;
  if (/^\d+$/.test(p)) return Number(p);
  throw new Error(`not a QATrack+ release id: ${JSON.stringify(release)}`);
}

/**
 * Orders QATrack+ release ids ("3.1.1.4", "4.0.1", "4.0.x"): numeric part by part, a missing part
 * is 0, so 3.1.1 == 3.1.1.0; `x` ranks above every patch of its line.
 */
export function compareReleases(a: string, b: string): number {
  const pa = a.split('.').map((p) => part(p, a));
  const pb = b.split('.').map((p) => part(p, b));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
