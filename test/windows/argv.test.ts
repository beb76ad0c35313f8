import { describe, expect, it } from 'vitest';
import { actionSchema, type Action, type ActionOf } from '../../electron/engine/actions/index.js';
import {
  aclCommands,
  commandsFor,
  firewallCommands,
  iisCommands,
  powershell,
  winServiceCommands,
} from '../../electron/hosts/windows/argv.js';
import { parseIisSnapshot, sqlStateFromRows } from '../../electron/hosts/windows/parse.js';
import { PS } from '../../electron/hosts/windows/scripts.js';

const act = <K extends Action['kind']>(a: unknown) => actionSchema.parse(a) as ActionOf<K>;

describe('actions as argv for Windows tools', () => {
  it('icacls: resets, removes inheritance and grants exactly the listed principals', () => {
    const cmds = aclCommands(
      act<'acl'>({
        kind: 'acl',
        describe: 'x',
        path: 'C:\\QATrack',
        grants: [
          { principal: '*S-1-5-32-544', rights: 'F' },
          { principal: 'NT SERVICE\\QATrackWorker1', rights: 'RX' },
        ],
      }),
      false,
    );
    expect(cmds.map((c) => c.args)).toEqual([
      ['C:\\QATrack', '/reset', '/C', '/Q'],
      [
        'C:\\QATrack',
        '/inheritance:r',
        '/grant:r',
        '*S-1-5-32-544:(OI)(CI)F',
        'NT SERVICE\\QATrackWorker1:(OI)(CI)RX',
        '/C',
        '/Q',
      ],
    ]);
    const file = aclCommands(
      act<'acl'>({
        kind: 'acl',
        describe: 'x',
        path: 'C:\\a\\local_settings.py',
        grants: [{ principal: '*S-1-5-18', rights: 'R' }],
      }),
      true,
    );
    expect(file[1]!.args).toContain('*S-1-5-18:R');
  });

  it('netsh: deletes the rule by name (absent is fine) before adding it, site ports only', () => {
    const cmds = firewallCommands(
      act<'firewall'>({
        kind: 'firewall',
        describe: 'x',
        op: 'ensure',
        name: 'QATrackPlus-Web',
        ports: [80, 443],
      }),
    );
    expect(cmds[0]!.okExitCodes).toEqual([0, 1]);
    expect(cmds[1]!.args).toEqual([
      'advfirewall',
      'firewall',
      'add',
      'rule',
      'name=QATrackPlus-Web',
      'dir=in',
      'action=allow',
      'protocol=TCP',
      'localport=80,443',
      'profile=any',
    ]);
  });

  it('sc.exe sets a virtual account with `obj=` as its own token; a user password goes to stdin only', () => {
    const virt = winServiceCommands(
      act<'winService'>({
        kind: 'winService',
        describe: 'x',
        op: 'setAccount',
        name: 'QATrackWorker1',
        account: 'NT SERVICE\\QATrackWorker1',
      }),
    );
    expect(virt[0]!.args).toEqual(['config', 'QATrackWorker1', 'obj=', 'NT SERVICE\\QATrackWorker1']);
    const user = winServiceCommands(
      act<'winService'>({
        kind: 'winService',
        describe: 'x',
        op: 'setAccount',
        name: 'QATrackWorker1',
        account: 'HOSP\\svc',
        password: { $secret: 'serviceAccount.password' },
      }),
    );
    expect(user[0]!.args.join(' ')).not.toContain('serviceAccount.password');
    expect(user[0]!.stdinJson).toEqual({
      name: 'QATrackWorker1',
      account: 'HOSP\\svc',
      password: { $secret: 'serviceAccount.password' },
    });
  });

  it('PowerShell scripts are fixed text passed encoded; data never reaches the script text', () => {
    const c = powershell('serviceControl', { name: "x'; Remove-Item C:\\ -Recurse #", op: 'start' });
    const encoded = c.args[c.args.indexOf('-EncodedCommand') + 1]!;
    expect(Buffer.from(encoded, 'base64').toString('utf16le')).toBe(PS.serviceControl);
    expect(c.args.join(' ')).not.toContain('Remove-Item');
  });

  it('appcmd: web farm servers keyed by their loopback address, each with its worker port, and a health check', () => {
    const cmds = iisCommands(
      act<'iis'>({
        kind: 'iis',
        describe: 'x',
        op: 'webFarm',
        name: 'qatrack-farm',
        servers: [
          { address: '127.0.0.1', httpPort: 8001 },
          { address: '127.0.0.2', httpPort: 8002 },
        ],
        healthCheck: {
          url: 'http://qatrack/accounts/login/',
          interval: '00:00:10',
          timeout: '00:00:05',
          statusCodeMatch: '200',
        },
      }),
    );
    const args = cmds.map((c) => c.args.join(' '));
    expect(args).toContain(
      "set config -section:webFarms /+[name='qatrack-farm'].[address='127.0.0.2'] /commit:apphost",
    );
    expect(args).toContain(
      "set config -section:webFarms /[name='qatrack-farm'].[address='127.0.0.2'].applicationRequestRouting.httpPort:8002 /commit:apphost",
    );
    expect(args.at(-1)).toContain(
      "/[name='qatrack-farm'].applicationRequestRouting.healthCheck.url:http://qatrack/accounts/login/",
    );
  });

  it("netsh http binds the resolved certificate to the HTTPS port with IIS's app id", () => {
    const cmds = iisCommands(
      act<'iis'>({
        kind: 'iis',
        describe: 'x',
        op: 'sslBinding',
        port: 443,
        certificate: { friendlyName: 'QATrack+ self-signed (QATrack+)' },
      }),
      'AB'.repeat(20),
    );
    expect(cmds[1]!.args).toEqual([
      'http',
      'add',
      'sslcert',
      'ipport=0.0.0.0:443',
      `certhash=${'AB'.repeat(20)}`,
      'appid={4dc3e181-e14b-4a21-b022-59fc669b0914}',
      'certstorename=MY',
    ]);
    expect(() =>
      iisCommands(
        act<'iis'>({
          kind: 'iis',
          describe: 'x',
          op: 'sslBinding',
          port: 443,
          certificate: { friendlyName: 'x' },
        }),
      ),
    ).toThrow(/thumbprint/);
  });

  it('file and SQL actions are not turned into programs', () => {
    expect(commandsFor(act({ kind: 'mkdir', describe: 'x', path: 'C:\\a' }))).toBeUndefined();
    expect(
      commandsFor(
        act({ kind: 'sql', describe: 'x', connection: { server: 's', auth: 'windows' }, batch: 'SELECT 1' }),
      ),
    ).toBeUndefined();
  });
});

