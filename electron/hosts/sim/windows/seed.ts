import { simStateSchema, type SimState } from '../state.js';
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

/** IIS enabled with its Default Web Site holding :80, as on most servers where IIS was turned on. */
export function withDefaultWebSite(s: SimState): SimState {
  const w = simWindows(s);
  w.features = [
    ...new Set([...w.features, 'Web-Server', 'Web-Common-Http', 'Web-Static-Content', 'Web-Default-Doc']),
  ];
  w.iis.appPools.push('DefaultAppPool');
  w.iis.sites.push({
    name: 'Default Web Site',
    appPool: 'DefaultAppPool',
    physicalPath: 'C:\\inetpub\\wwwroot',
    bindings: [{ protocol: 'http', port: 80, host: '' }],
    virtualDirs: [],
    logDir: 'C:\\inetpub\\logs\\LogFiles',
    state: 'started',
  });
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
