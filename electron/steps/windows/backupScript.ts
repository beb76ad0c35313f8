/**
 * The nightly backup program run by Task Scheduler as SYSTEM. Fixed text: every value arrives as a
 * parameter, the database name becomes an identifier through QUOTENAME on the server, the backup
 * file is a SQL parameter, and the connection string is built by SqlConnectionStringBuilder.
 *
 * Media is zipped with .NET's ZipFile.CreateFromDirectory, not Compress-Archive: Compress-Archive
 * "uses the Microsoft .NET API System.IO.Compression.ZipArchive ... The maximum file size is 2 GB"
 * and its -Path takes wildcards, so a file named "scan [1].dcm" is matched as a pattern
 * (https://learn.microsoft.com/powershell/module/microsoft.powershell.archive/compress-archive).
 * CreateFromDirectory takes a literal folder and writes Zip64 for large entries (.NET Framework 4.5+,
 * https://learn.microsoft.com/dotnet/api/system.io.compression.zipfile.createfromdirectory). Every
 * other path goes through -LiteralPath or [IO.Directory].
 */
export const BACKUP_SCRIPT = `# QATrack+ nightly backup (written by the QATrack+ installer; holds no secrets)
param(
    [Parameter(Mandatory = $true)][string]$Server,
    [Parameter(Mandatory = $true)][string]$Database,
    [Parameter(Mandatory = $true)][string]$BackupDir,
    [Parameter(Mandatory = $true)][string]$MediaDir,
    [int]$RetentionDays = 14,
    [switch]$SkipDatabase
)
$ErrorActionPreference = 'Stop'
$target = [System.IO.Path]::Combine($BackupDir, (Get-Date -Format 'yyyy-MM-dd_HHmm'))
[void][System.IO.Directory]::CreateDirectory($target)
try {
    if (-not $SkipDatabase) {
        $builder = New-Object System.Data.SqlClient.SqlConnectionStringBuilder
        $builder['Data Source'] = $Server
        $builder['Initial Catalog'] = 'master'
        $builder['Integrated Security'] = $true
        $conn = New-Object System.Data.SqlClient.SqlConnection $builder.ConnectionString
        $conn.Open()
        try {
            $cmd = $conn.CreateCommand()
            $cmd.CommandTimeout = 0
            $cmd.CommandText = "DECLARE @sql nvarchar(max) = N'BACKUP DATABASE ' + QUOTENAME(@db) + N' TO DISK = @file WITH INIT, CHECKSUM;'; EXEC sys.sp_executesql @sql, N'@file nvarchar(4000)', @file = @file;"
            [void]$cmd.Parameters.AddWithValue('@db', $Database)
            [void]$cmd.Parameters.AddWithValue('@file', [System.IO.Path]::Combine($target, $Database + '.bak'))
            [void]$cmd.ExecuteNonQuery()
        } finally { $conn.Close() }
    }
    if ([System.IO.Directory]::Exists($MediaDir) -and [System.IO.Directory]::EnumerateFileSystemEntries($MediaDir).GetEnumerator().MoveNext()) {
        Add-Type -AssemblyName System.IO.Compression, System.IO.Compression.FileSystem
        $zip = [System.IO.Path]::Combine($target, 'media.zip')
        if ([System.IO.File]::Exists($zip)) { [System.IO.File]::Delete($zip) }
        [System.IO.Compression.ZipFile]::CreateFromDirectory($MediaDir, $zip, [System.IO.Compression.CompressionLevel]::Optimal, $false)
    }
    $limit = (Get-Date).AddDays(-$RetentionDays)
    Get-ChildItem -LiteralPath $BackupDir -Directory | Where-Object { $_.CreationTime -lt $limit } | ForEach-Object { Remove-Item -LiteralPath $_.FullName -Recurse -Force }
} catch {
    Write-Error $_
    exit 1
}
`;
