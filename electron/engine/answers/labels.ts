/**
 * Plain words for every answers path: the one table the wizard (labels, messages, review) and the
 * CLI (exit-64 report, preflight fixes) both use, so no person ever reads "site.httpPort".
 * Keys are dotted answers paths; array items (`site.hostNames.1`) use their list's label.
 */
export const FIELD_LABELS: Record<string, string> = {
  release: 'QATrack+ release',
  'paths.installDir': 'Program folder',
  'paths.dataDir': 'Data folder',
  'paths.bundleDir': 'Offline bundle folder',
  'paths.wheelhouseDir': 'Python packages folder',
  'paths.sourceArchive': 'QATrack+ source archive',
  'python.arch': 'Python bitness',
  'python.executable': 'Python program',
  'database.engine': 'Database engine',
  'database.mode': 'Database server choice',
  'database.server': 'SQL Server name',
  'database.instance': 'SQL Server instance',
  'database.port': 'SQL Server port',
  'database.authMode': 'How the installer signs in to SQL Server',
  'database.admin': 'SQL administrator login',
  'database.admin.user': 'SQL administrator login',
  'database.admin.password': 'SQL administrator password',
  'database.name': 'Database name',
  'database.login.user': 'QATrack+ database login',
  'database.login.password': 'QATrack+ database login password',
  'database.readonlyLogin.user': 'Read-only (reports) login',
  'database.readonlyLogin.password': 'Read-only (reports) login password',
  'database.provision': 'Create the database and logins',
  'admin.username': 'QATrack+ administrator user name',
  'admin.email': 'QATrack+ administrator e-mail',
  'admin.password': 'QATrack+ administrator password',
  'site.name': 'IIS site name',
  'site.hostNames': 'Host names',
  'site.httpPort': 'HTTP port',
  'site.defaultWebSite': "What to do with IIS's Default Web Site",
  'site.maxUploadMB': 'Largest upload (MB)',
  'site.https.enabled': 'Use HTTPS',
  'site.https.port': 'HTTPS port',
  'site.https.certificate': 'HTTPS certificate',
  'site.https.certificate.thumbprint': 'Certificate',
  'site.https.redirectHttp': 'Redirect HTTP to HTTPS',
  'workers.count': 'Number of workers',
  'workers.basePort': 'First worker port',
  serviceAccount: 'Service account',
  'serviceAccount.account': 'Service account',
  'serviceAccount.password': 'Service account password',
  'backup.enabled': 'Nightly backups',
  'backup.folder': 'Backup folder',
  'backup.retentionDays': 'Days to keep backups',
  'backup.time': 'Backup time',
  'email.enabled': 'Send e-mail',
  'email.smtpHost': 'Mail server',
  'email.smtpPort': 'Mail server port',
  'email.security': 'Mail connection security',
  'email.user': 'Mail server user',
  'email.password': 'Mail server password',
  'email.from': 'Sender address',
  'email.notificationSender': 'Sender of notifications',
  'email.serverEmail': 'Sender of server-error mail',
  'email.failSilently': 'Hide mail failures',
  'email.admins': 'People who get error mail',
  'chrome.mode': 'Chrome for PDF reports',
  'chrome.path': 'Chrome program',
  timeZone: 'Time zone',
  'signIn.kind': 'How people sign in',
  'signIn.ldapUrl': 'Directory server URL',
  'signIn.dnsName': 'Directory server DNS name',
  'signIn.searchDn': 'Where to look for users (search DN)',
  'signIn.nt4Domain': 'Sign-in domain (user@domain)',
  'signIn.caFile': "Directory server's CA certificate file",
  'signIn.mirrorGroups': 'Create QATrack+ groups from AD groups',
  'signIn.membershipRequired': 'AD groups allowed to sign in',
  'signIn.defaultGroups': 'QATrack+ groups for every new user',
  'signIn.accountNameAttribute': 'User name attribute',
  'signIn.bindUser': 'Directory lookup account',
  'signIn.bindPassword': 'Directory lookup account password',
  'signIn.server': 'ADFS server',
  'signIn.clientId': 'ADFS client ID',
  'signIn.relyingPartyId': 'ADFS relying party ID',
  'signIn.audience': 'ADFS audience',
  'signIn.claimMapping': 'ADFS claim mapping',
  'signIn.usernameClaim': 'ADFS user name claim',
  'signIn.groupsClaim': 'ADFS groups claim',
  'signIn.clientType': 'ADFS client type',
  'signIn.clientSecret': 'ADFS client secret',
};

/** The plain label of a dotted answers path; unknown paths fall back to their last word. */
export function labelOf(path: string): string {
  const direct = FIELD_LABELS[path];
  if (direct) return direct;
  // site.hostNames.1, email.admins.0.email ...
  const parts = path.split('.');
  for (let n = parts.length - 1; n > 0; n--) {
    const label = FIELD_LABELS[parts.slice(0, n).join('.')];
    if (label) return /^\d+$/.test(parts[n]!) ? `${label} (item ${Number(parts[n]) + 1})` : label;
  }
  return parts[parts.length - 1]!.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** "Data folder (paths.dataDir)": for answers-file readers, who need the path to find the field. */
export const labelWithPath = (path: string) => `${labelOf(path)} (${path})`;

/**
 * Where a problem is, for the CLI's report: "HTTP port (site.httpPort)" for an answers path, so a
 * person reads the words and an answers-file editor finds the key; command-line options as given.
 */
export function issuePlace(path: string): string {
  const root = path.split('.').slice(0, 2).join('.');
  const known = FIELD_LABELS[path] ?? FIELD_LABELS[root] ?? FIELD_LABELS[path.split('.')[0]!];
  return known ? labelWithPath(path) : path;
}
