import type { Answers } from './load.js';

/**
 * Who sends what. Each sender answer falls back to `email.from`, then to the QATrack+ admin's
 * address: never to upstream's notifications@qatrackplus.com (qatrack/settings.py L353), which
 * hospital relays refuse (QATrack+ #483, #657).
 */
export function mailSenders(a: Pick<Answers, 'email' | 'admin'>) {
  const from = a.email.from ?? a.admin.email;
  return {
    from,
    notificationSender: a.email.notificationSender ?? from,
    serverEmail: a.email.serverEmail ?? from,
  };
}
