import { Field, Radio, RadioGroup } from '@fluentui/react-components';
import { Controller, useFormContext, useWatch } from 'react-hook-form';
import type { WizardDraft } from '../draft.js';
import { LearnMore } from '../fields.js';
import { LEARN_MORE } from '../words.js';

/**
 * What happens to IIS's Default Web Site when it holds the port QATrack+ needs (site.defaultWebSite).
 * Shown on the machine check (in place) and on the Web site page, bound to the same field.
 */
export function DefaultWebSiteChoice(p: { ports: number[] }) {
  const { control } = useFormContext<WizardDraft>();
  const hostNames = useWatch({ control, name: 'site.hostNames' });
  const first = hostNames.split(/[\s,;]+/).filter(Boolean)[0] ?? 'the first host name';
  const ports = p.ports.join(' and ');
  return (
    <Controller
      control={control}
      name="site.defaultWebSite"
      render={({ field, fieldState }) => (
        <Field
          label={`IIS's Default Web Site holds port ${ports}. What should happen to it?`}
          required
          validationState={fieldState.error ? 'error' : 'none'}
          validationMessage={fieldState.error?.message}
          hint={<LearnMore href={LEARN_MORE.iisSite} topic="IIS sites and bindings" />}
        >
          <RadioGroup
            value={field.value}
            onChange={(_e, d) => field.onChange(d.value)}
            name={field.name}
            onBlur={field.onBlur}
          >
            <Radio
              value="stop"
              label={`Stop the Default Web Site and keep it stopped (recommended when nothing else uses it): QATrack+ answers on port ${ports} for every name`}
            />
            <Radio
              value="keep"
              label={`Keep the Default Web Site: QATrack+ answers on port ${ports} only for the name ${first}`}
            />
          </RadioGroup>
        </Field>
      )}
    />
  );
}
