import path from 'node:path';
import { InstallerError } from './errors.js';

/**
 * Where the installer's read-only data lives (release catalog, reviewed pins, example answers): the
 * one resource-location port of the engine. The engine never derives it from its own file location,
 * because that differs between the source tree, a bundle (dist/main/index.js inside app.asar) and
 * the packed app, where electron-builder's `extraResources` puts `catalog/` beside app.asar
 * (`<install dir>\resources\catalog`), not inside it. The composition root sets it once, first:
 *  - Electron main: `process.resourcesPath` when packaged, `<app path>/resources` unpackaged;
 *  - the CLI: `resources/` of the package the CLI entry belongs to (its own location);
 *  - tests: test/support/resources-setup.ts (the repo's resources/).
 */
export interface ResourceLocation {
  /** The resources folder itself. */
  readonly dir: string;
  /** `catalog/releases/<release>.json`. */
  readonly releasesDir: string;
  /** `catalog/pins/<release>.json`. */
  readonly pinsDir: string;
  /** `examples/answers.json`. */
  readonly examplesDir: string;
}

let current: ResourceLocation | undefined;

export function resourceLocation(dir: string): ResourceLocation {
  const root = path.resolve(dir);
  return {
    dir: root,
    releasesDir: path.join(root, 'catalog', 'releases'),
    pinsDir: path.join(root, 'catalog', 'pins'),
    examplesDir: path.join(root, 'examples'),
  };
}

/** Called once by the composition root (main, CLI, test setup) before anything reads a resource. */
export function configureResources(dir: string): ResourceLocation {
  current = resourceLocation(dir);
  return current;
}

/** The configured location; a build that forgot to configure it fails loudly, never guesses. */
export function resources(): ResourceLocation {
  if (!current)
    throw new InstallerError(
      'RESOURCES_NOT_CONFIGURED',
      'The installer does not know where its release catalog is (no resources folder configured).',
      'This is a packaging bug: the entry point must call configureResources() first.',
    );
  return current;
}
