import type { HttpResult } from '../../engine/queries.js';

/** A password field: Django's AuthenticationForm renders `<input type="password" name="password" ...>`. */
export const LOGIN_FORM = /<input[^>]+type="password"/i;

/**
 * Anonymous `/` must answer 302 to LOGIN_URL (QATrack+ 3.1.1.4
 * qatrack/middleware/login_required.py: HttpResponseRedirect("/accounts/login/?next=/")).
 * Undefined when it does, else what was seen.
 */
export function homeRedirectProblem(r: HttpResult): string | undefined {
  if (!r.ok) return r.error;
  if (r.status !== 302) return `HTTP ${r.status}, expected 302 to /accounts/login/`;
  const location = r.headers.location ?? '';
  let target: string;
  try {
    target = new URL(location, 'http://placeholder.invalid').pathname;
  } catch {
    return `HTTP 302 to an unreadable Location "${location}"`;
  }
  return target === '/accounts/login/' ? undefined : `HTTP 302 to ${location}, expected /accounts/login/`;
}
