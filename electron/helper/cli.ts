// Runs the helper from plain Node (tests, and `node --import tsx` during development).
import { helperMain } from './entry.js';

process.exitCode = await helperMain(process.argv.slice(2));
