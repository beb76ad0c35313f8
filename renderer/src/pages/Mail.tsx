import {
  Body1,
  Button,
  Field,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Spinner,
  Switch,
} from '@fluentui/react-components';
import { useState } from 'react';
import { Controller, useFormContext, useWatch } from 'react-hook-form';
import type { ValueOf } from '../../../electron/ipc/contract.js';
import { installer } from '../api.js';
import type { WizardDraft } from '../draft.js';
import { LearnMore, TextField } from '../fields.js';
import { LEARN_MORE } from '../words.js';

/** The port each choice usually goes with, offered when the person switches. */
const USUAL_PORT = { none: '25', starttls: '587', tls: '465' } as const;

/** QATrack+'s EMAIL_* and ADMINS settings: notifications and server-error mail. */
export function MailPage() {
  const { control, getValues, setValue } = useFormContext<WizardDraft>();
  const email = useWatch({ control, name: 'email' });
  const [test, setTest] = useState<
    { state: 'idle' | 'running' } | { state: 'done'; value: ValueOf<'sendTestMail'> }
  >({ state: 'idle' });

  // The same request `verify --mail` builds from the answers (electron/mail/from-answers.ts).
  const sendTest = async () => {
    const e = getValues('email');
    const admin = getValues('admin.email');
    setTest({ state: 'running' });
    const from = e.notificationSender.trim() || e.from.trim() || admin;
    const r = await installer().sendTestMail({
      host: e.smtpHost.trim(),
      port: Number(e.smtpPort),
      security: e.security,
      ...(e.user.trim() ? { user: e.user.trim(), password: e.password } : {}),
      from,
      to: e.testTo.trim(),
    });
    setTest({
      state: 'done',
      value: r.ok ? r.value : { ok: false, detail: r.error.message, fix: r.error.fix },
    });
  };
  const canTest =
    email.smtpHost.trim() !== '' && /^\d+$/.test(email.smtpPort) && /.+@.+/.test(email.testTo.trim());

  return (
    <>
      <Body1>
        QATrack+ sends notifications and mails server errors to the people listed here. You can leave mail off
        now and turn it on later with Reconfigure.{' '}
        <LearnMore href={LEARN_MORE.config} topic="QATrack+ mail settings" />
      </Body1>
      <Controller
        control={control}
        name="email.enabled"
        render={({ field }) => (
          <Switch
            checked={field.value}
            onChange={(_e, d) => field.onChange(d.checked)}
            label="Send e-mail"
            name={field.name}
          />
        )}
      />
      {email.enabled && (
        <>
          <div className="two-col">
            <TextField
              name="email.smtpHost"
              label="Mail server"
              required
              hint="For example smtp.hospital.local"
            />
            <TextField
              name="email.smtpPort"
              label="Mail server port"
              required
              hint="587 for STARTTLS, 465 for TLS, 25 without"
            />
          </div>
          <Controller
            control={control}
            name="email.security"
            render={({ field }) => (
              <Field label="Connection security">
                <RadioGroup
                  value={field.value}
                  onChange={(_e, d) => {
                    const next = d.value as WizardDraft['email']['security'];
                    // Follow the usual port when the port is still the previous choice's usual one.
                    if (getValues('email.smtpPort') === USUAL_PORT[field.value])
                      setValue('email.smtpPort', USUAL_PORT[next], { shouldValidate: true });
                    field.onChange(next);
                  }}
                  name={field.name}
                  layout="horizontal"
                >
                  <Radio value="starttls" label="STARTTLS" />
                  <Radio value="tls" label="TLS (SSL)" />
                  <Radio value="none" label="None" />
                </RadioGroup>
              </Field>
            )}
          />
          <TextField
            name="email.from"
            label="Sender address"
            required
            type="email"
            hint="For example qatrack@hospital.org. The mail server must accept it as a sender."
          />
          <div className="two-col">
            <TextField
              name="email.notificationSender"
              label="Sender of notifications (optional)"
              type="email"
              hint="Empty: the sender address"
            />
            <TextField
              name="email.serverEmail"
              label="Sender of server-error mail (optional)"
              type="email"
              hint="Empty: the sender address"
            />
          </div>
          <div className="two-col">
            <TextField
              name="email.user"
              label="Mail server user (optional)"
              hint="Empty when the server accepts mail without signing in"
            />
            {email.user.trim() && (
              <TextField name="email.password" label="Mail server password" type="password" required />
            )}
          </div>
          <Controller
            control={control}
            name="email.failSilently"
            render={({ field }) => (
              <Switch
                checked={field.value}
                onChange={(_e, d) => field.onChange(d.checked)}
                label="Hide mail failures (QATrack+'s own default; failures then never reach its logs)"
                name={field.name}
              />
            )}
          />
          <div className="with-action">
            <TextField
              name="email.testTo"
              label="Send a test mail to"
              type="email"
              hint="Goes through the mail server above, from the notification sender"
            />
            <Button onClick={() => void sendTest()} disabled={!canTest || test.state === 'running'}>
              Send test mail
            </Button>
          </div>
          {test.state === 'running' && <Spinner size="tiny" label="Sending..." />}
          {test.state === 'done' && (
            <MessageBar intent={test.value.ok ? 'success' : 'error'} role="status">
              <MessageBarBody>
                {test.value.detail} {test.value.fix}
              </MessageBarBody>
            </MessageBar>
          )}
        </>
      )}
      <TextField
        name="email.admins"
        label="Who gets server-error mail"
        hint="E-mail addresses, separated by commas (Django ADMINS)."
      />
    </>
  );
}
