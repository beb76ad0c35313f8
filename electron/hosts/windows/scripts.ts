/**
 * Fixed PowerShell scripts used by the windows host. Their text never changes with user input: every
 * value (names, paths, passwords) arrives as JSON on stdin and answers go back as JSON on stdout.
 * Passed with -EncodedCommand, so no quoting of script text is involved either.
 */

const READ = '$ErrorActionPreference = "Stop"; $in = [Console]::In.ReadToEnd() | ConvertFrom-Json;';

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
  $cmd.CommandTimeout = 600
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

  portOwner: `${READ}
$c = Get-NetTCPConnection -State Listen -LocalPort ([int]$in.port) -ErrorAction SilentlyContinue | Select-Object -First 1
if (-not $c) { '{"inUse":false}'; exit 0 }
$p = Get-Process -Id $c.OwningProcess -ErrorAction SilentlyContinue
$site = $null
if ($c.OwningProcess -eq 4 -and (Get-Command Get-Website -ErrorAction SilentlyContinue)) {
  $site = (Get-Website | Where-Object { $_.State -eq 'Started' -and ($_.Bindings.Collection | Where-Object { $_.bindingInformation -match (':' + $in.port + ':') }) } | Select-Object -First 1).Name
}
$svc = (Get-CimInstance Win32_Service | Where-Object { $_.ProcessId -eq $c.OwningProcess -and $_.ProcessId -ne 0 } | Select-Object -First 1).Name
@{ inUse = $true; owner = @{ pid = $c.OwningProcess; process = $p.ProcessName; iisSite = $site; service = $svc } } | ConvertTo-Json -Compress`,

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
$hit = Get-ItemProperty $roots -ErrorAction SilentlyContinue | Where-Object { $_.DisplayName -like $in.pattern } | Select-Object -First 1
if (-not $hit) { '{"installed":false}'; exit 0 }
@{ installed = $true; version = [string]$hit.DisplayVersion; name = $hit.DisplayName; location = $hit.InstallLocation } | ConvertTo-Json -Compress`,

  registryValues: `${READ}
$out = @{}
foreach ($n in $in.names) { $v = (Get-ItemProperty -LiteralPath ('Registry::' + $in.key) -Name $n -ErrorAction SilentlyContinue).$n; if ($null -ne $v) { $out[$n] = $v } }
$out | ConvertTo-Json -Compress`,

  iisSnapshot: `${READ}
if (-not (Test-Path "$env:windir\\system32\\inetsrv\\appcmd.exe")) { '{"installed":false}'; exit 0 }
$xml = [xml](& "$env:windir\\system32\\inetsrv\\appcmd.exe" list config -section:system.applicationHost/sites /xml /config:*)
$pools = [xml](& "$env:windir\\system32\\inetsrv\\appcmd.exe" list apppool /xml)
$host_ = [xml](Get-Content "$env:windir\\system32\\inetsrv\\config\\applicationHost.config" -Raw)
@{ installed = $true; sitesXml = $xml.OuterXml; poolsXml = $pools.OuterXml; applicationHostXml = $host_.OuterXml; sslXml = ((& netsh http show sslcert) -join "\\n") } | ConvertTo-Json -Compress`,

  testMail: `${READ}
$p = Start-Process -FilePath $in.python -ArgumentList @($in.managepy, 'sendtestemail', '--admins') -WorkingDirectory (Split-Path $in.managepy) -NoNewWindow -Wait -PassThru
@{ sent = ($p.ExitCode -eq 0) } | ConvertTo-Json -Compress`,
} as const;
