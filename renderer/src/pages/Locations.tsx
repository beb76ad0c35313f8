import { Body1 } from '@fluentui/react-components';
import { LearnMore, TextField } from '../fields.js';
import { LEARN_MORE } from '../words.js';

export function LocationsPage() {
  return (
    <>
      <Body1>
        Programs and data live in separate folders, so IIS never serves files from the code folder.{' '}
        <LearnMore href={LEARN_MORE.install} topic="installing QATrack+ on Windows" />
      </Body1>
      <TextField
        name="paths.installDir"
        label="Program folder"
        required
        hint="Python, the QATrack+ code and the worker services."
        autoFocus
        browse="installDir"
      />
      <TextField
        name="paths.dataDir"
        label="Data folder"
        required
        hint="Static files, uploads, logs and backups."
        browse="dataDir"
      />
      <TextField
        name="paths.bundleDir"
        label="Offline bundle folder (optional)"
        hint="A folder made with “Create an offline bundle”; leave empty to use the bundle next to this installer."
        browse="bundleDir"
      />
    </>
  );
}
