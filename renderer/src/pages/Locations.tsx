import { Body1 } from '@fluentui/react-components';
import { TextField } from '../fields.js';

export function LocationsPage() {
  return (
    <>
      <Body1>
        Programs and data live in separate folders, so IIS never serves files from the code folder.
      </Body1>
      <TextField
        name="paths.installDir"
        label="Program folder"
        required
        hint="Python, the QATrack+ code and the worker services."
        autoFocus
      />
      <TextField
        name="paths.dataDir"
        label="Data folder"
        required
        hint="Static files, uploads, logs and backups."
      />
      <TextField
        name="paths.bundleDir"
        label="Offline bundle folder (optional)"
        hint="A folder made with “Create an offline bundle”; leave empty to use the bundle next to this installer."
      />
    </>
  );
}
