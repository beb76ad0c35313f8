import { mailSenders, type Answers } from '../engine/answers/index.js';
import { InputError } from '../engine/errors.js';
import type { SecretStore } from '../engine/secrets.js';
import type { TestMailRequest } from './test-mail.js';

/**
 * The test mail QATrack+ itself would send: through the answers' relay, from the notification
 * sender (the address relays refuse most often, QATrack+ #483, #657), signed in as the answers' user.
 */
export function testMailFromAnswers(a: Answers, secrets: SecretStore, to: string): TestMailRequest {
  const e = a.email;
  if (!e.enabled || !e.smtpHost)
    throw new InputError(
      'MAIL_OFF',
      'The answers have no mail server: there is nothing to send a test mail through.',
      [{ path: 'email.enabled', message: 'must be true, with email.smtpHost and email.from, to send mail' }],
      'Turn mail on in the answers (email.enabled, email.smtpHost, email.from) and run the command again.',
    );
  const password = e.password ? secrets.get(e.password.$secret) : undefined;
  return {
    host: e.smtpHost,
    port: e.smtpPort,
    security: e.security,
    ...(e.user ? { user: e.user } : {}),
    ...(password ? { password } : {}),
    from: mailSenders(a).notificationSender,
    to,
  };
}