describe('reading what Windows tools print', () => {
  const appHost = `<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.applicationHost>
    <applicationPools><add name="DefaultAppPool" /><add name="QATrackPlus" managedRuntimeVersion="" /></applicationPools>
    <sites>
      <site name="Default Web Site" id="1" serverAutoStart="false">
        <application path="/"><virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" /></application>
        <bindings><binding protocol="http" bindingInformation="*:80:" /></bindings>
      </site>
      <site name="QATrack+" id="2">
        <application path="/" applicationPool="QATrackPlus">
          <virtualDirectory path="/" physicalPath="D:\\QATrackData\\iisroot" />
          <virtualDirectory path="/static" physicalPath="D:\\QATrackData\\static" />
        </application>
        <bindings><binding protocol="http" bindingInformation="*:8080:" /><binding protocol="https" bindingInformation="*:443:" /></bindings>
        <logFile directory="D:\\QATrackData\\logs\\iis" />
      </site>
    </sites>
  </system.applicationHost>
  <system.webServer>
    <proxy enabled="true" preserveHostHeader="true" timeout="00:05:00" />
    <rewrite><allowedServerVariables><add name="HTTP_X_FORWARDED_HOST" /></allowedServerVariables></rewrite>
  </system.webServer>
  <webFarms>
    <webFarm name="qatrack-farm" enabled="true">
      <server address="127.0.0.1" enabled="true"><applicationRequestRouting httpPort="8001" /></server>
      <server address="127.0.0.2" enabled="true"><applicationRequestRouting httpPort="8002" /></server>
      <applicationRequestRouting><healthCheck url="http://qatrack/accounts/login/" interval="00:00:10" /></applicationRequestRouting>
    </webFarm>
  </webFarms>
</configuration>`;
  // What the iisSnapshot script builds from Get-Website and IIS:\SslBindings (objects, not text).
  const runtime = {
    siteStates: [
      { name: 'Default Web Site', state: 'Stopped' },
      { name: 'QATrack+', state: 'Started' },
    ],
    sslBindings: [
      { ipAddress: '0.0.0.0', port: 443, host: '', thumbprint: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' },
      {
        ipAddress: '',
        port: 443,
        host: 'other.example.org',
        thumbprint: 'ffffffffffffffffffffffffffffffffffffffff',
      },
    ],
  };

  it('applicationHost.config becomes the IIS snapshot the steps compare against', () => {
    const s = parseIisSnapshot(appHost, runtime);
    expect(s.appPools).toEqual(['DefaultAppPool', 'QATrackPlus']);
    expect(s.sites[0]).toMatchObject({
      name: 'Default Web Site',
      state: 'stopped',
      autoStart: false,
      bindings: [{ protocol: 'http', port: 80, host: '' }],
    });
    expect(s.sites[1]).toMatchObject({
      name: 'QATrack+',
      appPool: 'QATrackPlus',
      physicalPath: 'D:\\QATrackData\\iisroot',
      virtualDirs: [{ path: '/static', physicalPath: 'D:\\QATrackData\\static' }],
      logDir: 'D:\\QATrackData\\logs\\iis',
    });
    expect(s.webFarms).toEqual([
      {
        name: 'qatrack-farm',
        servers: [
          { address: '127.0.0.1', httpPort: 8001 },
          { address: '127.0.0.2', httpPort: 8002 },
        ],
        healthCheckUrl: 'http://qatrack/accounts/login/',
      },
    ]);
    expect(s.proxy).toEqual({ enabled: true, preserveHostHeader: true, timeout: '00:05:00' });
    expect(s.allowedServerVariables).toEqual(['HTTP_X_FORWARDED_HOST']);
    expect(s.sslBindings).toEqual([{ port: 443, thumbprint: 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678' }]);
  });

  it('the run state comes from Get-Website, not serverAutoStart: a configured site missing there is stopped', () => {
    const s = parseIisSnapshot(appHost, { siteStates: [{ name: 'Default Web Site', state: 'Started' }] });
    expect(s.sites.map((x) => [x.name, x.state, x.autoStart])).toEqual([
      ['Default Web Site', 'started', false],
      ['QATrack+', 'stopped', true],
    ]);
    expect(s.sslBindings).toEqual([]);
  });

  it('the provisioning probe rows become logins with their roles', () => {
    const s = sqlStateFromRows(
      [
        [
          {
            databaseExists: true,
            saEnabled: false,
            isSysadmin: false,
            isDbcreator: true,
            isSecurityadmin: 1,
          },
        ],
        [{ name: 'qatrack', is_disabled: true }],
        [
          { userName: 'qatrack', roleName: 'db_datareader' },
          { userName: 'qatrack', roleName: 'db_ddladmin' },
        ],
      ],
      ['qatrack', 'qatrack_reports'],
    );
    expect(s).toEqual({
      reachable: true,
      databaseExists: true,
      saEnabled: false,
      adminRoles: { sysadmin: false, dbcreator: true, securityadmin: true },
      logins: [
        {
          name: 'qatrack',
          exists: true,
          disabled: true,
          userExists: true,
          roles: ['db_datareader', 'db_ddladmin'],
        },
        { name: 'qatrack_reports', exists: false, disabled: false, userExists: false, roles: [] },
      ],
    });
  });
});

describe('the windows host', () => {
  it('refuses to start anywhere but Windows, and says what to use instead', async () => {
    const { createWindowsHost } = await import('../../electron/hosts/windows/host.js');
    if (process.platform === 'win32') return;
    expect(() => createWindowsHost()).toThrow(/only on Windows/);
    try {
      createWindowsHost();
    } catch (e) {
      expect((e as { fix?: string }).fix).toContain('--host sim:');
    }
  });
});
