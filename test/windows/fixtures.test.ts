import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parseIisSnapshot } from '../../electron/hosts/windows/parse.js';
import { IIS_DEFAULT_MIME } from '../../electron/hosts/sim/windows/iis.js';
import { iisSnapshotSchema } from '../../electron/windows/topics.js';

/** The host's parsers against captured real outputs (provenance: test/fixtures/windows/README.md). */

const fixture = (name: string) => readFileSync(`test/fixtures/windows/${name}`, 'utf8');

describe('applicationHost.config from real servers and Microsoft docs', () => {
  it("Microsoft's sample: Default Web Site on *:80: and a host-header site beside it", () => {
    const s = parseIisSnapshot(fixture('applicationHost-mslearn-sites.config'), {
      siteStates: [
        { name: 'Default Web Site', state: 'Started' },
        { name: 'Microsoft.com', state: 'Started' },
      ],
    });
    expect(iisSnapshotSchema.safeParse(s).success).toBe(true);
    expect(s.sites.map((x) => [x.name, x.state, x.autoStart, x.bindings])).toEqual([
      ['Default Web Site', 'started', true, [{ protocol: 'http', port: 80, host: '' }]],
      ['Microsoft.com', 'started', true, [{ protocol: 'http', port: 80, host: 'microsoft.com' }]],
    ]);
    expect(s.sites[0]!.physicalPath).toBe('%SystemDrive%\\inetpub\\wwwroot');
  });

  it('a Windows Server 2019 capture with an FTP site: still a valid snapshot (FTP bindings left out)', () => {
    const s = parseIisSnapshot(fixture('applicationHost-ws2019-capture.config'), {
      siteStates: [{ name: 'hacksmartersec', state: 'Started' }],
    });
    // Before: the "ftp" protocol reached the http|https schema and the whole IIS query failed.
    expect(iisSnapshotSchema.safeParse(s).success).toBe(true);
    expect(s.appPools).toEqual(['DefaultAppPool', 'hacksmartersec']);
    expect(s.sites.map((x) => [x.name, x.state, x.bindings.length])).toEqual([
      ['hacksmartersec', 'started', 1],
      ['data-leaks', 'stopped', 0],
    ]);
  });

  it('the sim default MIME map matches the real one entry for entry; no .dcm or .log there (nor in the full capture, README)', () => {
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(
      fixture('applicationHost-ws2019-capture.config'),
    ) as {
      configuration: {
        'system.webServer': { staticContent: { mimeMap: { fileExtension: string; mimeType: string }[] } };
      };
    };
    const real = Object.fromEntries(
      doc.configuration['system.webServer'].staticContent.mimeMap.map((m) => [m.fileExtension, m.mimeType]),
    );
    for (const [ext, type] of Object.entries(IIS_DEFAULT_MIME)) expect([ext, real[ext]]).toEqual([ext, type]);
    expect(real['.dcm']).toBeUndefined();
    expect(real['.log']).toBeUndefined();
  });
});
