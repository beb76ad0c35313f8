import path from 'node:path';
import { actionSchema, type Action } from '../engine/actions/index.js';
import type { Answers } from '../engine/answers/index.js';
import type { Layout } from '../engine/layout.js';
import type { ReleaseContext } from '../engine/step.js';
import type { TargetPlatform } from '../engine/host.js';
import {
  RELEASE_ARP_KEY,
  sqlExpressSetupDir,
  sqlInstanceKey,
  sqlInstanceName,
  sqlMajor,
} from '../windows/names.js';

/**
 * What the elevated helper agrees to do. The app is unelevated and may be compromised (a renderer
 * bug, a tampered profile), so the helper plans by itself and still checks every action it is about
 * to apply: the kind must be on this list, an exec may only start a known system tool or a program
 * of this installation, writes stay in the layout's folders and registry changes in the keys the
 * catalog names.
 */
export const ALLOWED_ACTION_KINDS: ReadonlySet<string> = new Set([
  'exec',
  'mkdir',
  'writeFile',
  'remove',
  'copy',
  'extract',
  'service',
  'waitHttp',
  'sql',
  'acl',
  'firewall',
  'registry',
  'scheduledTask',
  'iis',
  'winService',
  'windowsFeature',
  'certificate',
]);

export const ALLOWED_QUERY_KINDS: ReadonlySet<string> = new Set([
  'file',
  'listDir',
  'exec',
  'service',
  'port',
  'http',
  'product',
  'fact',
  'os',
  'windows',
]);

/** Windows tools by file name, always taken from the system folder (never from PATH). */
const windowsSystemTools = (systemRoot: string) => [
  path.win32.join(systemRoot, 'System32', 'msiexec.exe'),
  path.win32.join(systemRoot, 'System32', 'inetsrv', 'appcmd.exe'),
  path.win32.join(systemRoot, 'System32', 'sc.exe'),
  path.win32.join(systemRoot, 'System32', 'icacls.exe'),
  path.win32.join(systemRoot, 'System32', 'netsh.exe'),
  path.win32.join(systemRoot, 'System32', 'schtasks.exe'),
  path.win32.join(systemRoot, 'System32', 'reg.exe'),
  path.win32.join(systemRoot, 'System32', 'dism.exe'),
  path.win32.join(systemRoot, 'System32', 'taskkill.exe'),
];

/** Linux tools the posix profile drives (test and preview target only). */
const posixSystemTools = [
  '/usr/bin/python3',
  '/usr/sbin/nginx',
  '/usr/bin/psql',
  '/usr/bin/createdb',
  '/usr/bin/pg_ctlcluster',
  '/usr/bin/systemctl',
  '/usr/bin/uv',
];

export interface AllowListInput {
  platform: TargetPlatform;
  layout: Layout;
  release: ReleaseContext;
  /** Names the SQL Server instance whose registry keys the catalog's SQL Express version implies. */
  answers?: Answers;
  systemRoot?: string;
  /** Further folders the helper itself writes (the machine's remembered answers). */
  extraWriteRoots?: string[];
}

type Refusal = { ok: false; code: string; message: string };

/** Where an action writes on disk (reads such as copy's `from` are not confined). */
function writtenPaths(a: Action): string[] {
  switch (a.kind) {
    case 'mkdir':
    case 'writeFile':
    case 'remove':
    case 'acl':
      return [a.path];
    case 'copy':
      return [a.to];
    case 'extract':
      return [a.dest];
    default:
      return [];
  }
}

export interface AllowList {
  /** The parsed action when allowed, else why not (plain words, no secret). */
  checkAction(raw: unknown): { ok: true; action: Action } | { ok: false; code: string; message: string };
  checkExecutable(file: string): boolean;
  checkQueryKind(kind: unknown): boolean;
  /** A path the helper may write (inside the layout's folders). */
  checkWrite(file: string): boolean;
}

