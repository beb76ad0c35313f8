import os from 'node:os';
import nodemailer, { type NodemailerError } from 'nodemailer';
import type { TestMailRequest, TestMailResult } from './request.js';

export type { TestMailRequest, TestMailResult } from './request.js';

/**
 * "Send test mail": one message through the relay the answers name, connecting the way QATrack+
 * 3.1.1.4 will (Django 2.2.18 django/core/mail/backends/smtp.py EmailBackend.open on Python 3.9):
 * - security "tls" is EMAIL_USE_SSL: smtplib.SMTP_SSL, TLS from the first byte;
 * - "starttls" is EMAIL_USE_TLS: connection.starttls(), which fails when the relay has no STARTTLS;
 * - "none": plain SMTP, and Django never upgrades on its own (no starttls() call), so neither do we;
 * - AUTH only when both user and password are set (`if self.username and self.password`);
 * - the relay's certificate is not checked: Python 3.9's smtplib builds its TLS context with
 *   ssl._create_stdlib_context, which is _create_unverified_context (Lib/ssl.py L810), so QATrack+
 *   would send to a relay with any certificate and a test that checked it would fail where QATrack+
 *   works.
 * The result says in plain words what the relay answered, with its own text.
 */

/** QATrack+'s EMAIL_TIMEOUT (render-local-settings.ts), so the test gives up when QATrack+ would. */
export const MAIL_TIMEOUT_MS = 30_000;

/**
 * The queue id from a 250 reply to DATA: Postfix/Exim/smtp-server "queued as ID", Exchange's
 * "Queued mail for delivery" with "[InternalId=N ...]".
 */
export function queueIdOf(response: string): string | undefined {
  return (
    /queued as\s+<?([A-Za-z0-9._@-]+)>?/i.exec(response)?.[1] ??
    /InternalId=([0-9]+)/i.exec(response)?.[1] ??
    /\bid=([A-Za-z0-9._-]+)/i.exec(response)?.[1]
  );
}

const where = (r: TestMailRequest) => `${r.host}:${r.port}`;
const SECURITY_WORDS = { none: 'plain SMTP', starttls: 'STARTTLS', tls: 'implicit TLS' } as const;

