import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeLayout } from '../../electron/engine/layout.js';
import { renderTemplatedText } from '../../electron/engine/secret-text.js';
import { MapSecretStore } from '../../electron/engine/secrets.js';
import { powershell } from '../../electron/hosts/windows/argv.js';
import { PS } from '../../electron/hosts/windows/scripts.js';
import { BACKUP_SCRIPT } from '../../electron/steps/windows/backupScript.js';
import { renderLocalSettings } from '../../electron/steps/common/render-local-settings.js';
import { tempDir } from '../support/engine-context.js';
import { exampleAnswers } from '../support/windows-sim.js';

/**
 * The fixed PowerShell scripts (issue 10 items 2, 5, 10). No PowerShell runs on this machine, so
 * these are checks of the script text against the rules; what PowerShell 5.1 does with the old
 * text is cited in scripts.ts.
 */

const NON_ASCII_PASSWORD = 'Pässwörd-€-日本-"q"\\';

describe('every fixed PowerShell script', () => {
  for (const [name, text] of Object.entries(PS)) {
    it(`${name}: reads stdin as UTF-8 bytes and never parses a tool's text output`, () => {
      expect(text).toContain('[Console]::OpenStandardInput().CopyTo($bytes)');
      expect(text).toContain('[System.Text.Encoding]::UTF8.GetString($bytes.ToArray()) | ConvertFrom-Json');
      expect(text).toContain('[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false');
      expect(text).not.toContain('[Console]::In.ReadToEnd()');
      // The old `-join "\n"` joined with a backslash and an n (PowerShell's newline is `n).
      expect(text).not.toMatch(/-join\s+"\\n"/);
      expect(text).not.toMatch(/\bnetsh\b|Select-String|secedit|\| *Out-String/i);
      // Anything printed is JSON from objects.
      const prints = text.split('\n').filter((l) => /ConvertTo-Json|^'\{/.test(l.trim()));
      for (const l of prints) expect(l).toMatch(/ConvertTo-Json -Compress|^\s*'\{"[a-zA-Z]+":(false|true)/);
    });
  }

  it('the host sends the input as UTF-8 JSON on stdin, never on the command line', () => {
    const cmd = powershell('setServiceAccount', {
      name: 'QATrackWorker1',
      account: 'KLINIK\\svc-qs',
      password: NON_ASCII_PASSWORD,
    });
    expect(cmd.args.join(' ')).not.toContain('Pässwörd');
    const bytes = Buffer.from(JSON.stringify(cmd.stdinJson), 'utf8');
    // What the script now does: decode the bytes as UTF-8.
    expect(JSON.parse(bytes.toString('utf8')).password).toBe(NON_ASCII_PASSWORD);
    // What [Console]::In did on a Western-European server (console code page, here 1252):
    // the password that reached CREATE LOGIN differed from the one in local_settings.py.
    const asCodePage = new TextDecoder('windows-1252').decode(bytes);
    expect(asCodePage).not.toContain(NON_ASCII_PASSWORD);
    expect(asCodePage).toContain('PÃ¤sswÃ¶rd');
  });

  it('local_settings.py holds the same non-ASCII password, read back by python3', () => {
    const { answers } = exampleAnswers();
    const layout = computeLayout(answers, 'win32');
    const text = renderTemplatedText(
      renderLocalSettings({ answers, layout, versions: { odbc: '17.10.6.1' }, timeZone: 'Europe/Berlin' }),
      new MapSecretStore([
        ['database.login.password', NON_ASCII_PASSWORD],
        ['database.readonlyLogin.password', 'ro'],
        ['email.password', 'm'],
      ]),
    );
    const dir = tempDir();
    const file = path.join(dir, 'local_settings.py');
    writeFileSync(file, text, 'utf8');
    const py = `import ast,sys
src=open(sys.argv[1],encoding='utf-8').read()
tree=ast.parse(src)
for n in tree.body:
    if isinstance(n,ast.Assign) and getattr(n.targets[0],'id','')=='DATABASES':
        d=ast.literal_eval(n.value)
        sys.stdout.buffer.write(d['default']['PASSWORD'].encode('utf-8'))`;
    const r = spawnSync('python3', ['-c', py, file]);
    expect(r.stderr.toString()).toBe('');
    expect(r.stdout.toString('utf8')).toBe(NON_ASCII_PASSWORD);
  });

  it('the backup program has no Compress-Archive (2 GB limit, [ ] as wildcards) and no -Path on user folders', () => {
    expect(BACKUP_SCRIPT).not.toContain('Compress-Archive');
    expect(BACKUP_SCRIPT).toContain('[System.IO.Compression.ZipFile]::CreateFromDirectory($MediaDir, $zip');
    expect(BACKUP_SCRIPT).not.toMatch(/-Path \$/);
    expect(BACKUP_SCRIPT).not.toMatch(/Join-Path/);
  });
});