export function createAllowList(input: AllowListInput): AllowList {
  const p = input.platform === 'win32' ? path.win32 : path.posix;
  const norm = (f: string) => {
    const n = p.normalize(f);
    return input.platform === 'win32' ? n.toLowerCase() : n;
  };
  const { layout, release } = input;
  const exact = new Set(
    [
      ...(input.platform === 'win32'
        ? windowsSystemTools(input.systemRoot ?? 'C:\\Windows')
        : posixSystemTools),
      layout.pythonExe,
      layout.venvPython,
      ...Object.values(release.artifacts),
      ...(release.uvExe ? [release.uvExe] : []),
      // SQL Server Express setup, unpacked from the bundle's pinned media by the SQL Express step.
      ...(input.platform === 'win32' ? [path.win32.join(sqlExpressSetupDir(layout), 'setup.exe')] : []),
    ].map(norm),
  );
  // Programs of this installation: the venv's scripts and the service wrappers it created.
  const folders = [
    p.join(layout.venvDir, input.platform === 'win32' ? 'Scripts' : 'bin'),
    layout.servicesDir,
  ].map(norm);
  const posixPgBin = /^\/usr\/lib\/postgresql\/\d+\/bin\/[a-z_]+$/;

  // Writes stay inside the layout's folders (install, data, backups) and the folders the helper
  // itself owns. A layout rooted in a drive root or the Windows folder confines nothing: refused.
  const systemRoot = norm(input.systemRoot ?? 'C:\\Windows');
  const writeRoots = [layout.installDir, layout.dataDir, layout.backupDir, ...(input.extraWriteRoots ?? [])]
    .filter((r) => p.isAbsolute(r))
    .map(norm);
  const unsafeRoot = (r: string) =>
    p.dirname(r) === r ||
    (input.platform === 'win32' && (r === systemRoot || r.startsWith(systemRoot + '\\')));
  const within = (f: string, root: string) =>
    f === root || f.startsWith(root.endsWith(p.sep) ? root : root + p.sep);
  const checkWrite = (file: string): boolean => {
    if (!p.isAbsolute(file) || file.includes('\0')) return false;
    const n = norm(file);
    if (n !== norm(p.resolve(file))) return false;
    return writeRoots.some((root) => !unsafeRoot(root) && within(n, root));
  };

  // Registry: the installed-release Uninstall key, and the SQL Server Express instance keys the
  // catalog's version and the answers name.
  const registryRoots: string[] = [RELEASE_ARP_KEY.toLowerCase()];
  if (input.answers?.database.mode === 'express' && release.versions.sqlexpress) {
    try {
      const key = sqlInstanceKey(
        sqlMajor(release.versions.sqlexpress),
        sqlInstanceName(input.answers) ?? 'SQLEXPRESS',
      );
      registryRoots.push(key.toLowerCase());
    } catch {
      // A catalog without a readable SQL Server version names no key: nothing is allowed.
    }
  }
  const checkRegistry = (key: string) => {
    const k = key.replace(/\\+$/, '').toLowerCase();
    if (k.split('\\').includes('..')) return false;
    return registryRoots.some((r) => k === r || k.startsWith(r + '\\'));
  };

  const confine = (action: Action): Refusal | undefined => {
    for (const f of writtenPaths(action))
      if (!checkWrite(f))
        return {
          ok: false,
          code: 'HELPER_PATH_REFUSED',
          message: `The elevated helper does not write ${f}: only the installation's folders (${writeRoots.join(', ')}) are allowed.`,
        };
    if (action.kind === 'registry' && !checkRegistry(action.key))
      return {
        ok: false,
        code: 'HELPER_REGISTRY_REFUSED',
        message: `The elevated helper does not change the registry key ${action.key}: only ${RELEASE_ARP_KEY} and the SQL Server instance keys the release catalog names are allowed.`,
      };
    return undefined;
  };

  const checkExecutable = (file: string): boolean => {
    if (!p.isAbsolute(file) || file.includes('\0')) return false;
    const n = norm(file);
    if (n !== norm(p.resolve(file))) return false;
    if (exact.has(n)) return true;
    if (input.platform !== 'win32' && posixPgBin.test(n)) return true;
    return folders.some((dir) => p.dirname(n) === dir);
  };

  return {
    checkExecutable,
    checkWrite,
    checkQueryKind: (kind) => typeof kind === 'string' && ALLOWED_QUERY_KINDS.has(kind),
    checkAction(raw) {
      const kind = (raw as { kind?: unknown } | null)?.kind;
      if (typeof kind !== 'string' || !ALLOWED_ACTION_KINDS.has(kind)) {
        return {
          ok: false,
          code: 'HELPER_ACTION_KIND_REFUSED',
          message: `The elevated helper does not run actions of kind ${JSON.stringify(String(kind)).slice(0, 40)}.`,
        };
      }
      const parsed = actionSchema.safeParse(raw);
      if (!parsed.success) {
        return {
          ok: false,
          code: 'HELPER_ACTION_INVALID',
          message: `The ${kind} action is malformed: ${parsed.error.issues
            .map((i) => i.path.join('.') || '(action)')
            .join(', ')}.`,
        };
      }
      const action = parsed.data;
      if (action.kind === 'exec' && !checkExecutable(action.file)) {
        return {
          ok: false,
          code: 'HELPER_EXECUTABLE_REFUSED',
          message: `The elevated helper does not start ${action.file}: only system tools and programs of this installation are allowed.`,
        };
      }
      if (action.kind === 'service' && action.spec && !checkExecutable(action.spec.file)) {
        return {
          ok: false,
          code: 'HELPER_EXECUTABLE_REFUSED',
          message: `The elevated helper does not register a service running ${action.spec.file}.`,
        };
      }
      return confine(action) ?? { ok: true, action };
    },
  };
}
