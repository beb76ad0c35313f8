/**
 * Wine tier: the golden plans' registry and scheduled-task actions through the Windows host's own
 * argv (electron/hosts/windows/argv.ts) with Wine's reg.exe and schtasks.exe, and msiexec with an
 * MSI built by Debian's wixl (msitools): install 0, uninstall 0, second uninstall 1605.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../electron/engine/actions/index.js';
import { commandsFor } from '../../electron/hosts/windows/argv.js';
import { goldenActions } from '../support/wine/windows-python.js';
import { findWine, winPath, WinePrefix, wineTierSkipReason } from '../support/wine/wine.js';

const skip = await wineTierSkipReason(['wixl']);

/** A minimal per-machine MSI: one file, one registry value (WiX 3 schema, which wixl reads). */
const WXS = `<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="QATrack Wine Test" Language="1033" Version="1.0.0" Manufacturer="QATrack+ Installer tests"
           UpgradeCode="6F1A3C52-2B7E-4F0B-9C55-2D3E4F5A6B7C">
    <Package InstallerVersion="200" Compressed="yes" InstallScope="perMachine"/>
    <Media Id="1" Cabinet="app.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir">
      <Directory Id="ProgramFiles64Folder">
        <Directory Id="INSTALLDIR" Name="QATrackWineTest">
          <Component Id="Main" Guid="8A2B3C4D-5E6F-4A1B-8C9D-0E1F2A3B4C5D" Win64="yes">
            <File Id="Readme" Source="readme.txt" KeyPath="yes"/>
            <RegistryValue Root="HKLM" Key="Software\\QATrackWineTest" Name="Installed" Type="string" Value="yes"/>
          </Component>
        </Directory>
      </Directory>
    </Directory>
    <Feature Id="All" Level="1"><ComponentRef Id="Main"/></Feature>
  </Product>
</Wix>
`;

