import path from 'node:path';

/**
 * Where the app finds its parts, packaged or not (electron-builder layout: `<dir>\resources\app.asar`
 * holds package.json and dist/, `extraResources` puts `catalog/` and `examples/` in `<dir>\resources`
 * beside it, which Electron reports as process.resourcesPath).
 */
export interface AppPathsInput {
  isPackaged: boolean;
  /** app.getAppPath(): `<dir>\resources\app.asar` packaged, the project folder unpackaged. */
  appPath: string;
  /** process.resourcesPath: `<dir>\resources` packaged (Electron's own resources when unpackaged). */
  resourcesPath: string;
  /** app.getPath('userData'). */
  userData: string;
}

export interface AppPaths {
  /** The installer's read-only data (catalog, examples): for configureResources(). */
  resourcesDir: string;
  rendererDir: string;
  preload: string;
  /** Wizard logs. */
  logDir: string;
  /** An older build's per-user remembered answers (migrated to ProgramData). */
  legacyAnswersFile: string;
}

export function appPaths(i: AppPathsInput): AppPaths {
  return {
    resourcesDir: i.isPackaged ? i.resourcesPath : path.join(i.appPath, 'resources'),
    rendererDir: path.join(i.appPath, 'dist', 'renderer'),
    preload: path.join(i.appPath, 'dist', 'preload', 'index.cjs'),
    logDir: path.join(i.userData, 'logs'),
    legacyAnswersFile: path.join(i.userData, 'last-answers.json'),
  };
}

/** The elevated helper's own Chromium profile, so it never shares the open wizard's userData. */
export const helperUserData = (userData: string) => `${userData} Helper`;
