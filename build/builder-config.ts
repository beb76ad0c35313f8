/**
 * electron-builder configuration for the Windows deliverable: one per-machine NSIS installer, built by
 * scripts/dist.ts (which prepares the offline toolchain and the signing hook and passes them here).
 * Choices and their reasons:
 *  - custom NSIS script (build/installer.nsi) with `Target amd64-unicode`: the stock templates need
 *    third-party plugins Debian lacks (StdUtils, UAC, nsis7z, WinShell) and make 32-bit stubs that
 *    wine64 cannot run; ours uses only standard plugins and writes its uninstaller at install time.
 *  - `oneClick: false` + `perMachine: true`: IT staff choose the folder; the app goes to Program Files
 *    for all users (the deployment it performs is machine-wide anyway: services, IIS, SQL).
 *  - the app itself runs `asInvoker`; the installed exe in helper mode is the one elevated process.
 *  - fuses: no RunAsNode / NODE_OPTIONS / --inspect (the exe runs elevated as the helper, so nothing
 *    may turn it into a general-purpose Node), cookie encryption, ASAR integrity + ASAR-only loading,
 *    no extra file:// privileges (the renderer is served from app://).
 */
import type { Configuration, CustomWindowsSign } from 'electron-builder';

export interface BuilderConfigOptions {
  /** Unpacked Electron dist for win32-x64 (real, or the packaging stand-in). */
  electronDist: string;
  electronVersion: string;
  /** Custom signing hook; runs for every exe and for the installer, signed or not. */
  sign: CustomWindowsSign;
  /** The console launcher (build/console/qatrack-installer.c, compiled), installed beside the app. */
  consoleLauncher?: string;
  /** Main entry to record in the packaged package.json when it differs from package.json's. */
  mainEntry?: string;
  outputDir?: string;
}

export const APP_ID = 'org.qatrackplus.installer';

/** Renderer-only and build-only packages that must never reach app.asar. */
export const EXCLUDED_FROM_ASAR = [
  '!**/*.{ts,tsx,mts,cts,map,md,markdown}',
  // tsx/esbuild are dependencies only for running the CLI from source; they carry Linux binaries.
  '!node_modules/{tsx,esbuild,@esbuild,get-tsconfig,resolve-pkg-maps}/**',
  '!node_modules/{react,react-dom,@fluentui,@griffel,react-hook-form,scheduler}/**',
];

export function createBuilderConfig(options: BuilderConfigOptions): Configuration {
  return {
    appId: APP_ID,
    copyright: 'Copyright © QATrack+ Installer contributors',
    directories: { output: options.outputDir ?? 'release', buildResources: 'build' },
    electronDist: options.electronDist,
    electronVersion: options.electronVersion,
    // No native modules; never rebuild against headers we cannot download.
    npmRebuild: false,
    nodeGypRebuild: false,
    asar: true,
    // electron-builder's intermediate 7z only carries the app into makensis, which compresses it
    // once with solid LZMA (build/installer.nsi); compressing twice only costs build time.
    compression: 'store',
    files: ['package.json', 'out/**/*', 'dist/**/*', ...EXCLUDED_FROM_ASAR],
    ...(options.mainEntry ? { extraMetadata: { main: options.mainEntry } } : {}),
    // `qatrack-installer.exe` beside the app: a console program that runs the app's unattended mode,
    // waits and returns its exit code (the app is GUI-subsystem: cmd would not wait for it).
    ...(options.consoleLauncher
      ? { extraFiles: [{ from: options.consoleLauncher, to: 'qatrack-installer.exe' }] }
      : {}),
    extraResources: [
      // The release catalog and the config templates are data, read by the engine at run time.
      { from: 'resources', to: '.', filter: ['catalog/**/*', 'templates/**/*', 'examples/**/*'] },
    ],
    electronFuses: {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    },
    win: {
      target: [{ target: 'nsis', arch: ['x64'] }],
      icon: 'build/icon.ico',
      requestedExecutionLevel: 'asInvoker',
      signtoolOptions: {
        sign: options.sign,
        // One call per file: SHA-256 only (SHA-1 Authenticode is deprecated; Windows 7 is not a target).
        signingHashAlgorithms: ['sha256'],
      },
    },
    nsis: {
      script: 'build/installer.nsi',
      oneClick: false,
      perMachine: true,
      allowToChangeInstallationDirectory: true,
      differentialPackage: false,
      multiLanguageInstaller: false,
      unicode: true,
      warningsAsErrors: true,
      artifactName: '${productName} Setup ${version}.${ext}',
      uninstallDisplayName: '${productName}',
    },
    publish: null,
  };
}
