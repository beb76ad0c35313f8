// `node --import register.mjs <resources>/app.asar/dist/main/index.js`: what Electron 45 does before
// it imports an ESM main (lib/browser/init.ts): sets process.resourcesPath (docs/api/process.md:
// "the path to the resources directory"), and makes `electron` resolve to the built-in module,
// here the stand-in beside this file. Nothing else is changed.
import { register } from 'node:module';
import path from 'node:path';

process.resourcesPath = process.env.QATRACK_STANDIN_RESOURCES;
if (!process.resourcesPath || !path.isAbsolute(process.resourcesPath))
  throw new Error('register.mjs: QATRACK_STANDIN_RESOURCES must be the absolute resources folder');
register('./hooks.mjs', import.meta.url);
