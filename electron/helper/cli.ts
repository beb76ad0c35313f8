// Runs the helper from plain Node (tests, and `node --import tsx` during development).
import { fileURLToPath } from 'node:url';
import { configureResources } from '../engine/resources.js';
import { helperMain } from './entry.js';

// The catalog comes from the package's own resources/, as the CLI's does (never from the caller).
configureResources(fileURLToPath(new URL('../../resources/', import.meta.url)));
process.exitCode = await helperMain(process.argv.slice(2));
