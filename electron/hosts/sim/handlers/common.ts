import type { ExecResult, HttpResult, PortResult } from '../../../engine/queries.js';
import { renderTemplatedText, resolveValue } from '../../../engine/secret-text.js';
import { serviceSpecHash } from '../../../engine/actions/spec-hash.js';
import { serviceSpecSchema } from '../../../engine/actions/index.js';
import { HostActionError } from '../../../engine/host.js';
import { applyEffects, sha256, writeSimFile } from '../effects.js';
import { children, descendants, ensureDir, getFile, parentPath, putFile, removePath } from '../paths.js';
import type { SimState } from '../state.js';
import type { SimActionHandlers, SimQueryHandlers } from './types.js';

/**
 * Handlers for the common actions and queries (files, exec effects, services, facts). Owned by the engine.
 *
 * The sim runs no programs: an exec "succeeds" (exit 0, unless a fault says otherwise) and its
 * `produces` effects are applied. A probe exec is answered from `facts[query.simFact]`, whose value
 * is `{exitCode, stdout, stderr}` (set it with an exec's `{kind:'fact'}` effect or in the state file);
 * without one the program is "not found" (exit 127).
 */

/** Files of a QATrack+ release archive that later steps look for (manage.py, the WSGI app, the penguin). */
const SIM_RELEASE_ENTRIES = [
  'manage.py',
  'qatrack/__init__.py',
  'qatrack/wsgi.py',
  'qatrack/static/qa/img/tux.png',
];

const findService = (state: SimState, name: string) => {
  if (state.services[name]) return name;
  const lower = name.toLowerCase();
  return Object.keys(state.services).find((k) => k.toLowerCase() === lower);
};

const portOf = (url: string): number => {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
};

const runningServiceOn = (state: SimState, port: number) =>
  Object.entries(state.services).find(([, s]) => s.state === 'running' && s.spec.port === port)?.[0];

export function simHttp(state: SimState, url: string): HttpResult {
  const service = runningServiceOn(state, portOf(url));
  return service
    ? { ok: true, status: 200, headers: { server: `sim (${service})` }, body: '' }
    : { ok: false, error: `connect ECONNREFUSED (nothing listens on port ${portOf(url)})` };
}

function needService(state: SimState, name: string) {
  const key = findService(state, name);
  if (!key) throw new HostActionError('SERVICE_MISSING', `The service ${name} does not exist.`);
  return state.services[key]!;
}

export const commonActionHandlers: SimActionHandlers = {
  mkdir: (state, a) => ensureDir(state, a.path),

  writeFile: (state, a, ctx) => {
    // The state file never holds a secret: store the masked text, hash the real one.
    const real = renderTemplatedText(a.content, ctx.secrets);
    writeSimFile(state, a.path, renderTemplatedText(a.content, ctx.secrets, true), sha256(real));
  },

  remove: (state, a) => {
    const f = getFile(state, a.path);
    if (!f) return;
    if (f.type === 'dir' && !a.recursive && descendants(state, a.path).length)
      throw new HostActionError('DIR_NOT_EMPTY', `${a.path} is a folder that is not empty.`);
    removePath(state, a.path);
  },

  copy: (state, a, ctx) => {
    const from = getFile(state, a.from);
    if (!from) {
      // Bundle files are not part of a sim state: record the copy as an empty file (with the
      // hash it was checked against, so the staging probe sees the verified copy).
      ctx.onOutput(`sim: ${a.from} is not in the simulated machine; recording ${a.to} as copied`);
      writeSimFile(state, a.to, '', a.sha256);
      return;
    }
    if (a.sha256 && from.type === 'file' && (from.sha256 ?? sha256(from.content ?? '')) !== a.sha256)
      // Same outcome as the real hosts' copyVerified: nothing lands, the file is named.
      throw new HostActionError(
        'ARTIFACT_CHANGED',
        `${a.from} is not the file that was checked (sim): nothing from it was run.`,
      );
    if (from.type === 'file') {
      const parent = parentPath(a.to);
      if (parent) ensureDir(state, parent);
      putFile(state, a.to, { ...from });
      return;
    }
    ensureDir(state, a.to);
    const base = a.from.replace(/[\\/]+$/, '').length;
    for (const key of descendants(state, a.from)) {
      const target = a.to.replace(/[\\/]+$/, '') + key.slice(base);
      putFile(state, target, { ...state.files[key]! });
    }
  },

  extract: (state, a) => {
    ensureDir(state, a.dest);
    // Archives are not part of a sim state: place the entries a seed declared for this archive
    // (facts["archive:<path>"], paths after stripComponents), or what every QATrack+ release holds.
    const listed = state.facts[`archive:${a.archive.toLowerCase()}`];
    const entries = Array.isArray(listed) ? (listed as string[]) : SIM_RELEASE_ENTRIES;
    for (const entry of entries) {
      const target = `${a.dest.replace(/[\\/]+$/, '')}\\${entry.replace(/\//g, '\\')}`;
      if (!getFile(state, target)) writeSimFile(state, target, '');
    }
    state.facts[`extracted:${a.dest.toLowerCase()}`] = {
      archive: a.archive,
      stripComponents: a.stripComponents,
    };
  },

  exec: (state, a, ctx) => {
    // Resolve arguments like a real host would (a missing secret is an error), but keep nothing.
    for (const arg of a.args) resolveValue(arg, ctx.secrets);
    if (a.stdin) renderTemplatedText(a.stdin, ctx.secrets);
    const reboot = applyEffects(state, a.produces ?? []);
    return reboot ? { rebootRequired: true } : {};
  },

  service: (state, a) => {
    switch (a.op) {
      case 'ensure': {
        if (!a.spec)
          throw new HostActionError('SERVICE_SPEC_MISSING', `Service ${a.name}: "ensure" needs a spec.`);
        const spec = serviceSpecSchema.parse(a.spec);
        const key = findService(state, a.name) ?? a.name;
        const prev = state.services[key];
        state.services[key] = { state: prev?.state ?? 'stopped', spec, specHash: serviceSpecHash(spec) };
        return;
      }
      case 'start':
        needService(state, a.name).state = 'running';
        return;
      case 'stop':
        needService(state, a.name).state = 'stopped';
        return;
      case 'restart':
        needService(state, a.name).state = 'running';
        return;
      case 'remove': {
        const key = findService(state, a.name);
        if (key) delete state.services[key];
        return;
      }
    }
  },

  waitHttp: async (state, a) => {
    // Ask whichever http handler is registered (the Windows one evaluates IIS bindings and rules).
    // Imported lazily: index.ts imports this module.
    const { simQueryHandlers } = await import('./index.js');
    const http = simQueryHandlers.http ?? ((s: SimState, q: { url: string }) => simHttp(s, q.url));
    const r = await http(state, { kind: 'http', url: a.url, hostHeader: a.hostHeader });
    if (!r.ok || !a.expectStatus.includes(r.status))
      throw new HostActionError(
        'HTTP_TIMEOUT',
        `${a.url} did not answer ${a.expectStatus.join('/')}: ${r.ok ? `HTTP ${r.status}` : r.error}.`,
        { hint: 'Start the service that should listen on that port, then run repair.' },
      );
  },
};