describe.skipIf(skip !== '')(
  `registry, scheduled tasks and msiexec under Wine ${skip}`,
  { timeout: 120_000 },
  () => {
    let work: string;
    let prefix: WinePrefix;

    beforeAll(async () => {
      work = await mkdtemp(path.join(os.tmpdir(), 'qatrack-wine-actions-'));
      prefix = await WinePrefix.create((await findWine())!, path.join(work, 'wine'));
    }, 300_000);

    afterAll(async () => {
      await prefix?.dispose();
      if (work) await rm(work, { recursive: true, force: true });
    });

    it("sets the SQL Express registry values with the host's reg.exe argv (REG_SZ, empty, REG_DWORD)", async () => {
      const plan = await goldenActions('x86-sql-express');
      const regs = plan.step('win-sqlexpress').filter((a) => a.kind === 'registry') as unknown as Action[];
      expect(regs).toHaveLength(3);
      for (const a of regs) {
        for (const cmd of commandsFor(a)!) {
          expect(cmd.file).toBe('C:\\Windows\\System32\\reg.exe');
          const r = await prefix.run(cmd.file, cmd.args);
          expect(r.code, cmd.args.join(' ')).toBe(0);
        }
      }
      const ipAll = await prefix.regQuery(
        'HKLM\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\MSSQL16.SQLEXPRESS\\MSSQLServer\\SuperSocketNetLib\\Tcp\\IPAll',
      );
      expect(ipAll?.TcpPort).toEqual({ type: 'REG_SZ', value: '1433' });
      expect(ipAll?.TcpDynamicPorts?.type).toBe('REG_SZ');
      const server = await prefix.regQuery(
        'HKLM\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\MSSQL16.SQLEXPRESS\\MSSQLServer',
      );
      expect(server?.LoginMode).toEqual({ type: 'REG_DWORD', value: '0x2' });
      // And the delete argv removes a value.
      const del = commandsFor({ ...(regs[0] as object), op: 'delete' } as Action)!;
      expect((await prefix.run(del[0]!.file, del[0]!.args)).code).toBe(0);
      const after = await prefix.regQuery(
        'HKLM\\SOFTWARE\\Microsoft\\Microsoft SQL Server\\MSSQL16.SQLEXPRESS\\MSSQLServer\\SuperSocketNetLib\\Tcp\\IPAll',
      );
      expect(after?.TcpPort).toBeUndefined();
    });

    it("writes the installed-release Uninstall key with reg.exe, and deleteKey's argv removes the key", async () => {
      const plan = await goldenActions();
      const regs = plan.step('win-release-record') as unknown as (Action & { key: string })[];
      expect(regs.map((a) => (a as unknown as { name: string }).name)).toEqual([
        'DisplayName',
        'DisplayVersion',
        'InstallLocation',
        'Comments',
        'SystemComponent',
      ]);
      for (const a of regs)
        for (const cmd of commandsFor(a)!) expect((await prefix.run(cmd.file, cmd.args)).code).toBe(0);
      const key = regs[0]!.key;
      const values = await prefix.regQuery(key);
      expect(values?.DisplayVersion).toEqual({ type: 'REG_SZ', value: '3.1.1.4' });
      expect(values?.Comments?.value).toMatch(/^Deployed and maintained by QATrack\+ Installer/);
      expect(values?.SystemComponent).toEqual({ type: 'REG_DWORD', value: '0x1' });
      const [del] = commandsFor({ ...regs[0]!, op: 'deleteKey', name: '' } as Action)!;
      expect((await prefix.run(del!.file, del!.args)).code).toBe(0);
      expect(await prefix.regQuery(key)).toBeNull();
    });

    it("registers the nightly backup task from the product's task XML with schtasks /Create /XML", async () => {
      const plan = await goldenActions();
      const [task] = plan.step('win-backups').filter((a) => a.kind === 'scheduledTask') as unknown as [
        Action & { name: string; xml: string },
      ];
      // As the Windows host writes it: UTF-16 LE with a BOM (host.ts).
      const xmlFile = path.join(work, 'task.xml');
      await writeFile(xmlFile, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(task.xml, 'utf16le')]));
      const [create] = commandsFor(task, { taskXmlFile: winPath(xmlFile) })!;
      expect(create!.args.slice(0, 3)).toEqual(['/Create', '/TN', '\\QATrack+\\Nightly backup']);
      const r = await prefix.run(create!.file, create!.args);
      await prefix.wait();
      expect(r.code).toBe(0);
      // Wine's Task Scheduler keeps registered tasks as XML under system32\Tasks, as Windows does
      // (the folder is lower-case on disk in Wine; Windows paths are case-insensitive).
      const tasksDir = path.join(prefix.driveC, 'windows', 'system32', 'tasks');
      const stored = path.join(tasksDir, 'QATrack+', 'Nightly backup');
      expect(existsSync(stored), JSON.stringify(await readdir(tasksDir, { recursive: true }))).toBe(true);
      const raw = await readFile(stored);
      const text = raw.toString(raw[0] === 0xff ? 'utf16le' : 'utf8');
      // Wine's taskschd parsed the product's XML and stored what it implements: registration info
      // and settings. It drops the CalendarTrigger, the SYSTEM principal and the Exec details
      // (stored as `<Triggers/>`, an empty `<Principal>`, `<Exec/>`): those stay on the golden plans.
      expect(text).toContain('<Author>QATrack+ Installer</Author>');
      expect(text).toContain('QATrack+ nightly backup');
      expect(text).toContain('<MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>');
      expect(text).toContain('<ExecutionTimeLimit>PT4H</ExecutionTimeLimit>');
      expect(text).toContain('<StartWhenAvailable>true</StartWhenAvailable>');
      expect(text).toContain('<Triggers/>');
      const [remove] = commandsFor({ ...task, op: 'remove' } as Action)!;
      expect(remove!.okExitCodes).toEqual([0, 1]);
      expect((await prefix.run(remove!.file, remove!.args)).code).toBe(0);
      await prefix.wait();
      expect(existsSync(stored)).toBe(false);
    });

    it('msiexec installs a wixl MSI (0), uninstalls it (0), and a second uninstall is 1605', async () => {
      await prefix.wait();
      await writeFile(path.join(work, 'readme.txt'), 'QATrack+ Wine tier\r\n');
      await writeFile(path.join(work, 'app.wxs'), WXS);
      await execa('wixl', ['-a', 'x64', '-o', path.join(work, 'app.msi'), path.join(work, 'app.wxs')], {
        cwd: work,
      });
      const msi = winPath(path.join(work, 'app.msi'));
      const installed = path.join(prefix.driveC, 'Program Files', 'QATrackWineTest', 'readme.txt');
      // msiexec hands the work to the MSI service: wait for this prefix's processes after each call.
      const install = await prefix.run('msiexec', ['/i', msi, '/qn', '/norestart']);
      await prefix.wait();
      expect(install.code).toBe(0);
      expect(existsSync(installed)).toBe(true);
      expect((await prefix.regQuery('HKLM\\Software\\QATrackWineTest'))?.Installed?.value).toBe('yes');

      // By ProductCode, as an uninstaller does once the package file may be gone.
      const { stdout } = await execa('msiinfo', ['export', path.join(work, 'app.msi'), 'Property']);
      const productCode = /^ProductCode\t(\{[0-9A-F-]{36}\})/m.exec(stdout)![1]!;
      const uninstall = await prefix.run('msiexec', ['/x', productCode, '/qn', '/norestart']);
      await prefix.wait();
      expect(uninstall.code).toBe(0);
      expect(existsSync(installed)).toBe(false);
      // ERROR_UNKNOWN_PRODUCT: "This action is only valid for products that are currently installed."
      const again = await prefix.run('msiexec', ['/x', productCode, '/qn', '/norestart']);
      expect(again.code, productCode).toBe(1605);
    });
  },
);
