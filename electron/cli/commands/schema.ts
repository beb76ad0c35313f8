import type { Command } from 'commander';
import { answersJsonSchema } from '../../engine/answers/index.js';
import { out } from '../output.js';
import type { CliCommand } from './types.js';

export const schemaCommand: CliCommand = (program: Command, done) => {
  program
    .command('schema')
    .description('print the JSON Schema of the answers file')
    .action(() => {
      out(JSON.stringify(answersJsonSchema(), null, 2) + '\n');
      done(0, {});
    });
};