export const commonQueryHandlers: SimQueryHandlers = {
  file: (state, q) => {
    const f = getFile(state, q.path);
    if (!f) return { exists: false };
    return {
      exists: true,
      type: f.type,
      size: f.size,
      writable: true,
      ...(q.content && f.type === 'file' ? { content: f.content ?? '' } : {}),
      ...(q.sha256 && f.type === 'file' ? { sha256: f.sha256 ?? sha256(f.content ?? '') } : {}),
    };
  },

  listDir: (state, q) => {
    const f = getFile(state, q.path);
    if (!f || f.type !== 'dir') return { exists: false };
    return {
      exists: true,
      entries: children(state, q.path).map((c) => ({ name: c.name, type: state.files[c.key]!.type })),
    };
  },

  exec: (state, q): ExecResult => {
    const fact = q.simFact === undefined ? undefined : state.facts[q.simFact];
    const program = q.simFact === undefined ? undefined : state.factPrograms[q.simFact];
    // CreateProcess fails with ERROR_FILE_NOT_FOUND when the program file is gone (e.g. a removed venv):
    // https://learn.microsoft.com/windows/win32/api/processthreadsapi/nf-processthreadsapi-createprocessw
    // A fact answers for the program it was made with: another program path that is not on the
    // machine (the next release's venv beside the running one) is not found either.
    const other = program && program.toLowerCase() !== q.file.toLowerCase() && !getFile(state, q.file);
    if ((program && !getFile(state, program)) || other)
      return { exitCode: 127, stdout: '', stderr: `${q.file}: not found (sim)`, notFound: true };
    if (fact && typeof fact === 'object') {
      const f = fact as Partial<ExecResult>;
      return { exitCode: f.exitCode ?? 0, stdout: f.stdout ?? '', stderr: f.stderr ?? '' };
    }
    return { exitCode: 127, stdout: '', stderr: `${q.file}: not found (sim)`, notFound: true };
  },

  service: (state, q) => {
    const key = findService(state, q.name);
    if (!key) return { exists: false };
    const s = state.services[key]!;
    return { exists: true, state: s.state, specHash: s.specHash };
  },

  port: (state, q): PortResult => {
    const pre = state.ports[String(q.port)];
    if (pre) return { inUse: true, owner: pre };
    const service = runningServiceOn(state, q.port);
    return service ? { inUse: true, owner: { service } } : { inUse: false };
  },

  http: (state, q) => simHttp(state, q.url),

  product: (state, q) => {
    const p = state.products[q.id];
    return p ? { installed: true, ...p } : { installed: false };
  },

  fact: (state, q) => (q.key in state.facts ? { known: true, value: state.facts[q.key] } : { known: false }),

  os: (state) => ({ platform: 'win32', ...state.os }),
};
