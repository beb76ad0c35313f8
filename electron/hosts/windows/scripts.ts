/**
 * Fixed PowerShell scripts used by the windows host. Their text never changes with user input: every
 * value (names, paths, passwords) arrives as JSON on stdin and answers go back as JSON on stdout.
 * Passed with -EncodedCommand, so no quoting of script text is involved either.
 *
 * Rules every script follows (test/windows/scripts.test.ts checks them):
 * - Input is read as bytes and decoded as UTF-8. Windows PowerShell 5.1 decodes redirected stdin
 *   with [Console]::InputEncoding, the console's OEM code page (437/850 on English/German servers),
 *   so `[Console]::In.ReadToEnd()` turned "Pässwörd" into "PÃ¤sswÃ¶rd" before CREATE LOGIN saw it.
 *   Source: https://learn.microsoft.com/dotnet/api/system.console.inputencoding ("the encoding the
 *   console uses to read input"; the default is the console's input code page) and
 *   https://learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_character_encoding
 *   (Windows PowerShell uses the console code page for redirected native I/O). Output is written as
 *   UTF-8 (no BOM) for the same reason, so non-ASCII paths come back intact.
 * - Every answer is JSON built from objects (ConvertTo-Json -Compress); no script returns or parses
 *   a tool's text output (`netsh http show sslcert` was replaced by IIS:\\SslBindings objects).
 */

const READ = `$ErrorActionPreference = "Stop"
[Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false
$bytes = New-Object System.IO.MemoryStream
[Console]::OpenStandardInput().CopyTo($bytes)
$in = [System.Text.Encoding]::UTF8.GetString($bytes.ToArray()) | ConvertFrom-Json
`;

/**
 * LsaAddAccountRights / LsaRemoveAccountRights / LsaEnumerateAccountRights through Add-Type: the
 * documented API for account rights (no secedit export to parse). Policy access masks from
 * https://learn.microsoft.com/windows/win32/secmgmt/policy-object-access-rights; the calls from
 * https://learn.microsoft.com/windows/win32/api/ntsecapi/nf-ntsecapi-lsaaddaccountrights (and the
 * Remove/Enumerate pages beside it). STATUS_OBJECT_NAME_NOT_FOUND (0xC0000034) from Enumerate means
 * "this account holds no rights". Not compiled here (no C# compiler on the build machine).
 */
