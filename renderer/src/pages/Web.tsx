import { Body1, Button, Field, Radio, RadioGroup, Spinner, Switch, Text } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import { Controller, useFormContext, useWatch } from 'react-hook-form';
import type { ValueOf } from '../../../electron/ipc/contract.js';
import { installer } from '../api.js';
import type { PageEnv, WizardDraft } from '../draft.js';
import { LearnMore, TextField } from '../fields.js';
import { LEARN_MORE } from '../words.js';
import { DefaultWebSiteChoice } from './DefaultWebSite.js';

/** Asks main whether a port is taken; the Default Web Site has its own choice, others a warning. */
function usePortWarning(value: string, dwsPorts: number[]): string | undefined {
  const [warning, setWarning] = useState<string>();
  useEffect(() => {
    setWarning(undefined);
    if (!/^\d{1,5}$/.test(value) || Number(value) < 1 || Number(value) > 65535) return;
    if (dwsPorts.includes(Number(value))) return;
    let live = true;
    const t = setTimeout(() => {
      void installer()
        .checkPort({ port: Number(value) })
        .then((r) => {
          if (live && r.ok && r.value.inUse) {
            setWarning(
              `Port ${value} is in use${r.value.owner ? ` by ${r.value.owner}` : ''}. The installer does not stop it: choose another port, or stop that program first.`,
            );
          }
        });
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [value, dwsPorts.join(',')]);
  return warning;
}

type Certificates = ValueOf<'listCertificates'>['certificates'];

/** The machine store's certificates as a list to pick from (filled into the thumbprint field). */
function CertificatePicker() {
  const { control, setValue } = useFormContext<WizardDraft>();
  const thumbprint = useWatch({ control, name: 'site.https.thumbprint' });
  const [list, setList] = useState<
    { state: 'loading' } | { state: 'done'; certs: Certificates; error?: string }
  >({
    state: 'loading',
  });
  const load = () => {
    setList({ state: 'loading' });
    void installer()
      .listCertificates({})
      .then((r) =>
        setList(
          r.ok
            ? { state: 'done', certs: r.value.certificates }
            : { state: 'done', certs: [], error: r.error.message },
        ),
      );
  };
  useEffect(load, []);
  if (list.state === 'loading') return <Spinner size="tiny" label="Reading the machine's certificates..." />;
  const norm = thumbprint.replace(/\s/g, '').toUpperCase();
  return (
    <>
      {list.certs.length ? (
        <Field label="Certificates in this machine's store (Local Computer > Personal)">
          <RadioGroup
            value={list.certs.some((c) => c.thumbprint === norm) ? norm : ''}
            onChange={(_e, d) =>
              setValue('site.https.thumbprint', d.value, { shouldValidate: true, shouldDirty: true })
            }
          >
            {list.certs.map((c) => (
              <Radio
                key={c.thumbprint}
                value={c.thumbprint}
                label={
                  <span className="wrap">
                    <Text weight="semibold">{c.subject || c.friendlyName || c.thumbprint}</Text>
                    <Text block size={200}>
                      {c.dnsNames.length ? `Names: ${c.dnsNames.join(', ')}. ` : ''}
                      {c.notAfter ? `Expires ${new Date(c.notAfter).toLocaleDateString()}. ` : ''}
                      {c.hasPrivateKey === false ? 'No private key: IIS cannot use it. ' : ''}
                      Thumbprint {c.thumbprint}
                    </Text>
                  </span>
                }
              />
            ))}
          </RadioGroup>
        </Field>
      ) : (
        <Text size={200}>{list.error ?? 'No certificates were found in the machine store.'}</Text>
      )}
      <div className="row">
        <Button size="small" onClick={load}>
          Read the certificates again
        </Button>
      </div>
      <TextField
        name="site.https.thumbprint"
        label="Certificate thumbprint"
        required
        hint="Filled in when you pick a certificate above; or paste 40 hexadecimal digits from the certificate's Details tab."
      />
    </>
  );
}

export function WebPage(p: { env: PageEnv }) {
  const { control } = useFormContext<WizardDraft>();
  const httpPort = useWatch({ control, name: 'site.httpPort' });
  const https = useWatch({ control, name: 'site.https' });
  const dws = p.env.defaultWebSitePorts;
  const httpWarning = usePortWarning(httpPort, dws);
  const httpsWarning = usePortWarning(https.enabled ? https.port : '', dws);
  const dwsPorts = [Number(httpPort), ...(https.enabled ? [Number(https.port)] : [])].filter((x) =>
    dws.includes(x),
  );
  return (
    <>
      <Body1>
        IIS answers on these names and ports and passes requests to the QATrack+ workers.{' '}
        <LearnMore href={LEARN_MORE.iisSite} topic="IIS sites and bindings" />
      </Body1>
      <TextField
        name="site.hostNames"
        label="Host names"
        required
        hint="Names people type in the browser, separated by commas. The first one is the site's address."
        autoFocus
      />
      <TextField name="site.httpPort" label="HTTP port" required warning={httpWarning} />
      {dwsPorts.length > 0 && <DefaultWebSiteChoice ports={dwsPorts} />}
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
              <Field
                label="Certificate"
                hint={<LearnMore href={LEARN_MORE.iisSsl} topic="HTTPS certificates in IIS" />}
              >
                <RadioGroup
                  value={field.value}
                  onChange={(_e, d) => field.onChange(d.value)}
                  name={field.name}
                >
                  <Radio
                    value="selfSigned"
                    label="Create a self-signed certificate (browsers will warn; for testing)"
                  />
                  <Radio value="thumbprint" label="Use a certificate from the machine's certificate store" />
                </RadioGroup>
              </Field>
            )}
          />
          {https.certMode === 'thumbprint' && <CertificatePicker />}
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
