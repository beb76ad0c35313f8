import {
  Body1,
  Button,
  Field,
  MessageBar,
  MessageBarBody,
  Radio,
  RadioGroup,
  Spinner,
} from '@fluentui/react-components';
import { useState } from 'react';
import { Controller, useFormContext, useWatch } from 'react-hook-form';
import type { ValueOf } from '../../../electron/ipc/contract.js';
import { installer } from '../api.js';
import type { WizardDraft } from '../draft.js';
import { TextField } from '../fields.js';

/**
 * How people sign in to QATrack+: its own accounts, or Active Directory with a "Test sign-in" that
 * binds and searches as QATrack+ will (over IPC, like the database page's Test connection). Windows
 * integrated and ADFS come from an answers file and are kept as they are.
 */
export function SignInPage() {
  const { control, getValues } = useFormContext<WizardDraft>();
  const kind = useWatch({ control, name: 'signIn.kind' });
  const [test, setTest] = useState<
    { state: 'idle' | 'running' } | { state: 'done'; value: ValueOf<'testSignIn'> }
  >({ state: 'idle' });

  const runTest = async () => {
    const s = getValues('signIn');
    setTest({ state: 'running' });
    const r = await installer().testSignIn({
      ldapUrl: s.ldapUrl.trim(),
      searchDn: s.searchDn.trim(),
      nt4Domain: s.nt4Domain.trim(),
      membershipRequired: s.membershipRequired
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean),
      ...(s.caFile.trim() ? { caFile: s.caFile.trim() } : {}),
      username: s.testUser.trim(),
      password: s.testPassword,
    });
    setTest({
      state: 'done',
      value: r.ok ? r.value : { ok: false, detail: r.error.message, fix: r.error.fix },
    });
  };

  return (
    <>
      <Body1>Choose how people sign in to QATrack+.</Body1>
      {kind === 'kept' ? (
        <MessageBar intent="info">
          <MessageBarBody>
            The answers file sets Windows integrated or ADFS sign-in; it is kept as it is.
          </MessageBarBody>
        </MessageBar>
      ) : (
        <Controller
          control={control}
          name="signIn.kind"
          render={({ field }) => (
            <Field label="Sign-in">
              <RadioGroup value={field.value} onChange={(_e, d) => field.onChange(d.value)} name={field.name}>
                <Radio value="local" label="QATrack+ accounts (made by the administrator)" />
                <Radio value="activeDirectory" label="Active Directory user names and passwords" />
              </RadioGroup>
            </Field>
          )}
        />
      )}
      {kind === 'activeDirectory' && (
        <>
          <TextField
            name="signIn.ldapUrl"
            label="Directory server URL"
            required
            hint="For example ldaps://dc1.hospital.local:636"
          />
          <TextField
            name="signIn.searchDn"
            label="Where to look for users (search DN)"
            required
            hint="For example DC=hospital,DC=local"
          />
          <TextField
            name="signIn.nt4Domain"
            label="Sign-in domain"
            required
            hint="QATrack+ signs in as user@domain, for example HOSPITAL"
          />
          <TextField
            name="signIn.caFile"
            label="CA certificate file (ldaps)"
            hint="PEM file of the CA that signed the domain controllers' certificates"
          />
          <TextField
            name="signIn.membershipRequired"
            label="AD groups allowed to sign in (optional)"
            hint="Comma separated; empty lets every directory user in"
          />
          <div className="two-col">
            <TextField name="signIn.testUser" label="Test user name" />
            <TextField name="signIn.testPassword" label="Test password" type="password" />
          </div>
          <div className="row">
            <Button onClick={() => void runTest()} disabled={test.state === 'running'}>
              Test sign-in
            </Button>
            {test.state === 'running' && <Spinner size="tiny" label="Signing in..." />}
          </div>
          {test.state === 'done' && (
            <MessageBar intent={test.value.ok ? 'success' : 'error'} role="status">
              <MessageBarBody>
                {test.value.detail} {test.value.fix}
              </MessageBarBody>
            </MessageBar>
          )}
        </>
      )}
    </>
  );
}
