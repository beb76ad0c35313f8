import { Option, type Command } from 'commander';

/** The options every run command shares. */
export function withRunOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--answers <file>', 'answers file (JSON; see "qatrack-installer schema")')
    .option('--host <host>', 'windows | posix | sim:STATEFILE (default: windows on Windows)')
    .option('--json', 'machine-readable output: JSON, events as JSON lines')
    .option('--log-file <file>', 'readable log file (a JSON-lines log is written beside it)')
    .option('--yes', 'do not ask for confirmation')
    .option('--secrets-stdin', 'read secrets as a JSON object {"database.login.password": "..."} from stdin')
    .addOption(
      new Option('--steps-module <file>', 'use the steps exported by this module (tests)').hideHelp(),
    )
    .addOption(new Option('--catalog-dir <dir>', 'read the release catalog from this folder').hideHelp())
    .addOption(
      new Option('--action-timeout-ms <ms>', 'limit for actions without their own timeout').hideHelp(),
    );
}

/** plan/install: which QATrack+ release (checked against the catalog; exit 64 names the allowed ones). */
export const withReleaseOption = (cmd: Command): Command =>
  cmd.option(
    '--release <release>',
    'QATrack+ release from the catalog, e.g. 4.0.x (default: the answers\' "release", else 3.1.1.4)',
  );

/** install/repair/uninstall: apply only this saved plan (made by "plan --out"), refuse if stale. */
export const withApprovedPlan = (cmd: Command): Command =>
  cmd.option(
    '--plan <file>',
    'apply only this saved plan ("plan --out"); refused, changing nothing, if the machine or answers changed',
  );

/** install/repair/uninstall: how many independent steps run at once (1: one after the other). */
export const withJobs = (cmd: Command): Command =>
  cmd.option(
    '--jobs <n>',
    'steps applied at once where their dependencies allow: 1 to 16, default 4 (1 = one after the other)',
  );
