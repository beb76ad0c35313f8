/**
 * Orders QATrack+ release numbers ("3.1.1.4", "4.0.1"): numeric part by part, a missing part is 0,
 * so 3.1.1 == 3.1.1.0. Releases are validated by the answers schema (digits and dots only).
 */
export function compareReleases(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}
