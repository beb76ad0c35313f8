import { defineStep, type Check } from '../../engine/step.js';
import { askWindows } from '../../windows/topics.js';

/**
 * Alerts: QATrack+ mails its ADMINS on server errors (local_settings.py), and the installer proves
 * the mail path with Django's sendtestemail at verify. A worker that keeps crashing is restarted by
 * WinSW with back-off and logged in the Application event log under its service name.
 */
export const alertsStep = defineStep<null>({
  id: 'win-alerts',
  title: 'Error mail and crash reporting',
  dependsOn: ['win-services'],
  probe: () => Promise.resolve(null),
  plan: () => [],
  async verify(ctx): Promise<Check[]> {
    const a = ctx.answers;
    if (!a.email.enabled || a.email.admins.length === 0)
      return [
        {
          id: 'alerts.mail',
          title: 'Error mail',
          ok: true,
          warning: true,
          detail: 'not configured: e-mail is off or nobody is listed to receive error mail',
          fix: 'Run Reconfigure and fill in the Mail page so QATrack+ can mail server errors and notifications.',
        },
      ];
    const r = await askWindows(ctx.host, 'testMail', {
      python: ctx.layout.venvPython,
      managepy: ctx.layout.managepy,
    });
    return [
      {
        id: 'alerts.mail',
        title: `Test mail to ${a.email.admins.map((x) => x.email).join(', ')}`,
        ok: r.sent,
        detail: r.sent ? `sent through ${a.email.smtpHost}:${a.email.smtpPort}` : (r.error ?? 'not sent'),
        fix: r.sent ? undefined : `Check email.smtpHost, port ${a.email.smtpPort}, TLS and the SMTP login.`,
      },
    ];
  },
});