const LSA = `Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Security.Principal;
public static class QatrackLsa {
  [StructLayout(LayoutKind.Sequential)] struct LSA_UNICODE_STRING { public ushort Length; public ushort MaximumLength; public IntPtr Buffer; }
  [StructLayout(LayoutKind.Sequential)] struct LSA_OBJECT_ATTRIBUTES { public int Length; public IntPtr RootDirectory; public IntPtr ObjectName; public uint Attributes; public IntPtr SecurityDescriptor; public IntPtr SecurityQualityOfService; }
  [DllImport("advapi32.dll")] static extern uint LsaOpenPolicy(IntPtr systemName, ref LSA_OBJECT_ATTRIBUTES attrs, uint access, out IntPtr policy);
  [DllImport("advapi32.dll")] static extern uint LsaAddAccountRights(IntPtr policy, byte[] sid, LSA_UNICODE_STRING[] rights, uint count);
  [DllImport("advapi32.dll")] static extern uint LsaRemoveAccountRights(IntPtr policy, byte[] sid, bool allRights, LSA_UNICODE_STRING[] rights, uint count);
  [DllImport("advapi32.dll")] static extern uint LsaEnumerateAccountRights(IntPtr policy, byte[] sid, out IntPtr rights, out uint count);
  [DllImport("advapi32.dll")] static extern uint LsaFreeMemory(IntPtr buffer);
  [DllImport("advapi32.dll")] static extern uint LsaClose(IntPtr policy);
  [DllImport("advapi32.dll")] static extern int LsaNtStatusToWinError(uint status);
  const uint POLICY_CREATE_ACCOUNT = 0x10, POLICY_LOOKUP_NAMES = 0x800;
  static byte[] Sid(string account) {
    var sid = (SecurityIdentifier)new NTAccount(account).Translate(typeof(SecurityIdentifier));
    var b = new byte[sid.BinaryLength]; sid.GetBinaryForm(b, 0); return b;
  }
  static IntPtr Open(uint access) {
    var a = new LSA_OBJECT_ATTRIBUTES(); a.Length = Marshal.SizeOf(typeof(LSA_OBJECT_ATTRIBUTES));
    IntPtr h; uint st = LsaOpenPolicy(IntPtr.Zero, ref a, access, out h);
    if (st != 0) throw new System.ComponentModel.Win32Exception(LsaNtStatusToWinError(st));
    return h;
  }
  static LSA_UNICODE_STRING[] One(string right) {
    var u = new LSA_UNICODE_STRING(); u.Buffer = Marshal.StringToHGlobalUni(right);
    u.Length = (ushort)(right.Length * 2); u.MaximumLength = (ushort)(u.Length + 2);
    return new LSA_UNICODE_STRING[] { u };
  }
  public static bool Has(string account, string right) {
    IntPtr h = Open(POLICY_LOOKUP_NAMES);
    try {
      IntPtr buf; uint n; uint st = LsaEnumerateAccountRights(h, Sid(account), out buf, out n);
      if (st == 0xC0000034) return false;
      if (st != 0) throw new System.ComponentModel.Win32Exception(LsaNtStatusToWinError(st));
      try {
        int size = Marshal.SizeOf(typeof(LSA_UNICODE_STRING));
        for (int i = 0; i < n; i++) {
          var u = (LSA_UNICODE_STRING)Marshal.PtrToStructure(new IntPtr(buf.ToInt64() + i * size), typeof(LSA_UNICODE_STRING));
          if (Marshal.PtrToStringUni(u.Buffer, u.Length / 2) == right) return true;
        }
        return false;
      } finally { LsaFreeMemory(buf); }
    } finally { LsaClose(h); }
  }
  public static void Set(string account, string right, bool grant) {
    IntPtr h = Open(POLICY_LOOKUP_NAMES | POLICY_CREATE_ACCOUNT);
    var r = One(right);
    try {
      uint st = grant ? LsaAddAccountRights(h, Sid(account), r, 1) : LsaRemoveAccountRights(h, Sid(account), false, r, 1);
      if (st != 0 && !(st == 0xC0000034 && !grant)) throw new System.ComponentModel.Win32Exception(LsaNtStatusToWinError(st));
    } finally { Marshal.FreeHGlobal(r[0].Buffer); LsaClose(h); }
  }
}
'@`;

