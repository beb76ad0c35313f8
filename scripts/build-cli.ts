/**
 * Builds the CLI into one ESM file (dist/cli/cli.js), which `bin/qatrack-installer.js` runs instead
 * of the TypeScript sources when QATRACK_INSTALLER_BUNDLED=1: no transpiling at startup.
 *
 *   npm run build:cli [-- OUTFILE]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

// CJS dependencies (write-file-atomic, pino) expect require and __filename inside an ESM bundle.
const banner = [
  "import { createRequire as __cr } from 'node:module';",
  "import { fileURLToPath as __f2p } from 'node:url';",
  "import { dirname as __dn } from 'node:path';",
  'const require = __cr(import.meta.url);',
  'const __filename = __f2p(import.meta.url);',
  'const __dirname = __dn(__filename);',
].join(' ');

export async function buildCli(outfile: string): Promise<void> {
  await build({
    entryPoints: [fileURLToPath(new URL('../electron/cli/main.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
    banner: { js: banner },
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = path.resolve(process.argv[2] ?? 'dist/cli/cli.js');
  await buildCli(out);
  console.log(`built ${out}`);
}