export async function sendTestMail(
  req: TestMailRequest,
  o: { timeoutMs?: number; hostname?: string } = {},
): Promise<TestMailResult> {
  const timeout = o.timeoutMs ?? MAIL_TIMEOUT_MS;
  const transport = nodemailer.createTransport({
    host: req.host,
    port: req.port,
    secure: req.security === 'tls',
    requireTLS: req.security === 'starttls',
    ignoreTLS: req.security === 'none',
    ...(req.user && req.password ? { auth: { user: req.user, pass: req.password } } : {}),
    tls: { rejectUnauthorized: false },
    name: o.hostname ?? os.hostname(),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  try {
    const info = await transport.sendMail({
      from: req.from,
      to: req.to,
      subject: 'QATrack+ Installer test mail',
      text:
        `This is a test mail from the QATrack+ Installer.\n\n` +
        `It went through ${where(req)} (${SECURITY_WORDS[req.security]}) from ${req.from}, ` +
        `the way QATrack+ will send its notifications.\n`,
    });
    const response = info.response.trim();
    const rejected = info.rejected.map(String);
    if (rejected.length > 0)
      return {
        ok: false,
        detail: `The relay refused the recipient ${rejected.join(', ')}: ${response}`,
        relayAnswer: response,
        fix: 'Check the recipient address, and that the relay delivers to that domain for this sender.',
      };
    const queueId = queueIdOf(response);
    return {
      ok: true,
      detail: `The relay accepted the mail${queueId ? ` (queue id ${queueId})` : ''}: ${response}`,
      relayAnswer: response,
      ...(queueId ? { queueId } : {}),
    };
  } catch (e) {
    return describeFailure(req, e as NodemailerError);
  } finally {
    transport.close();
  }
}

const TLS_WORDS =
  /ssl|tls|certificate|handshake|wrong version|EPROTO|ERR_SSL|self[- ]signed|unable to verify/i;

/** OpenSSL's reasons, said plainly (its full text stays in the log, not in the answer). */
function tlsWords(message: string): string {
  if (/wrong version number|packet length too long|http request/i.test(message))
    return 'the server did not answer in TLS (it expects plain SMTP first, then STARTTLS)';
  if (/handshake failure|no protocols available|unsupported protocol|version too low/i.test(message))
    return 'no TLS version or cipher in common with the server';
  return message.trim().replace(/^[0-9A-F]+:error:[0-9A-F]+:/, '');
}

/** A nodemailer error as the person fixing the relay settings needs it. */
export function describeFailure(req: TestMailRequest, err: NodemailerError): TestMailResult {
  const relay = err.response?.trim();
  const withRelay = (r: TestMailResult): TestMailResult => (relay ? { ...r, relayAnswer: relay } : r);
  const low = err.originalCode ?? err.code;
  if (low === 'ECONNREFUSED')
    return {
      ok: false,
      detail: `Connection refused: nothing accepts mail at ${where(req)}.`,
      fix: 'Check the mail server name and port (587 for STARTTLS, 465 for implicit TLS, 25 for plain relays), and the firewall.',
    };
  if (err.code === 'EDNS' || low === 'ENOTFOUND' || low === 'EAI_AGAIN')
    return {
      ok: false,
      detail: `The mail server name ${req.host} is not known to this machine's DNS.`,
      fix: 'Check the mail server name (a full name such as smtp.hospital.local, or its IP address).',
    };
  if (err.code === 'ETIMEDOUT' || low === 'ETIMEDOUT')
    return {
      ok: false,
      detail: `${where(req)} did not answer within ${MAIL_TIMEOUT_MS / 1000} seconds${err.timeoutType ? ` (${err.timeoutType.toLowerCase().replace('_', ' ')})` : ''}.`,
      fix: 'Check the port and the firewall. A relay on 465 expects implicit TLS; one on 587 or 25 expects plain SMTP first.',
    };
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH')
    return withRelay({
      ok: false,
      detail: relay
        ? `The relay refused the sign-in as ${req.user ?? '(no user)'}${err.responseCode === 535 ? ' (535, bad user name or password)' : ''}: ${relay}`
        : `The relay could not sign in as ${req.user ?? '(no user)'}: ${err.message}`,
      fix:
        err.responseCode === 530 || err.responseCode === 538
          ? 'The relay signs in only over TLS: choose STARTTLS (or implicit TLS on 465).'
          : 'Check the mail server user and password; some relays want the full address as the user.',
    });
  if (err.code === 'EENVELOPE') {
    const sender = err.command === 'MAIL FROM' || (err.command ?? '').startsWith('MAIL');
    return withRelay({
      ok: false,
      detail: sender
        ? `The relay refused the sender ${req.from}${err.responseCode ? ` (${err.responseCode})` : ''}: ${relay ?? err.message}`
        : `The relay refused the recipient ${req.to}${err.responseCode ? ` (${err.responseCode})` : ''}: ${relay ?? err.message}`,
      fix: sender
        ? 'Use a sender address the relay accepts for this server (QATrack+ upstream issues #483, #657): usually a mailbox of the hospital domain, allowed for this server or this user.'
        : 'Check the recipient address, and that the relay delivers to that domain for this sender.',
    });
  }
  if (err.code === 'ETLS' || TLS_WORDS.test(`${low ?? ''} ${err.message}`))
    return withRelay({
      ok: false,
      detail:
        req.security === 'starttls' && /STARTTLS/i.test(err.message)
          ? `The relay at ${where(req)} does not offer STARTTLS: ${relay ?? err.message}`
          : `TLS failed with ${where(req)} (${SECURITY_WORDS[req.security]}): ${tlsWords(err.message)}`,
      fix:
        req.security === 'tls'
          ? 'Implicit TLS is usually on port 465; on 587 or 25 choose STARTTLS or none.'
          : 'Check the security choice: STARTTLS on 587, implicit TLS on 465, none on a plain internal relay.',
    });
  if (relay)
    return {
      ok: false,
      detail:
        `The relay answered ${err.responseCode ?? ''} to ${err.command ?? 'the mail'}: ${relay}`.replace(
          '  ',
          ' ',
        ),
      relayAnswer: relay,
      fix:
        err.responseCode === 530
          ? 'The relay wants STARTTLS or a sign-in first: choose STARTTLS and/or give the mail server user.'
          : 'The relay refused the mail: its answer above says why.',
    };
  return {
    ok: false,
    detail: `The mail could not be sent through ${where(req)}: ${err.message}`,
    fix: 'Check the mail server name, port and security choice.',
  };
}
