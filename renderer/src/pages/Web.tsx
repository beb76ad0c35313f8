import { Body1, Field, Radio, RadioGroup, Switch } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { Controller, useFormContext, useWatch } from 'react-hook-form';
import { installer } from '../api.js';
import type { WizardDraft } from '../draft.js';
import { TextField } from '../fields.js';

/** Asks main whether a port is taken (e.g. by IIS's Default Web Site); a warning, not a blocker. */
function usePortWarning(value: string): string | undefined {
  const [warning, setWarning] = useState<string>();
  useEffect(() => {
    setWarning(undefined);
    if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) return;
    let live = true;
    const t = setTimeout(() => {
      void installer()
        .checkPort({ port: Number(value) })
        .then((r) => {
          if (live && r.ok && r.value.inUse) {
            setWarning(
              `Port ${value} is in use${r.value.owner ? ` by ${r.value.owner}` : ''}. The installer will take it over for QATrack+; choose another port to keep that site.`,
            );
          }
        });
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [value]);
  return warning;
}

export function WebPage() {
  const { control } = useFormContext<WizardDraft>();
  const httpPort = useWatch({ control, name: 'site.httpPort' });
  const https = useWatch({ control, name: 'site.https' });
  const httpWarning = usePortWarning(httpPort);
  const httpsWarning = usePortWarning(https.enabled ? https.port : '');
  return (
    <>
      <Body1>IIS answers on these names and ports and passes requests to the QATrack+ workers.</Body1>
      <TextField
        name="site.hostNames"
        label="Host names"
        required
        hint="Names people type in the browser, separated by commas. The first one is the site's address."
        autoFocus
      />
      <TextField name="site.httpPort" label="HTTP port" required warning={httpWarning} />
      <Controller
        control={control}
        name="site.https.enabled"
        render={({ field }) => (
          <Switch
            checked={field.value}
            onChange={(_e, d) => field.onChange(d.checked)}
            label="Use HTTPS"
            name={field.name}
          />
        )}
      />
      {https.enabled && (
        <>
          <TextField name="site.https.port" label="HTTPS port" required warning={httpsWarning} />
          <Controller
            control={control}
            name="site.https.certMode"
            render={({ field }) => (
              <Field label="Certificate">
                <RadioGroup
                  value={field.value}
                  onChange={(_e, d) => field.onChange(d.value)}
                  name={field.name}
                >
                  <Radio value="selfSigned" label="Create a self-signed certificate (browsers will warn)" />
                  <Radio value="thumbprint" label="Use a certificate from the machine's certificate store" />
                </RadioGroup>
              </Field>
            )}
          />
          {https.certMode === 'thumbprint' && (
            <TextField
              name="site.https.thumbprint"
              label="Certificate thumbprint"
              required
              hint="40 hexadecimal digits, from the certificate's Details tab"
            />
          )}
        </>
      )}
      <TextField
        name="workers.count"
        label="Number of workers"
        required
        hint="QATrack+ processes behind IIS; one crashed worker does not take the site down. 2 to 4 is typical."
      />
    </>
  );
}
