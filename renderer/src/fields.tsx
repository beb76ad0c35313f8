import { Button, Field, Input, Link, ProgressBar, Text, type InputProps } from '@fluentui/react-components';
import type { ReactElement } from 'react';
import { Controller, useFormContext, type FieldPath } from 'react-hook-form';
import type { RequestOf } from '../../electron/ipc/contract.js';
import { installer } from './api.js';
import { passwordStrength, type WizardDraft } from './draft.js';

interface TextFieldProps {
  name: FieldPath<WizardDraft>;
  label: string;
  hint?: string | ReactElement;
  /** A non-blocking note (e.g. "port in use"), shown when there is no error. */
  warning?: string;
  required?: boolean;
  type?: InputProps['type'];
  placeholder?: string;
  deps?: FieldPath<WizardDraft>[];
  autoFocus?: boolean;
  /** Adds a "Browse..." button that opens the system folder picker (through main). */
  browse?: RequestOf<'chooseFolder'>['purpose'];
}

/** A "Learn more" link; main opens only the constants it lists (electron/main/security.ts). */
export function LearnMore(p: { href: string; topic: string }) {
  return (
    <Link href={p.href} target="_blank" rel="noreferrer" aria-label={`Learn more about ${p.topic}`}>
      Learn more
    </Link>
  );
}

/** Fluent's Input is controlled, so it goes through Controller (register would hide default values). */
export function TextField(p: TextFieldProps) {
  const { control, setValue, getValues } = useFormContext<WizardDraft>();
  const browse = async () => {
    if (!p.browse) return;
    const current = getValues(p.name);
    const r = await installer().chooseFolder({
      purpose: p.browse,
      ...(typeof current === 'string' && current ? { defaultPath: current } : {}),
    });
    if (r.ok && r.value.chosen && r.value.path)
      setValue(p.name, r.value.path, { shouldValidate: true, shouldDirty: true });
  };
  const field = (
    <Controller
      control={control}
      name={p.name}
      rules={p.deps ? { deps: p.deps } : {}}
      render={({ field, fieldState }) => (
        <Field
          className="field"
          label={p.label}
          required={p.required}
          hint={p.hint}
          validationState={fieldState.error ? 'error' : p.warning ? 'warning' : 'none'}
          validationMessage={fieldState.error?.message ?? p.warning}
        >
          <Input
            name={field.name}
            value={typeof field.value === 'string' ? field.value : ''}
            onChange={(_e, d) => field.onChange(d.value)}
            onBlur={field.onBlur}
            ref={field.ref}
            type={p.type}
            placeholder={p.placeholder}
            autoFocus={p.autoFocus}
            autoComplete={p.type === 'password' ? 'new-password' : 'off'}
            spellCheck={false}
          />
        </Field>
      )}
    />
  );
  if (!p.browse) return field;
  return (
    <div className="with-action">
      {field}
      <Button onClick={() => void browse()} aria-label={`Browse for the ${p.label.toLowerCase()}`}>
        Browse...
      </Button>
    </div>
  );
}

/** Password with a strength meter and a confirmation field; the value is never shown or sent back. */
export function PasswordPair(p: {
  name: FieldPath<WizardDraft>;
  confirm: FieldPath<WizardDraft>;
  label: string;
  hint?: string;
}) {
  const { watch } = useFormContext<WizardDraft>();
  const raw = watch(p.name);
  const value = typeof raw === 'string' ? raw : '';
  const strength = passwordStrength(value);
  return (
    <div className="password-pair">
      <TextField name={p.name} label={p.label} type="password" required hint={p.hint} deps={[p.confirm]} />
      <div className="strength" aria-live="polite">
        <ProgressBar
          value={strength.score / 4}
          thickness="large"
          color={strength.score >= 3 ? 'success' : strength.score >= 2 ? 'warning' : 'error'}
          aria-label={`${p.label} strength`}
        />
        <Text size={200}>Strength: {strength.label}</Text>
      </div>
      <TextField name={p.confirm} label={`Confirm ${p.label.toLowerCase()}`} type="password" required />
    </div>
  );
}
