import path from 'node:path';
import type { TargetPlatform } from './host.js';
import type { Answers } from './answers/index.js';

/**
 * The file next to local_settings.py holding the random SECRET_KEY (created on the target). Part of
 * the layout because both the settings step and the posix upgrade backup need its name.
 */
export const SECRET_KEY_FILE = 'secret_key.txt';

/**
 * Where everything goes on the target machine, derived from the answers once so that every step
 * agrees. Windows paths on `windows` and `sim`, POSIX paths on `posix`.
 */
export interface Layout {
  platform: TargetPlatform;
  join(...parts: string[]): string;
  installDir: string;
  dataDir: string;
  /** Python interpreter that creates the venv (installed from the bundle on Windows). */
  pythonDir: string;
  pythonExe: string;
  venvDir: string;
  venvPython: string;
  /** QATrack+ source tree (holds manage.py and the `qatrack` package). */
  sourceDir: string;
  managepy: string;
  localSettings: string;
  /** SECRET_KEY beside local_settings.py (see SECRET_KEY_FILE). */
  secretKeyFile: string;
  staticRoot: string;
  mediaRoot: string;
  logDir: string;
  /** Service wrappers (WinSW exe + xml) or posix pid/spec files. */
  servicesDir: string;
  /** Installer's own state: journal, last answers (without secrets), stamps. */
  stateDir: string;
  /** Bundle executables copied and hashed before they run (Administrators and SYSTEM only). */
  stagingDir: string;
  journalFile: string;
  backupDir: string;
  proxyDir: string;
}

/** "3.12.10" -> "312": the major and minor digits Windows names Python folders with. */
export const pythonLineDigits = (version: string): string => version.split('.').slice(0, 2).join('');

export interface LayoutOptions {
  /**
   * The catalog's Python (release.python.version): each release line gets its own interpreter folder
   * (python39-x64 for 3.1.x, python312-x64 for 4.0.x), so an upgrade can install the new one beside
   * the running one. Default 3.9.
   */
  pythonVersion?: string;
  /**
   * The folder holding the running release's `qatrackplus` and `venv`. A fresh install puts them
   * straight in the install folder (the default, unchanged since the first release); an upgrade
   * stages the next release beside it in `<installDir>/releases/<release>` and records that folder
   * in installed-release.json (engine/upgrade/installed-release.ts).
   */
  releaseRoot?: string;
}

export function computeLayout(answers: Answers, platform: TargetPlatform, o: LayoutOptions = {}): Layout {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const { installDir, dataDir } = answers.paths;
  const codeRoot = o.releaseRoot ?? installDir;
  const pythonDir = p.join(
    installDir,
    platform === 'win32'
      ? `python${pythonLineDigits(o.pythonVersion ?? '3.9')}-${answers.python.arch}`
      : 'python',
  );
  const pythonExe =
    answers.python.executable ??
    (platform === 'win32' ? p.join(pythonDir, 'python.exe') : '/usr/bin/python3');
  const venvDir = p.join(codeRoot, 'venv');
  const sourceDir = p.join(codeRoot, 'qatrackplus');
  const stateDir = p.join(dataDir, 'installer');
  return {
    platform,
    join: (...parts) => p.join(...parts),
    installDir,
    dataDir,
    pythonDir,
    pythonExe,
    venvDir,
    venvPython:
      platform === 'win32' ? p.join(venvDir, 'Scripts', 'python.exe') : p.join(venvDir, 'bin', 'python'),
    sourceDir,
    managepy: p.join(sourceDir, 'manage.py'),
    localSettings: p.join(sourceDir, 'qatrack', 'local_settings.py'),
    secretKeyFile: p.join(sourceDir, 'qatrack', SECRET_KEY_FILE),
    staticRoot: p.join(dataDir, 'static'),
    mediaRoot: p.join(dataDir, 'media'),
    logDir: p.join(dataDir, 'logs'),
    servicesDir: p.join(installDir, 'services'),
    stateDir,
    stagingDir: p.join(stateDir, 'staging'),
    journalFile: p.join(stateDir, 'journal.jsonl'),
    backupDir: answers.backup.folder ?? p.join(dataDir, 'backups'),
    proxyDir: p.join(dataDir, 'proxy'),
  };
}
