/**
 * Permissions in words: "Administrators and SYSTEM: full control; IIS_IUSRS and IUSR: read". Used in
 * plan lines, verify details and so in the wizard's review and finish pages.
 */

/**
 * Well-known SIDs (learn.microsoft.com, "Well-known SIDs" / "Special identities groups"):
 * S-1-5-32-544 BUILTIN\Administrators, S-1-5-18 Local System, S-1-5-32-568 IIS_IUSRS, S-1-5-17 IUSR.
 */
const WELL_KNOWN: Record<string, string> = {
  's-1-5-32-544': 'Administrators',
  's-1-5-18': 'SYSTEM',
  's-1-5-32-568': 'IIS_IUSRS',
  's-1-5-17': 'IUSR',
  's-1-5-32-545': 'Users',
  's-1-1-0': 'Everyone',
};

/** icacls simple rights (learn.microsoft.com, icacls): F, M, RX, R, W. */
const RIGHTS: Record<string, string> = {
  F: 'full control',
  M: 'change',
  RX: 'read and run',
  R: 'read',
  W: 'write',
};

/** "*S-1-5-32-544" or "S-1-5-18" to its name; account names (NT SERVICE\QATrackWorker1) as given. */
export function principalName(p: string): string {
  const sid = p.replace(/^\*/, '').toLowerCase();
  return WELL_KNOWN[sid] ?? (/^s-1-/i.test(p.replace(/^\*/, '')) ? p.replace(/^\*/, '') : p);
}

export const rightsWords = (r: string) => RIGHTS[r.toUpperCase()] ?? r;

const andList = (xs: string[]) =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;

/** Grants grouped by rights, strongest first: "Administrators and SYSTEM: full control; ...". */
export function describeGrants(grants: readonly { principal: string; rights: string }[]): string {
  const order = ['F', 'M', 'W', 'RX', 'R'];
  const by = new Map<string, string[]>();
  for (const g of grants) {
    const r = g.rights.toUpperCase();
    by.set(r, [...(by.get(r) ?? []), principalName(g.principal)]);
  }
  const keys = [...by.keys()].sort((a, b) => ((order.indexOf(a) + 99) % 99) - ((order.indexOf(b) + 99) % 99));
  return keys.map((r) => `${andList(by.get(r)!)}: ${rightsWords(r)}`).join('; ');
}
