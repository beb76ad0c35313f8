/**
 * `node --import tsx scripts/dist/sign-file.ts FILE`: signs one file with the configuration in the
 * environment (see signing.ts). The NSIS script calls it through `!uninstfinalize`, because
 * electron-builder does not sign the uninstaller of a custom script.
 */
import { readFile } from 'node:fs/promises';
import { signFile, signingConfigFromEnv } from './signing.js';

const file = process.argv[2];
if (!file) {
  console.error('usage: sign-file.ts FILE');
  process.exit(64);
}
const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as {
  productName: string;
  homepage?: string;
};
try {
  const config = await signingConfigFromEnv(process.env, {
    description: pkg.productName,
    url: pkg.homepage ?? 'https://qatrackplus.com',
  });
  await signFile(file, config);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
