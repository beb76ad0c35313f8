import { z } from 'zod';
import { EXIT, InputError } from '../engine/errors.js';
import { Redactor } from '../engine/redactor.js';
import { testMailFromAnswers } from '../mail/from-answers.js';
import { sendTestMail } from '../mail/test-mail.js';
import { jsonLine, out } from './output.js';
import { prepareRun, type RunOptions } from './prepare.js';

const toSchema = z.email();

/**
 * `verify --mail TO`: one test mail through the answers' relay, as QATrack+ would send it, and the
 * relay's answer in plain words. Exit 0 when the relay accepted it, 1 when it did not, 64 for bad
 * input. Changes nothing on the machine.
 */
export async function runMailTest(o: RunOptions, to: string): Promise<number> {
  if (!toSchema.safeParse(to).success)
    throw new InputError('OPTION_INVALID', `--mail ${JSON.stringify(to)} is not an e-mail address.`, [
      { path: '--mail', message: 'must be an e-mail address such as physics@hospital.org' },
    ]);
  // The mail goes from this machine; no host is opened, so --host is not needed for it.
  const p = await prepareRun({ ...o, host: o.host ?? (process.platform === 'win32' ? 'windows' : 'posix') });
  const req = testMailFromAnswers(p.answers, p.secrets, to);
  const r = await sendTestMail(req);
  // Relays do not echo AUTH, but a secret must never reach the output even if one did.
  const redactor = new Redactor(p.secrets.values());
  const safe = redactor.redactDeep(r);
  if (o.json) jsonLine({ type: 'mail-test', relay: `${req.host}:${req.port}`, from: req.from, to, ...safe });
  else
    out(
      `${safe.ok ? '✓' : '✗'} Test mail from ${req.from} to ${to} through ${req.host}:${req.port} (${req.security}): ${safe.detail}\n` +
        (!safe.ok && safe.fix ? `  what to do: ${safe.fix}\n` : ''),
    );
  return safe.ok ? EXIT.ok : EXIT.failure;
}
