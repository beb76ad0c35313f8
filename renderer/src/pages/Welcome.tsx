import { Body1, Field, Radio, RadioGroup, Text } from '@fluentui/react-components';
import type { WizardMode } from '../../../electron/ipc/contract.js';

const MODES: { value: WizardMode; label: string; detail: string; needsLastRun?: boolean }[] = [
  {
    value: 'install',
    label: 'Install QATrack+',
    detail: 'Set up QATrack+ on this server behind IIS with SQL Server.',
  },
  {
    value: 'repair',
    label: 'Repair',
    detail: 'Put back anything that drifted; nothing that is right is touched.',
    needsLastRun: true,
  },
  {
    value: 'reconfigure',
    label: 'Reconfigure',
    detail: 'Change host names, ports, database or workers.',
    needsLastRun: true,
  },
  {
    value: 'uninstall',
    label: 'Uninstall',
    detail: 'Remove QATrack+; the database, media and backups are kept.',
    needsLastRun: true,
  },
  {
    value: 'bundle',
    label: 'Create an offline bundle',
    detail: 'Download everything an air-gapped server needs into one folder.',
  },
];

export function WelcomePage(p: {
  mode: WizardMode;
  onMode: (m: WizardMode) => void;
  hasLastRun: boolean;
  lastSavedAt?: string;
  /** The installed release and a newer one in the catalog (upgradeStatus), offered beside repair. */
  upgrade?: { from: string; to: string };
}) {
  const modes = p.upgrade
    ? [
        ...MODES.slice(0, 3),
        {
          value: 'upgrade' as const,
          label: `Upgrade QATrack+ ${p.upgrade.from} → ${p.upgrade.to}`,
          detail: `Back up first, then run ${p.upgrade.to} beside ${p.upgrade.from}; any failure rolls back.`,
          needsLastRun: true,
        },
        ...MODES.slice(3),
      ]
    : MODES;
  return (
    <>
      <Body1>
        This wizard installs QATrack+ 3.1.1.4 and everything it needs, with one administrator prompt when you
        start. You can review every change before it is made.
      </Body1>
      <Field label="What do you want to do?">
        <RadioGroup value={p.mode} onChange={(_e, d) => p.onMode(d.value as WizardMode)}>
          {modes.map((m) => (
            <Radio
              key={m.value}
              value={m.value}
              disabled={m.needsLastRun && !p.hasLastRun}
              label={
                <span>
                  <Text weight="semibold">{m.label}</Text>
                  <Text block size={200}>
                    {m.detail}
                    {m.needsLastRun && !p.hasLastRun ? ' (needs a previous install by this wizard)' : ''}
                  </Text>
                </span>
              }
            />
          ))}
        </RadioGroup>
      </Field>
      {p.hasLastRun && p.lastSavedAt && (
        <Text size={200}>
          Answers of the last run ({new Date(p.lastSavedAt).toLocaleString()}) are kept, without passwords.
        </Text>
      )}
    </>
  );
}
