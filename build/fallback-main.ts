/**
 * Packaged only when the project has no Electron main yet (scripts/dist.ts says so in its output):
 * it keeps the packaging pipeline whole. The real entry is electron/main (the wizard).
 */
import { app, dialog } from 'electron';

void app.whenReady().then(async () => {
  await dialog.showMessageBox({
    type: 'info',
    title: 'QATrack+ Installer',
    message: 'This build was packaged without the wizard (packaging pipeline test).',
  });
  app.quit();
});
