import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueIdOf, sendTestMail, type TestMailRequest } from '../../electron/mail/test-mail.js';
import { startRelay, type TestRelay } from '../support/smtp.js';

/** Real SMTP servers (smtp-server) on 127.0.0.1: STARTTLS + AUTH, implicit TLS + AUTH, plain. */
const USER = 'qatrack@hospital.org';
const PASSWORD = 'Smtp pw "with" \\ quotes';

describe('Send test mail through a real SMTP relay on loopback', () => {
  let starttls: TestRelay;
  let implicit: TestRelay;
  let plain: TestRelay;
  const base = (relay: TestRelay, over: Partial<TestMailRequest> = {}): TestMailRequest => ({
    host: '127.0.0.1',
    port: relay.port,
    security: 'starttls',
    user: USER,
    password: PASSWORD,
    from: 'qatrack@hospital.org',
    to: 'physics@hospital.org',
    ...over,
  });

  beforeAll(async () => {
    const senders = ['qatrack@hospital.org'];
    [starttls, implicit, plain] = await Promise.all([
      startRelay({ user: USER, password: PASSWORD, senders }),
      startRelay({ secure: true, user: USER, password: PASSWORD, senders }),
      startRelay({ noAuth: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([starttls?.close(), implicit?.close(), plain?.close()]);
  });

  it('STARTTLS + AUTH: the relay gets the mail over TLS from the right sender, signed in; the queue id is reported', async () => {
    const r = await sendTestMail(base(starttls));
    expect(r.ok, r.detail).toBe(true);
    expect(r.queueId).toMatch(/^4F1C3\dA0C2$/);
    expect(r.detail).toContain(`queue id ${r.queueId}`);
    const got = starttls.received.at(-1)!;
    expect(got).toMatchObject({ from: 'qatrack@hospital.org', to: ['physics@hospital.org'], user: USER });
    expect(got.secure).toBe(true);
    expect(got.raw).toMatch(/^Subject: QATrack\+ Installer test mail/m);
    expect(got.raw).toMatch(/^From: qatrack@hospital\.org/m);
  });

  it("a sender the relay refuses: 553 and the relay's own text", async () => {
    const r = await sendTestMail(base(starttls, { from: 'notifications@qatrackplus.com' }));
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('refused the sender notifications@qatrackplus.com (553)');
    expect(r.detail).toContain('Sender address rejected: not owned by user');
    expect(r.relayAnswer).toMatch(/^553 /);
    expect(r.fix).toContain('#483');
  });

  it('a wrong password: 535 in plain words, and the password is nowhere in the result', async () => {
    const r = await sendTestMail(base(starttls, { password: 'wrong-Secret-42' }));
    expect(r.ok).toBe(false);
    expect(r.detail).toContain(`refused the sign-in as ${USER} (535, bad user name or password)`);
    expect(r.relayAnswer).toMatch(/^535 /);
    expect(JSON.stringify(r)).not.toContain('wrong-Secret-42');
  });

  it('implicit TLS (EMAIL_USE_SSL) reaches a TLS-from-the-start relay', async () => {
    const r = await sendTestMail(base(implicit, { security: 'tls' }));
    expect(r.ok, r.detail).toBe(true);
    expect(implicit.received.at(-1)).toMatchObject({ secure: true, user: USER });
  });

  it('implicit TLS against a STARTTLS port is a TLS failure, said so', async () => {
    const r = await sendTestMail(base(starttls, { security: 'tls' }), { timeoutMs: 5000 });
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^TLS failed with 127\.0\.0\.1:\d+ \(implicit TLS\)/);
  });

  it('STARTTLS asked of a relay that offers none: refused, as Django starttls() would', async () => {
    const r = await sendTestMail(base(plain, { user: undefined, password: undefined }));
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('does not offer STARTTLS');
  });

  it('plain SMTP to an internal relay without AUTH', async () => {
    const r = await sendTestMail(base(plain, { security: 'none', user: undefined, password: undefined }));
    expect(r.ok, r.detail).toBe(true);
    expect(plain.received.at(-1)).toMatchObject({ secure: false, from: 'qatrack@hospital.org' });
  });

  it('connection refused: a port nothing listens on', async () => {
    // A port just freed by a listener we opened and closed ourselves.
    const free = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const r = await sendTestMail({ ...base(plain), port: free });
    expect(r.ok).toBe(false);
    expect(r.detail).toBe(`Connection refused: nothing accepts mail at 127.0.0.1:${free}.`);
  });
});

describe('queue ids from real relays’ 250 replies', () => {
  it('Postfix, Exchange and smtp-server forms', () => {
    // Postfix smtpd: "250 2.0.0 Ok: queued as <queue id>" (postfix/src/cleanup, smtpd.c).
    expect(queueIdOf('250 2.0.0 Ok: queued as 4F1C32A0C2')).toBe('4F1C32A0C2');
    // Exchange 2016 receive connector reply.
    expect(
      queueIdOf(
        '250 2.6.0 <a@b> [InternalId=12345678901234, Hostname=EX01.hospital.local] Queued mail for delivery',
      ),
    ).toBe('12345678901234');
    expect(queueIdOf('250 OK: message queued')).toBeUndefined();
  });
});
