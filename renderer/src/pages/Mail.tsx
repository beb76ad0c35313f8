import { Body1, Switch } from '@fluentui/react-components';
import { Controller, useFormContext, useWatch } from 'react-hook-form';
import type { WizardDraft } from '../draft.js';
import { LearnMore, TextField } from '../fields.js';
import { LEARN_MORE } from '../words.js';

/** QATrack+'s EMAIL_* and ADMINS settings: notifications and server-error mail. */
export function MailPage() {
  const { control } = useFormContext<WizardDraft>();
  const email = useWatch({ control, name: 'email' });
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
              hint="587 for STARTTLS, 25 without"
            />
          </div>
          <Controller
            control={control}
            name="email.useTls"
            render={({ field }) => (
              <Switch
                checked={field.value}
                onChange={(_e, d) => field.onChange(d.checked)}
                label="Use TLS (STARTTLS)"
                name={field.name}
              />
            )}
          />
          <TextField
            name="email.from"
            label="Sender address"
            required
            type="email"
            hint="For example qatrack@hospital.org"
          />
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
