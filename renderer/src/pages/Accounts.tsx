import { Body1, Divider, Subtitle2 } from '@fluentui/react-components';
import { PasswordPair, TextField } from '../fields.js';
import { useFormContext, useWatch } from 'react-hook-form';
import type { WizardMode } from '../../../electron/ipc/contract.js';
import type { WizardDraft } from '../draft.js';

export function AccountsPage(p: { mode: WizardMode }) {
  const passwordsOnly = p.mode === 'repair' || p.mode === 'uninstall' || p.mode === 'upgrade';
  const { control } = useFormContext<WizardDraft>();
  const email = useWatch({ control, name: 'email' });
  const db = useWatch({ control, name: 'database' });
  const admin = useWatch({ control, name: 'admin' });
  const sqlAdmin = db.mode === 'existing' && db.authMode === 'sql';
  if (p.mode === 'uninstall')
    return (
      <>
        <Body1>
          Uninstall signs in to SQL Server as {db.admin.user} to remove what QATrack+ added; it needs no other
          password.
        </Body1>
        <PasswordPair
          name="database.admin.password"
          confirm="confirm.dbAdmin"
          label={`Password of SQL login ${db.admin.user}`}
        />
      </>
    );
  return (
    <>
      <Body1>
        {passwordsOnly
          ? 'Passwords are never stored by the wizard. Enter them again to continue; everything else comes from the last run.'
          : 'Passwords are kept in memory only and written where QATrack+ needs them, readable by administrators only.'}
      </Body1>
      {passwordsOnly && sqlAdmin && (
        <PasswordPair
          name="database.admin.password"
          confirm="confirm.dbAdmin"
          label={`Password of SQL login ${db.admin.user}`}
        />
      )}
      <Subtitle2 as="h2">Database login for QATrack+</Subtitle2>
      {!passwordsOnly && <TextField name="database.login.user" label="Login name" required />}
      <PasswordPair
        name="database.login.password"
        confirm="confirm.dbLogin"
        label={passwordsOnly ? `Password of ${db.login.user}` : 'Login password'}
      />
      <Divider style={{ flexGrow: 0 }} />
      <Subtitle2 as="h2">Read-only login for reports</Subtitle2>
      {!passwordsOnly && (
        <TextField name="database.readonlyLogin.user" label="Read-only login name" required />
      )}
      <PasswordPair
        name="database.readonlyLogin.password"
        confirm="confirm.dbReadonly"
        label={passwordsOnly ? `Password of ${db.readonlyLogin.user}` : 'Read-only login password'}
      />
      <Divider style={{ flexGrow: 0 }} />
      <Subtitle2 as="h2">QATrack+ administrator</Subtitle2>
      {!passwordsOnly && (
        <>
          <TextField name="admin.username" label="User name" required />
          <TextField name="admin.email" label="E-mail" required type="email" />
        </>
      )}
      <PasswordPair
        name="admin.password"
        confirm="confirm.admin"
        label={passwordsOnly ? `Password of ${admin.username}` : 'Administrator password'}
      />
      {passwordsOnly && email.enabled && email.user && (
        <TextField
          name="email.password"
          label={`Password of mail user ${email.user}`}
          type="password"
          required
        />
      )}
    </>
  );
}
