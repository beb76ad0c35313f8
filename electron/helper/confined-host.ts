import type { Answers } from '../engine/answers/index.js';
import { HostActionError, type Host } from '../engine/host.js';
import type { Layout } from '../engine/layout.js';
import { machineDataDir } from '../engine/remembered.js';
import { loadCatalog, resolveRelease } from '../engine/release.js';
import type { SecretStore } from '../engine/secrets.js';
import { createHost, type HostSpec } from '../hosts/index.js';
import { createAllowList, type AllowList } from './allow-list.js';

export interface ConfinedHost {
  /** What the runner gets: every apply is checked against the allow-list first. */
  host: Host;
  /** The real host (the helper's own writes, such as the remembered answers). */
  inner: Host;
  allow: AllowList;
}

/**
 * The helper's host, behind its allow-list. The plan was checked whole before it was offered for
 * review, but a run re-probes each step just before applying it, so every action is checked again
 * at the moment it would run: an action the list refuses never reaches the machine.
 */
export async function openConfinedHost(
  o: {
    hostSpec: HostSpec;
    platform: Layout['platform'];
    catalog?: (release: string) => ReturnType<typeof loadCatalog>;
  },
  layout: Layout,
  run: { answers: Answers; secrets: SecretStore },
  mode: { readOnly: boolean },
): Promise<ConfinedHost> {
  const catalog = (o.catalog ?? loadCatalog)(run.answers.release);
  const allow = createAllowList({
    platform: o.platform,
    layout,
    release: resolveRelease(run.answers, layout, catalog),
    answers: run.answers,
    systemRoot: process.env.SystemRoot,
    extraWriteRoots: o.hostSpec.kind === 'windows' ? [machineDataDir()] : [],
  });
  const inner = await createHost(o.hostSpec, {
    readOnly: mode.readOnly,
    posixRunDir: layout.servicesDir,
    owner: 'the elevated helper',
    secrets: run.secrets,
  });
  const host: Host = {
    kind: inner.kind,
    platform: inner.platform,
    query: (q) => inner.query(q),
    apply(action, ctx) {
      const checked = allow.checkAction(action);
      if (!checked.ok) return Promise.reject(new HostActionError(checked.code, checked.message));
      return inner.apply(checked.action, ctx);
    },
    close: () => inner.close(),
  };
  return { host, inner, allow };
}
