/**
 * A requirement pinned to a git URL (`git+https://...@ref#egg=name`, built into a wheel), or to a
 * prebuilt wheel's URL (`name @ https://.../x-cp312-win_amd64.whl`, PEP 508 direct reference, taken
 * as it is: QATrack+ 4.0's python-ldap from cgohlke/python-ldap-build). Both need GitHub.
 */
export interface GitRequirement {
  name: string;
  url: string;
  ref?: string;
  line: string;
  /** A direct wheel URL: downloaded (or copied from a local file), never built. */
  wheel?: boolean;
}

export interface SplitRequirements {
  /** Lines pip can resolve from a package index. */
  index: string[];
  git: GitRequirement[];
}

/** PEP 503 normalised project name (what pip compares). */
export const normalizeName = (name: string): string => name.toLowerCase().replace(/[-_.]+/g, '-');

/** Separate index requirements from git pins (`-e` is meaningless for wheels and is dropped). */
export function splitRequirements(lines: string[]): SplitRequirements {
  const index: string[] = [];
  const git: GitRequirement[] = [];
  for (const raw of lines) {
    const line = raw.replace(/^-e\s+/, '').trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^git\+(?<url>[^@#\s]+?)(?:@(?<ref>[^#\s]+))?#egg=(?<name>[A-Za-z0-9._-]+)/.exec(line);
    const direct = /^(?<name>[A-Za-z0-9._-]+)\s*@\s*(?<url>https:\/\/\S+\.whl)$/.exec(line);
    if (direct?.groups) {
      git.push({ name: direct.groups.name!, url: direct.groups.url!, line, wheel: true });
    } else if (m?.groups) {
      git.push({ name: m.groups.name!, url: m.groups.url!, ref: m.groups.ref, line });
    } else if (line.startsWith('git+')) {
      throw new Error(`git requirement without #egg=<name>: ${line}`);
    } else {
      index.push(line);
    }
  }
  return { index, git };
}
