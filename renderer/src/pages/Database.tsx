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
import { LearnMore, PasswordPair, TextField } from '../fields.js';
import { LEARN_MORE } from '../words.js';

export function DatabasePage() {
  const { control, getValues } = useFormContext<WizardDraft>();
  const mode = useWatch({ control, name: 'database.mode' });
  const authMode = useWatch({ control, name: 'database.authMode' });
  const [test, setTest] = useState<
    { state: 'idle' | 'running' } | { state: 'done'; value: ValueOf<'testDatabaseConnection'> }
  >({
    state: 'idle',
  });

  const runTest = async () => {
    const db = getValues('database');
    setTest({ state: 'running' });
    const port = /^\d+$/.test(db.port) ? Number(db.port) : undefined;
    const r = await installer().testDatabaseConnection({
      server: db.server || 'localhost',
      ...(db.instance ? { instance: db.instance } : {}),
      ...(port ? { port } : {}),
      authMode: db.authMode,
      ...(db.authMode === 'sql' ? { user: db.admin.user, password: db.admin.password } : {}),
    });
    setTest({
      state: 'done',
      value: r.ok ? r.value : { ok: false, detail: r.error.message, fix: r.error.fix },
    });
  };

  return (
    <>
      <Body1>
        QATrack+ keeps its data in SQL Server. The installer creates the database and two logins for it.{' '}
        <LearnMore href={LEARN_MORE.sqlLogins} topic="SQL Server logins" />
      </Body1>
      <Controller
        control={control}
        name="database.mode"
        render={({ field }) => (
          <Field label="Database server">
            <RadioGroup value={field.value} onChange={(_e, d) => field.onChange(d.value)} name={field.name}>
              <Radio value="existing" label="Use an existing SQL Server" />
              <Radio value="express" label="Install SQL Server Express from the bundle on this machine" />
            </RadioGroup>
          </Field>
        )}
      />
      {mode === 'existing' ? (
        <>
          <TextField
            name="database.server"
            label="Server name"
            required
            hint="For example sql01.hospital.local"
          />
          <div className="two-col">
            <TextField
              name="database.instance"
              label="Instance (optional)"
              hint="Empty for the default instance"
            />
            <TextField name="database.port" label="Port (optional)" hint="Empty to use the instance's port" />
          </div>
          <Controller
            control={control}
            name="database.authMode"
            render={({ field }) => (
              <Field label="How the installer signs in to create the database">
                <RadioGroup
                  value={field.value}
                  onChange={(_e, d) => field.onChange(d.value)}
                  name={field.name}
                  layout="horizontal"
                >
                  <Radio value="windows" label="Windows account running the installer" />
                  <Radio value="sql" label="SQL login" />
                </RadioGroup>
              </Field>
            )}
          />
          {authMode === 'sql' && (
            <>
              <TextField name="database.admin.user" label="SQL administrator login" required />
              <PasswordPair
                name="database.admin.password"
                confirm="confirm.dbAdmin"
                label="SQL administrator password"
              />
            </>
          )}
          <div className="row">
            <Button onClick={() => void runTest()} disabled={test.state === 'running'}>
              Test connection
            </Button>
            {test.state === 'running' && <Spinner size="tiny" label="Connecting..." />}
          </div>
          {test.state === 'done' && (
            <MessageBar intent={test.value.ok ? 'success' : 'error'} role="status">
              <MessageBarBody>
                {test.value.detail} {test.value.fix}
              </MessageBarBody>
            </MessageBar>
          )}
        </>
      ) : (
        <TextField
          name="database.instance"
          label="Instance name"
          hint="SQL Server Express is installed as this named instance, e.g. SQLEXPRESS"
        />
      )}
      <TextField name="database.name" label="Database name" required />
    </>
  );
}
