import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-context.js';
import { runCli } from '../support/cli.js';
import { startRelay, type TestRelay } from '../support/smtp.js';

const PASSWORD = 'Mail-Secret "pw" 2026';
const USER = 'qatrack@hospital.org';

/** The example answers, mail pointed at a real SMTP relay on loopback, the password from the environment. */
function answersFor(relay: TestRelay, email: Record<string, unknown>): string {
  const a = JSON.parse(readFileSync('resources/examples/answers.json', 'utf8')) as Record<string, any>;
  a.email = {
    ...a.email,
    smtpHost: '127.0.0.1',
    smtpPort: relay.port,
    security: 'starttls',
    user: USER,
    password: { env: 'TEST_MAIL_PW' },
    ...email,
  };
  const file = path.join(tempDir('qti-mail-'), 'answers.json');
  writeFileSync(file, JSON.stringify(a));
  return file;
}

describe(
  'qatrack-installer verify --mail (real CLI process, real SMTP relay on loopback)',
  { timeout: 60_000 },
  () => {
    let relay: TestRelay;
    beforeAll(async () => {
      relay = await startRelay({ user: USER, password: PASSWORD, senders: ['notify@hospital.org'] });
    });
    afterAll(() => relay?.close());

    it('sends from the notification sender, signed in; exit 0 with the queue id; no password in the output', async () => {
      const answers = answersFor(relay, { notificationSender: 'notify@hospital.org' });
      const r = await runCli(['verify', '--answers', answers, '--mail', 'physics@hospital.org'], {
        env: { TEST_MAIL_PW: PASSWORD },
      });
      expect(r.exitCode, r.stderr + r.stdout).toBe(0);
      expect(r.stdout).toMatch(
        /^✓ Test mail from notify@hospital\.org to physics@hospital\.org through 127\.0\.0\.1:\d+ \(starttls\): The relay accepted the mail \(queue id 4F1C3\dA0C2\)/,
      );
      expect(relay.received.at(-1)).toMatchObject({ from: 'notify@hospital.org', user: USER, secure: true });
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
    });

    it("a sender the relay refuses: exit 1 with the relay's 553 text; --json carries the same", async () => {
      const answers = answersFor(relay, {}); // notificationSender falls back to from: qatrack@hospital.org
      const r = await runCli(['verify', '--json', '--answers', answers, '--mail', 'physics@hospital.org'], {
        env: { TEST_MAIL_PW: PASSWORD },
      });
      expect(r.exitCode).toBe(1);
      const line = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
      expect(line).toMatchObject({ type: 'mail-test', ok: false, from: 'qatrack@hospital.org' });
      expect(line.relayAnswer).toMatch(/^553 5\.7\.1 <qatrack@hospital\.org>: Sender address rejected/);
    });

    it('bad input exits 64 and sends nothing: not an address, mail off', async () => {
      const before = relay.received.length;
      const answers = answersFor(relay, {});
      const bad = await runCli(['verify', '--answers', answers, '--mail', 'not-an-address'], {
        env: { TEST_MAIL_PW: PASSWORD },
      });
      expect(bad.exitCode).toBe(64);
      expect(bad.stderr).toContain('--mail');
      const off = await runCli(
        ['verify', '--answers', answersFor(relay, { enabled: false }), '--mail', 'a@b.org'],
        {
          env: { TEST_MAIL_PW: PASSWORD },
        },
      );
      expect(off.exitCode).toBe(64);
      expect(off.stderr).toContain('error [MAIL_OFF]');
      expect(relay.received.length).toBe(before);
    });
  },
);
