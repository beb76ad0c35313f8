/**
 * The packed app, run the way Electron 45 runs it, minus the binary: the unpacked build copied into
 * a temp folder, `resources/app.asar` extracted in place (a folder named app.asar, so every path the
 * app computes is the path it computes when packaged), and `resources/app.asar/dist/main/index.js`
 * loaded by plain Node with the `electron` stand-in (electron-standin.mjs, copied beside it).
 *
 * Nothing may read from the source tree: the process runs in its own mount namespace (util-linux
 * `unshare --user --map-root-user --mount`) where an empty read-only tmpfs is mounted over the
 * repository, so a single read of it (a catalog resolved from import.meta.url, a template, a
 * node_modules package that was not packed) fails with ENOENT instead of passing by accident.
 * (Node 20's permission model would be the lighter tool, but it disables fsync, which
 * write-file-atomic needs.)
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { extractAll } from '@electron/asar';

export interface PackedLayout {
  root: string;
  /** `<root>/QATrack+ Installer`: what the setup installs in Program Files. */
  installDir: string;
  resources: string;
  main: string;
  standin: string;
  userData: string;
  documents: string;
  programData: string;
  /** The remembered answers file the app keeps for the machine. */
  rememberedFile: string;
  tmp: string;
}

/** Copies the unpacked build into a fresh temp folder and extracts app.asar in place. */
export async function packedLayout(winUnpacked: string, asar: string): Promise<PackedLayout> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'qatrack-packed-'));
  const installDir = path.join(root, 'QATrack+ Installer');
  await cp(winUnpacked, installDir, { recursive: true, filter: (src) => src !== asar });
  const resources = path.join(installDir, 'resources');
  extractAll(asar, path.join(resources, 'app.asar'));
  const standin = path.join(root, 'electron-standin');
  await cp(import.meta.dirname, standin, { recursive: true, filter: (src) => !src.endsWith('.ts') });
  const dirs = {
    userData: path.join(root, 'AppData', 'Roaming', 'QATrack+ Installer'),
    documents: path.join(root, 'Documents'),
    programData: path.join(root, 'ProgramData'),
    tmp: path.join(root, 'Temp'),
  };
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true });
  return {
    root,
    installDir,
    resources,
    main: path.join(resources, 'app.asar', 'dist', 'main', 'index.js'),
    standin,
    ...dirs,
    rememberedFile: path.join(dirs.programData, 'QATrack+ Installer', 'last-answers.json'),
  };
}

export const disposeLayout = (l: PackedLayout) => rm(l.root, { recursive: true, force: true });

type Message = { type: string; [k: string]: unknown };

/** The repository this test runs from: invisible to the packed app. */
export const HIDDEN_REPO = path.resolve(import.meta.dirname, '../../..');

/**
 * Why the repository cannot be hidden here ('' when it can): unprivileged user namespaces may be
 * disabled (sysctl kernel.unprivileged_userns_clone=0, some container runtimes).
 */
export function cannotHideRepo(): string {
  const r = spawnSync(
    'unshare',
    ['--user', '--map-root-user', '--mount', 'sh', '-c', `mount -t tmpfs -o ro none "$0"`, HIDDEN_REPO],
    {
      encoding: 'utf8',
    },
  );
  return r.status === 0
    ? ''
    : `unshare --user --mount is not allowed here (${(r.stderr || String(r.error)).trim()})`;
}

/** One run of the packed main: messages from the stand-in, invoke/fetch as the renderer would. */
export class PackedApp {
  readonly messages: Message[] = [];
  readonly output: string[] = [];
  readonly exited: Promise<number | null>;
  readonly startedAt = performance.now();
  #next = 1;
  #waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];

  private constructor(readonly child: ChildProcess) {
    child.on('message', (m: Message) => {
      this.messages.push(m);
      this.#waiters = this.#waiters.filter((w) => (w.match(m) ? (w.resolve(m), false) : true));
    });
    for (const s of [child.stdout, child.stderr])
      s?.on('data', (d: Buffer) => this.output.push(d.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  static start(layout: PackedLayout, args: string[], env: Record<string, string> = {}): PackedApp {
    const node = [
      process.execPath,
      '--import',
      path.join(layout.standin, 'register.mjs'),
      layout.main,
      ...args,
    ];
    // unshare execs sh, which execs node: one PID throughout, so stopping it by PID stops the app.
    const hide = [
      '--user',
      '--map-root-user',
      '--mount',
      'sh',
      '-c',
      'mount -t tmpfs -o ro none "$0" && exec "$@"',
    ];
    const child = spawn('unshare', [...hide, HIDDEN_REPO, ...node], {
      cwd: layout.root,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: layout.root,
        TMPDIR: layout.tmp,
        ProgramData: layout.programData,
        QATRACK_STANDIN_RESOURCES: layout.resources,
        QATRACK_STANDIN_USERDATA: layout.userData,
        QATRACK_STANDIN_DOCUMENTS: layout.documents,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    return new PackedApp(child);
  }

  waitFor(match: (m: Message) => boolean): Promise<Message> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  #request(message: Record<string, unknown>): Promise<unknown> {
    const id = this.#next++;
    const answer = this.waitFor((m) => m.type === 'result' && m.id === id);
    this.child.send({ ...message, id });
    return answer.then((m) => m.value);
  }

  /** ipcRenderer.invoke from the trusted window, through main's ipcMain handler and its router. */
  invoke(method: string, request: unknown): Promise<{ ok: boolean; value?: any; error?: any }> {
    return this.#request({ type: 'invoke', channel: `installer:${method}`, request }) as Promise<any>;
  }

  fetch(url: string): Promise<{ status: number; contentType: string | null; length: number; text: string }> {
    return this.#request({ type: 'fetch', url }) as Promise<any>;
  }

  secondInstance(argv: string[]): Promise<unknown> {
    return this.#request({ type: 'second-instance', argv });
  }

  /** Stops the app by its PID (the test started it). */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }

  text(): string {
    return this.output.join('');
  }
}

/** `"QATrack+ Installer.exe" --unattended ...` from the packed files: exit code and printed lines. */
export async function runPackedUnattended(
  layout: PackedLayout,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const app = PackedApp.start(layout, ['--unattended', ...args], env);
  const status = await app.exited;
  // A Unix exit status keeps 8 bits (1639 would read 103): the stand-in's app.exit reports the code.
  const exit = app.messages.find((m) => m.type === 'exit');
  return { code: typeof exit?.code === 'number' ? exit.code : status, output: app.text() };
}
