import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { PlanResult } from '../../electron/engine/report.js';
import { writeSimFile } from '../../electron/hosts/sim/effects.js';
import { cleanServer, withExistingSql } from '../../electron/hosts/sim/windows/seed.js';
import { simWindows } from '../../electron/hosts/sim/windows/state.js';
import { parseIisSnapshot } from '../../electron/hosts/windows/parse.js';
import { siteWebConfig } from '../../electron/steps/windows/webConfig.js';
import { CANARY, exampleAnswers, newStateFile, readState, sim } from '../support/windows-sim.js';

/**
 * Windows integrated sign-in on the Windows plan: the Windows Authentication role service, Windows
 * authentication on for the site and anonymous kept for /static (applicationHost.config locations,
 * set with appcmd /commit:apphost), the IIS-authenticated name forwarded in a rewrite server variable.
 */

const CA = 'E:\\certs\\hospital-root-ca.pem';
const wia = () =>
  exampleAnswers((a) => {
    a.signIn = {
      kind: 'windowsIntegrated',
      ldapUrl: 'ldaps://dc1.hospital.local:636',
      searchDn: 'DC=hospital,DC=local',
      nt4Domain: 'HOSPITAL',
      caFile: CA,
      bindUser: 'svc-qatrack',
      bindPassword: CANARY,
    };
  });
const seed = () => {
  const s = withExistingSql(cleanServer());
  writeSimFile(s, CA, '-----BEGIN CERTIFICATE-----\nMIIB (test)\n-----END CERTIFICATE-----\n');
  return s;
};
const pending = (p: PlanResult) =>
  p.steps.filter((s) => s.actions.length).map((s) => [s.id, s.actions.map((x) => x.describe)]);

describe('Windows integrated sign-in on the sim', () => {
  it('installs Windows authentication for the site, anonymous for /static; a second plan changes nothing; no secret written', async () => {
    const a = wia();
    const file = newStateFile(seed());
    const report = await sim('install', file, a);
    expect(report.error ?? null).toBeNull();
    const w = simWindows(readState(file));
    expect(w.features).toContain('Web-Windows-Auth');
    expect(w.iis.allowedServerVariables).toContain('HTTP_X_QATRACK_REMOTE_USER');
    expect(w.iis.sites.find((s) => s.name === 'QATrack+')?.authentication).toEqual([
      { path: '', windows: true, anonymous: false },
      { path: '/static', windows: false, anonymous: true },
    ]);
    expect(pending(await sim('plan', file, a))).toEqual([]);
    const dir = path.dirname(file);
    for (const f of [file, ...readdirSync(path.join(dir, 'logs')).map((x) => path.join(dir, 'logs', x))])
      expect(readFileSync(f, 'utf8')).not.toContain('Canary');
  });

  it('back to local accounts: the site gets anonymous back and Windows authentication off', async () => {
    const file = newStateFile(seed());
    expect((await sim('install', file, wia())).error ?? null).toBeNull();
    const local = exampleAnswers();
    const plan = await sim('plan', file, local);
    const site = plan.steps.find((s) => s.id === 'win-iis-site')!;
    expect(site.actions.map((x) => x.describe)).toContain(
      'Site "QATrack+": Windows authentication off, anonymous on',
    );
  });

  it('web.config sets the forwarded user from {LOGON_USER} only for Windows integrated sign-in', () => {
    const parse = (xml: string) => new XMLParser({ ignoreAttributes: false }).parse(xml);
    const vars = (xml: string) =>
      JSON.stringify(parse(xml).configuration['system.webServer'].rewrite.rules.rule);
    expect(vars(siteWebConfig(wia().answers))).toContain('"@_value":"{LOGON_USER}"');
    expect(vars(siteWebConfig(exampleAnswers().answers))).not.toContain('LOGON_USER');
  });

  it('reads site authentication back from applicationHost.config <location> sections', () => {
    // The shape appcmd /commit:apphost writes (Microsoft Learn, windowsAuthentication configuration
    // reference: <location path="Contoso"><system.webServer><security><authentication>...).
    const xml = `<?xml version="1.0"?>
<configuration>
  <system.applicationHost>
    <applicationPools><add name="QATrackPlus" /></applicationPools>
    <sites>
      <site name="QATrack+" id="2"><application path="/" applicationPool="QATrackPlus"><virtualDirectory path="/" physicalPath="D:\\QATrackData\\iisroot" /></application>
        <bindings><binding protocol="http" bindingInformation="*:80:" /></bindings></site>
    </sites>
  </system.applicationHost>
  <system.webServer />
  <location path="QATrack+">
    <system.webServer><security><authentication>
      <anonymousAuthentication enabled="false" />
      <windowsAuthentication enabled="true" />
    </authentication></security></system.webServer>
  </location>
  <location path="QATrack+/static">
    <system.webServer><security><authentication>
      <anonymousAuthentication enabled="true" />
      <windowsAuthentication enabled="false" />
    </authentication></security></system.webServer>
  </location>
  <location path="Other Site">
    <system.webServer><security><authentication><windowsAuthentication enabled="true" /></authentication></security></system.webServer>
  </location>
</configuration>`;
    expect(parseIisSnapshot(xml).sites[0]!.authentication).toEqual([
      { path: '', windows: true, anonymous: false },
      { path: '/static', windows: false, anonymous: true },
    ]);
  });
});
