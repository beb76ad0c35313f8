import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { EXIT } from '../engine/errors.js';
import { configureResources } from '../engine/resources.js';
import { commands } from './commands/index.js';
import { describeFailure, printFailure } from './output.js';

/**
 * `qatrack-installer`: the engine without a GUI. Exit codes: 0 done / nothing to do, 2 plan found
 * changes, 1 failure, 64 invalid input (nothing changed), 130 cancelled, 3010 reboot needed (run
 * repair after the reboot; POSIX shells see 194).
 */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  let json = argv.includes('--json');
  const program = new Command('qatrack-installer')
    .description('Install, repair, verify and uninstall QATrack+ (Windows Server + IIS + SQL Server)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .showHelpAfterError('(run with --help for usage)');
  for (const register of commands)
    register(program, (code, o) => {
      exitCode = code;
      json = o.json === true;
    });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
      return EXIT.invalidInput; // commander already printed what is wrong
    }
    const failure = describeFailure(e);
    printFailure(failure, json);
    return failure.exitCode;
  }
  return exitCode;
}

// The CLI's composition root: the catalog is in resources/ of the package this entry belongs to
// (electron/cli/main.ts from source, dist/cli/cli.js when bundled: both two levels below the root).
configureResources(fileURLToPath(new URL('../../resources/', import.meta.url)));
process.exitCode = await main(process.argv);
// Flush and leave even if a library keeps a handle open (an unattended run must not hang).
process.stdout.write('', () => process.stderr.write('', () => process.exit(process.exitCode)));
