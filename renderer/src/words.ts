import { FIELD_LABELS } from '../../electron/engine/answers/labels.js';

/**
 * Engine text in plain words for the page: answers paths (the CLI shows them for answers-file
 * editors) become their labels from the one table, so the wizard never shows "site.httpPort".
 */
const KEYS = Object.keys(FIELD_LABELS)
  .filter((k) => k.includes('.'))
  .sort((a, b) => b.length - a.length);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const IN_PARENS = new RegExp(`\\s*\\((?:${KEYS.map(esc).join('|')})\\)`, 'g');
const BARE = new RegExp(`(?<![\\w.])(${KEYS.map(esc).join('|')})(?![\\w])`, 'g');

export function plainText(text: string): string {
  return text.replace(IN_PARENS, '').replace(BARE, (k) => `"${FIELD_LABELS[k]}"`);
}

export { FIELD_LABELS, labelOf } from '../../electron/engine/answers/labels.js';

/**
 * Help pages, each a constant that main's window-open handler also lists (electron/main/security.ts);
 * the QATrack+ pages follow upstream's docs/install/*.rst as Read the Docs publishes them.
 */
export const LEARN_MORE = {
  install: 'https://docs.qatrackplus.com/en/stable/install/win.html',
  config: 'https://docs.qatrackplus.com/en/stable/install/config.html',
  iisSite: 'https://learn.microsoft.com/en-us/iis/get-started/getting-started-with-iis/create-a-web-site',
  iisSsl: 'https://learn.microsoft.com/en-us/iis/manage/configuring-security/how-to-set-up-ssl-on-iis',
  sqlLogins:
    'https://learn.microsoft.com/en-us/sql/relational-databases/security/authentication-access/create-a-login',
} as const;

/** Seconds as "1 min 05 s" / "42 s". */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** A rough figure as a person says it: "about 14 min", never "14 min 21 s". */
export function roughDuration(seconds: number): string {
  if (seconds < 60) return `${Math.max(5, Math.round(seconds / 5) * 5)} s`;
  const m = Math.round(seconds / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
