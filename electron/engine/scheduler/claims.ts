import type { Action } from '../actions/index.js';
import { CancelledError } from '../errors.js';

/**
 * The resource model of a parallel apply: an action names the machine-wide things it needs alone
 * (its claims) and waits until no other action in flight holds any of them. Actions without claims
 * (copies with their hash check, folders, files, registry values, services) run beside everything.
 *
 * - `msi`: one Windows Installer transaction per machine. msiexec holds the `_MSIExecute` mutex
 *   while it runs an execute sequence, and a second install started meanwhile fails with 1618
 *   ERROR_INSTALL_ALREADY_RUNNING ("Another installation is already in progress"). Sources:
 *   https://learn.microsoft.com/windows/win32/msi/-msiexecute-mutex,
 *   https://learn.microsoft.com/windows/win32/msi/error-codes (MsiExec.exe and InstMsi.exe error
 *   codes), https://learn.microsoft.com/windows/win32/debug/system-error-codes--1500-3999-.
 *   Bootstrappers that chain MSI packages (the Python installer and the VC++ redistributable are WiX
 *   Burn bundles; SQL Server setup installs its MSIs itself) take the same mutex, so every exec that
 *   installs or removes a Windows Installer product claims it, not only msiexec.exe itself.
 * - `iis-config`: appcmd and the IIS configuration API commit applicationHost.config as one file
 *   (every site, pool, farm and rewrite setting lives in it). UNCONFIRMED whether two writers at once
 *   lose a change (no Microsoft page found that says); they are kept apart, which costs little
 *   because each IIS change takes about a second.
 * - `windows-servicing`: Install-WindowsFeature runs through the servicing stack (TrustedInstaller);
 *   UNCONFIRMED whether two feature installs at once fail, so they are kept apart (one step has them).
 * - `database:<name>`: Django commands and T-SQL against one database run in order (migrate, then
 *   the grants on the tables it made); database names compare case-insensitively, as SQL Server's
 *   default collation and PostgreSQL's folded identifiers do.
 */
export type Claim = string;

export const CLAIM = {
  msi: 'msi',
  iisConfig: 'iis-config',
  windowsServicing: 'windows-servicing',
  database: (name: string) => `database:${name.toLowerCase()}`,
} as const;

export interface ClaimHints {
  /** The QATrack+ database the Django commands use (answers.database.name). */
  database?: string;
}

const baseName = (file: string) => file.split(/[\\/]/).pop()!.toLowerCase();

/** True for an exec that runs a Windows Installer transaction (see `msi` above). */
export function runsWindowsInstaller(action: Action): boolean {
  if (action.kind !== 'exec') return false;
  if (baseName(action.file) === 'msiexec.exe') return true;
  return (action.produces ?? []).some((e) => e.kind === 'product' || e.kind === 'productRemoved');
}

const isManagePy = (arg: unknown) => typeof arg === 'string' && baseName(arg) === 'manage.py';

/** What `action` needs alone while it runs; an empty list runs beside everything. */
export function claimsFor(action: Action, hints: ClaimHints = {}): Claim[] {
  switch (action.kind) {
    case 'exec': {
      const claims: Claim[] = [];
      if (runsWindowsInstaller(action)) claims.push(CLAIM.msi);
      if (hints.database && action.args.some(isManagePy)) claims.push(CLAIM.database(hints.database));
      return claims;
    }
    case 'iis':
      return [CLAIM.iisConfig];
    case 'windowsFeature':
      return [CLAIM.windowsServicing];
    case 'sql': {
      const e = action.effect;
      const db =
        e?.kind === 'database' || e?.kind === 'dropDatabase'
          ? e.name
          : e?.kind === 'user' || e?.kind === 'deny'
            ? e.database
            : action.connection.database;
      return db ? [CLAIM.database(db)] : [];
    }
    default:
      return [];
  }
}

interface Waiter {
  claims: readonly Claim[];
  owner: string;
  grant: () => void;
}

/**
 * Who holds which claim right now. `acquire` takes all of an action's claims at once (never one by
 * one, so two actions cannot each hold what the other waits for), first come first served.
 */
export class ClaimTable {
  readonly #held = new Map<Claim, string>();
  #queue: Waiter[] = [];

  /** The owner (step id) holding `claim`, if any. */
  holder(claim: Claim): string | undefined {
    return this.#held.get(claim);
  }

  /** Resolves with a release function once every claim is free; rejects on cancel. */
  acquire(claims: readonly Claim[], owner: string, signal?: AbortSignal): Promise<() => void> {
    const release = () => {
      for (const c of claims) if (this.#held.get(c) === owner) this.#held.delete(c);
      this.#drain();
    };
    if (claims.length === 0) return Promise.resolve(() => undefined);
    if (signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        claims,
        owner,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      const onAbort = () => {
        this.#queue = this.#queue.filter((w) => w !== waiter);
        reject(new CancelledError());
        this.#drain();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
      this.#drain();
    });
  }

  /** Grants waiters in arrival order; one blocked on a claim does not hold up one that needs others. */
  #drain(): void {
    const blocked = new Set<Claim>();
    for (const w of [...this.#queue]) {
      const free = w.claims.every((c) => !this.#held.has(c) && !blocked.has(c));
      if (!free) {
        // Later waiters must not overtake this one on the claims it waits for.
        for (const c of w.claims) blocked.add(c);
        continue;
      }
      for (const c of w.claims) this.#held.set(c, w.owner);
      this.#queue = this.#queue.filter((x) => x !== w);
      w.grant();
    }
  }
}
