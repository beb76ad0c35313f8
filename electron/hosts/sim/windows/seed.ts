import { simStateSchema, type SimState } from '../state.js';
import { addDefaultWebSite } from './iis.js';
import { simWindows } from './state.js';

/**
 * Machines to start tests from. Each returns a fresh sim state; combine them by passing one's
 * result to the next.
 */

/** A clean Windows Server 2022 with nothing installed. */
export const cleanServer = (overrides: Partial<SimState['os']> = {}): SimState => {
  const s = simStateSchema.parse({ os: overrides });
  simWindows(s);
  return s;
};

/**
 * IIS as it is right after the Web-Server role was added: Default Web Site on *:80, started
 * (addDefaultWebSite names the sources).
 */
export function withDefaultWebSite(s: SimState): SimState {
  const w = simWindows(s);
  w.features = [
    ...new Set([...w.features, 'Web-Server', 'Web-Common-Http', 'Web-Static-Content', 'Web-Default-Doc']),
  ];
  addDefaultWebSite(w);
  return s;
}

/** Fresh Windows Server builds (Microsoft's release builds: 17763 = 2019, 20348 = 2022, 26100 = 2025). */
export const FRESH_SERVERS = {
  '2019': { name: 'Microsoft Windows Server 2019 Standard', release: '10.0.17763' },
  '2022': { name: 'Microsoft Windows Server 2022 Standard', release: '10.0.20348' },
  '2025': { name: 'Microsoft Windows Server 2025 Standard', release: '10.0.26100' },
} as const;

/**
 * A German Windows Server: well-known SIDs answer with their German names (LookupAccountSid), so
 * "BUILTIN\\Administrators" does not exist there; S-1-5-32-544 is "VORDEFINIERT\\Administratoren".
 */
export function withGermanNames(s: SimState): SimState {
  simWindows(s).accountNames['S-1-5-32-544'] = 'VORDEFINIERT\\Administratoren';
  return s;
}

/**
 * An existing SQL Server of a given major version; its default compatibility level is major * 10
 * (https://learn.microsoft.com/sql/t-sql/statements/alter-database-transact-sql-compatibility-level,
 * table "Supported dbcompats": 2014 = 120, 2016 = 130, 2017 = 140, 2019 = 150, 2022 = 160).
 */
export function withSqlServer(s: SimState, major: number, compatibilityLevel = major * 10): SimState {
  const w = simWindows(s);
  w.sql.available = true;
  w.sql.major = major;
  w.sql.compatibilityLevel = compatibilityLevel;
  return s;
}

/** An existing SQL Server reachable with the installer's credentials. */
export function withExistingSql(s: SimState): SimState {
  simWindows(s).sql.available = true;
  return s;
}

/** Another program listening on a port. */
export function withPortHolder(s: SimState, port: number, process: string, pid = 4242): SimState {
  s.ports[String(port)] = { process, pid };
  return s;
}

/** A certificate already in LocalMachine\My. */
export function withCertificate(s: SimState, thumbprint: string, dnsNames: string[]): SimState {
  simWindows(s).certificates.push({ thumbprint, dnsNames });
  return s;
}

/** The offline bundle's files, so copies and installers find their sources. */
export function withBundleFiles(s: SimState, artifacts: Record<string, string>): SimState {
  for (const path of Object.values(artifacts)) s.files[path] = { type: 'file', size: 1 };
  return s;
}
