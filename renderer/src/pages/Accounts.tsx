import { Body1, Divider, Subtitle2 } from '@fluentui/react-components';
import { PasswordPair, TextField } from '../fields.js';
import { useFormContext, useWatch } from 'react-hook-form';
import type { WizardDraft } from '../draft.js';

export function AccountsPage(p: { passwordsOnly: boolean }) {
  const { control } = useFormContext<WizardDraft>();
  const db = useWatch({ control, name: 'database' });
  const admin = useWatch({ control, name: 'admin' });
  const sqlAdmin = db.mode === 'existing' && db.authMode === 'sql';
  return (
    <>
      <Body1>
        {p.passwordsOnly
          ? 'Passwords are never stored by the wizard. Enter them again to continue; everything else comes from the last run.'
          : 'Passwords are kept in memory only and written where QATrack+ needs them, readable by administrators only.'}
      </Body1>
      {p.passwordsOnly && sqlAdmin && (
        <PasswordPair
          name="database.admin.password"
          confirm="confirm.dbAdmin"
          label={`Password of SQL login ${db.admin.user}`}
        />
      )}
      <Subtitle2 as="h2">Database login for QATrack+</Subtitle2>
      {!p.passwordsOnly && <TextField name="database.login.user" label="Login name" required />}
      <PasswordPair
        name="database.login.password"
        confirm="confirm.dbLogin"
        label={p.passwordsOnly ? `Password of ${db.login.user}` : 'Login password'}
      />
      <Divider style={{ flexGrow: 0 }} />
      <Subtitle2 as="h2">Read-only login for reports</Subtitle2>
      {!p.passwordsOnly && (
        <TextField name="database.readonlyLogin.user" label="Read-only login name" required />
      )}
      <PasswordPair
        name="database.readonlyLogin.password"
        confirm="confirm.dbReadonly"
        label={p.passwordsOnly ? `Password of ${db.readonlyLogin.user}` : 'Read-only login password'}
      />
      <Divider style={{ flexGrow: 0 }} />
      <Subtitle2 as="h2">QATrack+ administrator</Subtitle2>
      {!p.passwordsOnly && (
        <>
          <TextField name="admin.username" label="User name" required />
          <TextField name="admin.email" label="E-mail" required type="email" />
        </>
      )}
      <PasswordPair
        name="admin.password"
        confirm="confirm.admin"
        label={p.passwordsOnly ? `Password of ${admin.username}` : 'Administrator password'}
      />
    </>
  );
}
