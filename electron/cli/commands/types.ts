import type { Command } from 'commander';

/**
 * Registers one subcommand. Its action calls `done(exitCode, options)`; main turns thrown errors
 * into exit codes and messages.
 */
export type CliCommand = (
  program: Command,
  done: (exitCode: number, options: { json?: boolean }) => void,
) => void;
