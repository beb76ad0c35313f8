import { bundleCommand } from './bundle.js';
import { installCommand } from './install.js';
import { planCommand } from './plan.js';
import { repairCommand } from './repair.js';
import { schemaCommand } from './schema.js';
import type { CliCommand } from './types.js';
import { uninstallCommand } from './uninstall.js';
import { upgradeCommand } from './upgrade.js';
import { verifyCommand } from './verify.js';

/** Every subcommand, in help order. (The bundle work adds `bundle` here.) */
export const commands: CliCommand[] = [
  planCommand,
  installCommand,
  repairCommand,
  verifyCommand,
  uninstallCommand,
  upgradeCommand,
  schemaCommand,
  bundleCommand,
];
