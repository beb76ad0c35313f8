/**
 * The nightly backup program run by Task Scheduler as SYSTEM. Fixed text: every value arrives as a
 * parameter, the database name becomes an identifier through QUOTENAME on the server, the backup
 * file is a SQL parameter, and the connection string is built by SqlConnectionStringBuilder.
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
$target = Join-Path $BackupDir (Get-Date -Format 'yyyy-MM-dd_HHmm')
New-Item -ItemType Directory -Force -Path $target | Out-Null
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
            [void]$cmd.Parameters.AddWithValue('@file', (Join-Path $target ($Database + '.bak')))
            [void]$cmd.ExecuteNonQuery()
        } finally { $conn.Close() }
    }
    if (Get-ChildItem -Path $MediaDir -Force -ErrorAction SilentlyContinue | Select-Object -First 1) {
        Compress-Archive -Path (Join-Path $MediaDir '*') -DestinationPath (Join-Path $target 'media.zip') -Force
    }
    $limit = (Get-Date).AddDays(-$RetentionDays)
    Get-ChildItem -Path $BackupDir -Directory | Where-Object { $_.CreationTime -lt $limit } | Remove-Item -Recurse -Force
} catch {
    Write-Error $_
    exit 1
}
`;