export const PS = {
  enableFeatures: `${READ}
$r = Install-WindowsFeature -Name $in.features -IncludeManagementTools
if (-not $r.Success) { exit 1 }
if ($r.RestartNeeded -eq 'Yes') { exit 3010 }`,

  disableFeatures: `${READ}
$r = Uninstall-WindowsFeature -Name $in.features
if (-not $r.Success) { exit 1 }`,

  setServiceAccount: `${READ}
$svc = Get-CimInstance -ClassName Win32_Service | Where-Object { $_.Name -eq $in.name }
if (-not $svc) { exit 1060 }
$r = Invoke-CimMethod -InputObject $svc -MethodName Change -Arguments @{ StartName = $in.account; StartPassword = $in.password }
exit [int]$r.ReturnValue`,

  logonRight: `${READ}
${LSA}
@{ granted = [QatrackLsa]::Has($in.account, 'SeServiceLogonRight') } | ConvertTo-Json -Compress`,

  setLogonRight: `${READ}
${LSA}
[QatrackLsa]::Set($in.account, 'SeServiceLogonRight', [bool]$in.grant)`,

  /** A well-known SID's name in this Windows' language (S-1-5-32-544 is "VORDEFINIERT\\Administratoren" on German Windows). */
  accountName: `${READ}
@{ name = (New-Object System.Security.Principal.SecurityIdentifier $in.sid).Translate([System.Security.Principal.NTAccount]).Value } | ConvertTo-Json -Compress`,

  serviceControl: `${READ}
switch ($in.op) {
  'start' { Start-Service -Name $in.name }
  'stop' { Stop-Service -Name $in.name -Force }
  'restart' { Restart-Service -Name $in.name -Force }
}`,

  newSelfSignedCertificate: `${READ}
$c = New-SelfSignedCertificate -DnsName $in.dnsNames -CertStoreLocation 'Cert:\\LocalMachine\\My' -FriendlyName $in.friendlyName -NotAfter (Get-Date).AddYears([int]$in.years) -KeyExportPolicy NonExportable
@{ thumbprint = $c.Thumbprint } | ConvertTo-Json -Compress`,

  removeCertificate: `${READ}
Get-ChildItem 'Cert:\\LocalMachine\\My' | Where-Object { $_.FriendlyName -eq $in.friendlyName } | Remove-Item`,

  findCertificate: `${READ}
$c = Get-ChildItem 'Cert:\\LocalMachine\\My' | Where-Object { ($in.thumbprint -and $_.Thumbprint -eq $in.thumbprint) -or ($in.friendlyName -and $_.FriendlyName -eq $in.friendlyName) } | Select-Object -First 1
if ($c) { @{ exists = $true; thumbprint = $c.Thumbprint } | ConvertTo-Json -Compress } else { '{"exists":false}' }`,

  // DnsNameList and its .Unicode come from the certificate provider (learn.microsoft.com,
  // about_Certificate_Provider); -InputObject keeps a one-item list a JSON array.
  listCertificates: `${READ}
$list = @(Get-ChildItem 'Cert:\\LocalMachine\\My' | ForEach-Object {
  [pscustomobject]@{ thumbprint = $_.Thumbprint; subject = $_.Subject; friendlyName = $_.FriendlyName; dnsNames = @($_.DnsNameList | ForEach-Object { $_.Unicode }); notAfter = $_.NotAfter.ToUniversalTime().ToString('o'); hasPrivateKey = $_.HasPrivateKey }
})
ConvertTo-Json -Compress -Depth 4 -InputObject @{ certificates = $list }`,

  /** SQL with Windows authentication (tedious cannot use the process's own Windows identity). */
  sqlBatch: `${READ}
$b = New-Object System.Data.SqlClient.SqlConnectionStringBuilder
$b['Data Source'] = $in.dataSource
$b['Initial Catalog'] = $in.database
$b['Integrated Security'] = $true
$conn = New-Object System.Data.SqlClient.SqlConnection $b.ConnectionString
try {
  $conn.Open()
  $cmd = $conn.CreateCommand()
  $cmd.CommandText = $in.batch
  $cmd.CommandTimeout = $(if ($in.timeoutSeconds) { [int]$in.timeoutSeconds } else { 600 })
  foreach ($p in $in.params) {
    $type = switch ($p.type) { 'int' { [System.Data.SqlDbType]::Int } 'bit' { [System.Data.SqlDbType]::Bit } default { [System.Data.SqlDbType]::NVarChar } }
    $param = $cmd.Parameters.Add('@' + $p.name, $type, $(if ($type -eq [System.Data.SqlDbType]::NVarChar) { -1 } else { 0 }))
    $param.Value = $p.value
  }
  $rows = @()
  $reader = $cmd.ExecuteReader()
  do { while ($reader.Read()) { $row = @{}; for ($i = 0; $i -lt $reader.FieldCount; $i++) { $row[$reader.GetName($i)] = $reader.GetValue($i) }; $rows += $row } } while ($reader.NextResult())
  $reader.Close()
  @{ ok = $true; rows = $rows } | ConvertTo-Json -Compress -Depth 4
} catch [System.Data.SqlClient.SqlException] {
  @{ ok = $false; number = $_.Exception.Number; message = $_.Exception.Message } | ConvertTo-Json -Compress
} finally { $conn.Dispose() }`,

  osInfo: `${READ}
$os = Get-CimInstance Win32_OperatingSystem
$id = [Security.Principal.WindowsIdentity]::GetCurrent()
$admin = (New-Object Security.Principal.WindowsPrincipal $id).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
$drive = Get-CimInstance Win32_LogicalDisk -Filter "DeviceID='C:'"
$sm = Get-ItemProperty 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\Session Manager' -ErrorAction SilentlyContinue
$pending = (Test-Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending') -or (Test-Path 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired')
@{ name = $os.Caption; release = $os.Version; arch = $(if ([Environment]::Is64BitOperatingSystem) { 'x64' } else { 'x86' }); elevated = $admin; hostname = $env:COMPUTERNAME; timeZone = (Get-TimeZone).Id; freeDiskBytes = [double]$drive.FreeSpace; pendingReboot = [bool]$pending; pendingFileRenames = [bool]$sm.PendingFileRenameOperations } | ConvertTo-Json -Compress`,

  /**
   * The listener, its ancestors (ParentProcessId, up to 8 levels) and every service process: the
   * host resolves the owner (resolvePortOwner in parse.ts), because the process listening on a worker
   * port is a grandchild of the service (WinSW -> venv launcher python.exe -> base python.exe).
   * Win32_Process: https://learn.microsoft.com/windows/win32/cimwin32prov/win32-process (ProcessId,
   * ParentProcessId, CreationDate); Get-NetTCPConnection: https://learn.microsoft.com/powershell/module/nettcpip/get-nettcpconnection
   */
  portOwner: `${READ}
$all = @(Get-NetTCPConnection -State Listen -LocalPort ([int]$in.port) -ErrorAction SilentlyContinue)
$c = $all | Where-Object { -not $in.address -or $_.LocalAddress -in @($in.address, '0.0.0.0', '::') } | Select-Object -First 1
if (-not $c) { '{"inUse":false}'; exit 0 }
$chain = @()
$cur = [int]$c.OwningProcess
for ($i = 0; $i -lt 8 -and $cur -gt 0; $i++) {
  $p = Get-CimInstance Win32_Process -Filter ("ProcessId=" + $cur)
  if (-not $p) { break }
  $chain += @{ pid = [int]$p.ProcessId; parentPid = [int]$p.ParentProcessId; name = [string]$p.Name; created = $(if ($p.CreationDate) { [double]$p.CreationDate.ToFileTimeUtc() } else { 0 }) }
  $cur = [int]$p.ParentProcessId
}
$services = @(Get-CimInstance Win32_Service -Filter "ProcessId <> 0" | ForEach-Object { @{ name = [string]$_.Name; pid = [int]$_.ProcessId } })
$sites = @()
if ([int]$c.OwningProcess -eq 4 -and (Get-Module -ListAvailable WebAdministration)) {
  Import-Module WebAdministration
  $sites = @(Get-Website | ForEach-Object { @{ name = [string]$_.Name; state = [string]$_.State; bindings = @($_.Bindings.Collection | ForEach-Object { [string]$_.bindingInformation }) } })
}
@{ inUse = $true; listener = [int]$c.OwningProcess; chain = $chain; services = $services; sites = $sites } | ConvertTo-Json -Compress -Depth 4`,

  serviceInfo: `${READ}
$s = Get-CimInstance -ClassName Win32_Service | Where-Object { $_.Name -eq $in.name }
if (-not $s) { '{"exists":false}'; exit 0 }
@{ exists = $true; state = $(if ($s.State -eq 'Running') { 'running' } else { 'stopped' }); account = $s.StartName; pid = $s.ProcessId } | ConvertTo-Json -Compress`,

  features: `${READ}
@{ enabled = @(Get-WindowsFeature | Where-Object { $_.Installed } | ForEach-Object { $_.Name }) } | ConvertTo-Json -Compress`,

  aclInfo: `${READ}
if (-not (Test-Path -LiteralPath $in.path)) { '{"exists":false}'; exit 0 }
$acl = Get-Acl -LiteralPath $in.path
$map = @{ 'FullControl' = 'F'; 'Modify, Synchronize' = 'M'; 'ReadAndExecute, Synchronize' = 'RX'; 'Read, Synchronize' = 'R'; 'Write, Synchronize' = 'W' }
$grants = @($acl.Access | Where-Object { -not $_.IsInherited } | ForEach-Object {
  $sid = try { $_.IdentityReference.Translate([Security.Principal.SecurityIdentifier]).Value } catch { '' }
  $name = if ($sid -match '^S-1-5-(18|17|32-544|32-568)$') { '*' + $sid } else { $_.IdentityReference.Value }
  @{ principal = $name; rights = $map[$_.FileSystemRights.ToString()] }
})
@{ exists = $true; protected = $acl.AreAccessRulesProtected; grants = $grants } | ConvertTo-Json -Compress -Depth 3`,

  /**
   * Bytes and count of the files below a folder. -Force includes hidden and system files (a backup
   * copies them too), -File leaves folders out; Measure-Object -Sum adds their Length
   * (https://learn.microsoft.com/powershell/module/microsoft.powershell.management/get-childitem,
   * https://learn.microsoft.com/powershell/module/microsoft.powershell.utility/measure-object).
   * An unreadable subfolder stops the script ($ErrorActionPreference = "Stop"): no undercount.
   */
  folderSize: `${READ}
if (-not (Test-Path -LiteralPath $in.path -PathType Container)) { '{"exists":false,"bytes":0,"files":0}'; exit 0 }
$m = Get-ChildItem -LiteralPath $in.path -Recurse -File -Force | Measure-Object -Property Length -Sum
[pscustomobject]@{ exists = $true; bytes = [double]$(if ($m.Sum) { $m.Sum } else { 0 }); files = [int]$m.Count } | ConvertTo-Json -Compress`,

  /**
   * Free space on the drive or network share of a path (E:\Backups, \\nas\share\x): the
   * FileSystemObject's GetDriveName + GetDrive take both, and AvailableSpace is "the amount of space
   * available to a user on the specified drive or network share" (quotas applied;
   * https://learn.microsoft.com/previous-versions/b9e73hcs(v=vs.85)). A drive that is not there or
   * not ready is answered as unknown.
   */
  diskFree: `${READ}
$fso = New-Object -ComObject Scripting.FileSystemObject
$name = $fso.GetDriveName($in.path)
if (-not $name -or -not $fso.DriveExists($name)) { '{"known":false,"freeBytes":0}'; exit 0 }
$d = $fso.GetDrive($name)
if (-not $d.IsReady) { '{"known":false,"freeBytes":0}'; exit 0 }
[pscustomobject]@{ known = $true; freeBytes = [double]$d.AvailableSpace } | ConvertTo-Json -Compress`,

  firewallRule: `${READ}
$r = Get-NetFirewallRule -Name $in.name -ErrorAction SilentlyContinue
if (-not $r) { $r = Get-NetFirewallRule -DisplayName $in.name -ErrorAction SilentlyContinue }
if (-not $r) { '{"exists":false,"ports":[]}'; exit 0 }
$ports = @($r | Get-NetFirewallPortFilter | ForEach-Object { $_.LocalPort } | ForEach-Object { [int]$_ })
@{ exists = $true; ports = $ports } | ConvertTo-Json -Compress`,

  scheduledTask: `${READ}
$path = $in.name.Substring(0, $in.name.LastIndexOf('\\') + 1)
$leaf = $in.name.Substring($in.name.LastIndexOf('\\') + 1)
$t = Get-ScheduledTask -TaskPath $path -TaskName $leaf -ErrorAction SilentlyContinue
if (-not $t) { '{"exists":false}'; exit 0 }
@{ exists = $true; description = $t.Description } | ConvertTo-Json -Compress`,

  product: `${READ}
$roots = 'HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*', 'HKLM:\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*'
$hit = Get-ItemProperty $roots -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName -like $in.pattern -and (-not $in.versionLike -or [string]$_.DisplayVersion -like $in.versionLike) } | Select-Object -First 1
if (-not $hit) { '{"installed":false}'; exit 0 }
@{ installed = $true; version = [string]$hit.DisplayVersion; name = $hit.DisplayName; location = $hit.InstallLocation } | ConvertTo-Json -Compress`,

  registryValues: `${READ}
$out = @{}
foreach ($n in $in.names) { $v = (Get-ItemProperty -LiteralPath ('Registry::' + $in.key) -Name $n -ErrorAction SilentlyContinue).$n; if ($null -ne $v) { $out[$n] = $v } }
$out | ConvertTo-Json -Compress`,

  /**
   * IIS configuration from applicationHost.config (the file IIS itself reads), the sites' runtime
   * state from Get-Website (State is the run state, not serverAutoStart:
   * https://learn.microsoft.com/powershell/module/webadministration/get-website) and the HTTPS
   * certificate bindings as IIS:\\SslBindings objects (IPAddress, Port, Thumbprint; the WebAdministration
   * provider's view of http.sys, https://learn.microsoft.com/iis/manage/powershell/powershell-snap-in-configuring-ssl-with-the-iis-powershell-snap-in).
   */
  iisSnapshot: `${READ}
if (-not (Test-Path "$env:windir\\system32\\inetsrv\\config\\applicationHost.config")) { '{"installed":false}'; exit 0 }
Import-Module WebAdministration
$host_ = [xml](Get-Content -LiteralPath "$env:windir\\system32\\inetsrv\\config\\applicationHost.config" -Raw -Encoding UTF8)
$states = @(Get-Website | ForEach-Object { @{ name = [string]$_.Name; state = [string]$_.State } })
$ssl = @(Get-ChildItem IIS:\\SslBindings | ForEach-Object { @{ ipAddress = [string]$_.IPAddress; port = [int]$_.Port; host = [string]$_.Host; thumbprint = [string]$_.Thumbprint } })
@{ installed = $true; applicationHostXml = $host_.OuterXml; siteStates = $states; sslBindings = $ssl } | ConvertTo-Json -Compress -Depth 4`,

  siteControl: `${READ}
Import-Module WebAdministration
$s = Get-Website | Where-Object { $_.Name -eq $in.name }
if (-not $s) { [Console]::Error.WriteLine('IIS has no site named "' + $in.name + '".'); exit 2 }
if ($in.state -eq 'started') { Start-Website -Name $in.name } else { Stop-Website -Name $in.name }
$now = [string](Get-Website | Where-Object { $_.Name -eq $in.name }).State
@{ state = $now } | ConvertTo-Json -Compress
if (($in.state -eq 'started') -ne ($now -eq 'Started')) { [Console]::Error.WriteLine('Site "' + $in.name + '" is ' + $now + ' after ' + $in.state); exit 1 }`,

  // The request is written without a BOM (Set-Content -Encoding UTF8 in PowerShell 5.1 adds one,
  // which Python's json.load refuses); pages are counted from the PDF's /Type /Page objects.
  pdfCheck: `${READ}
$req = Join-Path $in.folder 'pdf-check-request.json'
$res = Join-Path $in.folder ('pdf-check-' + $in.id + '.json')
[System.IO.File]::WriteAllText($req, (@{ id = $in.id; marker = $in.marker } | ConvertTo-Json -Compress))
$deadline = (Get-Date).AddSeconds($in.timeoutSeconds)
while (-not (Test-Path -LiteralPath $res) -and (Get-Date) -lt $deadline) { Start-Sleep -Milliseconds 500 }
if (-not (Test-Path -LiteralPath $res)) {
  Remove-Item -LiteralPath $req -ErrorAction SilentlyContinue
  @{ answered = $false } | ConvertTo-Json -Compress
  exit 0
}
$r = [System.IO.File]::ReadAllText($res) | ConvertFrom-Json
Remove-Item -LiteralPath $res
$pages = $null
if ($r.pdf -and (Test-Path -LiteralPath $r.pdf)) {
  $text = [System.Text.Encoding]::GetEncoding(28591).GetString([System.IO.File]::ReadAllBytes($r.pdf))
  if ($text.StartsWith('%PDF-')) { $pages = ([regex]::Matches($text, '/Type\\s*/Page(?![s\\w])')).Count }
}
@{ answered = $true; result = $r; pages = $pages } | ConvertTo-Json -Compress -Depth 4`,

  testMail: `${READ}
$p = Start-Process -FilePath $in.python -ArgumentList @($in.managepy, 'sendtestemail', '--admins') -WorkingDirectory (Split-Path $in.managepy) -NoNewWindow -Wait -PassThru
@{ sent = ($p.ExitCode -eq 0) } | ConvertTo-Json -Compress`,
} as const;
