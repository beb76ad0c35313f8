import { Body1, Field, Radio, RadioGroup } from '@fluentui/react-components';
import { Controller, useFormContext } from 'react-hook-form';
import type { WizardDraft } from '../draft.js';
import { TextField } from '../fields.js';

export function BundlePage() {
  const { control } = useFormContext<WizardDraft>();
  return (
    <>
      <Body1>
        Downloads every installer, Python package and the QATrack+ source for release 3.1.1.4, each checked
        against its SHA-256, into one folder you can carry to an air-gapped server.
      </Body1>
      <TextField name="bundle.outDir" label="Bundle folder" required autoFocus />
      <Controller
        control={control}
        name="bundle.arch"
        render={({ field }) => (
          <Field label="Python for">
            <RadioGroup
              value={field.value}
              onChange={(_e, d) => field.onChange(d.value)}
              name={field.name}
              layout="horizontal"
            >
              <Radio value="x64" label="64-bit (recommended)" />
              <Radio value="x86" label="32-bit" />
            </RadioGroup>
          </Field>
        )}
      />
    </>
  );
}
