/**
 * Removes secret values (and the escaped forms they take in JSON, Python and URLs) from text the
 * helper logs or sends back. Longest first, so a secret containing another is removed whole.
 */
export function createRedactor(secrets: () => Iterable<string>): (text: string) => string {
  return (text) => {
    const forms = new Set<string>();
    for (const s of secrets()) {
      if (s.length < 4) continue;
      forms.add(s);
      forms.add(JSON.stringify(s).slice(1, -1));
      forms.add(encodeURIComponent(s));
      forms.add(s.replace(/\\/g, '\\\\').replace(/'/g, "\\'"));
    }
    let out = text;
    for (const f of [...forms].sort((a, b) => b.length - a.length)) out = out.split(f).join('***');
    return out;
  };
}
