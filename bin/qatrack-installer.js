#!/usr/bin/env node
// Entry for `npx qatrack-installer`: runs the TypeScript CLI through tsx's loader (no build step
// needed after `npm ci`). Packaged builds use the bundled dist/cli.js instead.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundled = fileURLToPath(new URL('../dist/cli/cli.js', import.meta.url));
if (process.env.QATRACK_INSTALLER_BUNDLED === '1' && existsSync(bundled)) {
  await import(pathToFileURL(bundled).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../electron/cli/main.ts');
}
