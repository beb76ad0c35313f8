import { secretText } from '../../electron/engine/answers/fields.js';
import { labelOf } from '../../electron/engine/answers/labels.js';
import { loadAnswers } from '../../electron/engine/answers/load.js';
import type { WizardMode } from '../../electron/ipc/contract.js';

/**
 * What the wizard's form holds. Field names follow the answers file's dotted paths wherever they
 * can, so the engine's messages land next to the right control.
 */
export interface WizardDraft {
  paths: { installDir: string; dataDir: string; bundleDir: string };
  database: {
    mode: 'existing' | 'express';
    server: string;
    instance: string;
    port: string;
    authMode: 'windows' | 'sql';
    admin: { user: string; password: string };
    name: string;
    login: { user: string; password: string };
    readonlyLogin: { user: string; password: string };
  };
  admin: { username: string; email: string; password: string };
  site: {
    hostNames: string;
    httpPort: string;
    /** '' until the person chooses (asked only when the Default Web Site holds a port we need). */
    defaultWebSite: '' | 'stop' | 'keep';
    https: { enabled: boolean; port: string; certMode: 'selfSigned' | 'thumbprint'; thumbprint: string };
  };
  workers: { count: string };
  email: {
    enabled: boolean;
    smtpHost: string;
    smtpPort: string;
    security: 'none' | 'starttls' | 'tls';
    user: string;
    password: string;
    from: string;
    /** Empty: the sender address above. */
    notificationSender: string;
    serverEmail: string;
    failSilently: boolean;
    /** Where "Send test mail" sends to; never part of the answers. */
    testTo: string;
    /** Who receives server-error mail, comma separated. */
    admins: string;
  };
  /**
   * Sign-in: local accounts or Active Directory here; 'kept' keeps the answers file's Windows
   * integrated or ADFS settings as they are. testUser/testPassword are for Test sign-in only.
   */
  signIn: {
    kind: 'local' | 'activeDirectory' | 'kept';
    ldapUrl: string;
    searchDn: string;
    nt4Domain: string;
    caFile: string;
    /** AD groups allowed to sign in, comma separated. */
    membershipRequired: string;
    testUser: string;
    testPassword: string;
  };
  /** Second entry of each password, never sent anywhere. */
  confirm: { dbAdmin: string; dbLogin: string; dbReadonly: string; admin: string };
  bundle: { outDir: string; arch: 'x64' | 'x86' };
}

/** Answers from the last run that the wizard does not show (e-mail, backups...), kept as they were. */
export type KeptAnswers = Record<string, unknown>;

export const defaultDraft = (hostName = 'qatrack'): WizardDraft => ({
  paths: { installDir: 'C:\\QATrack', dataDir: 'C:\\QATrackData', bundleDir: '' },
  database: {
    mode: 'existing',
    server: 'localhost',
    instance: '',
    port: '',
    authMode: 'windows',
    admin: { user: '', password: '' },
    name: 'qatrack',
    login: { user: 'qatrack', password: '' },
    readonlyLogin: { user: 'qatrack_reports', password: '' },
  },
  admin: { username: 'admin', email: '', password: '' },
  site: {
    hostNames: hostName,
    httpPort: '80',
    defaultWebSite: '',
    https: { enabled: false, port: '443', certMode: 'selfSigned', thumbprint: '' },
  },
  workers: { count: '2' },
  email: {
    enabled: false,
    smtpHost: '',
    smtpPort: '587',
    security: 'starttls',
    user: '',
    password: '',
    from: '',
    notificationSender: '',
    serverEmail: '',
    failSilently: false,
    testTo: '',
    admins: '',
  },
  signIn: {
    kind: 'local',
    ldapUrl: '',
    searchDn: '',
    nt4Domain: '',
    caFile: '',
    membershipRequired: '',
    testUser: '',
    testPassword: '',
  },
  confirm: { dbAdmin: '', dbLogin: '', dbReadonly: '', admin: '' },
  bundle: { outDir: 'C:\\qatrack-bundle', arch: 'x64' },
});

const groupList = (s: string) =>
  s
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);

/** The answers' signIn for the draft (the test user and password are never part of it). */
function signInAnswers(s: WizardDraft['signIn'], kept: Obj): Obj {
  if (s.kind === 'kept') return kept;
  if (s.kind === 'local') return { kind: 'local' };
  const same = kept.kind === 'activeDirectory' ? kept : {};
  const out: Obj = {
    ...same,
    kind: 'activeDirectory',
    ldapUrl: s.ldapUrl.trim(),
    searchDn: s.searchDn.trim(),
    nt4Domain: s.nt4Domain.trim(),
    membershipRequired: groupList(s.membershipRequired),
  };
  delete out.caFile;
  if (s.caFile.trim()) out.caFile = s.caFile.trim();
  return out;
}

const num = (s: string): number | string => (/^\d{1,6}$/.test(s.trim()) ? Number(s.trim()) : s);
const hostList = (s: string) =>
  s
    .split(/[\s,;]+/)
    .map((h) => h.trim())
    .filter(Boolean);

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** The answers the draft stands for, in the answers file's shape (secrets inline). */
export function draftToAnswers(d: WizardDraft, kept: KeptAnswers = {}): Obj {
  const keptDb = obj(kept.database);
  const db: Obj = {
    ...keptDb,
    engine: keptDb.engine ?? 'mssql',
    mode: d.database.mode,
    server: d.database.mode === 'express' ? 'localhost' : d.database.server.trim(),
    authMode: d.database.mode === 'express' ? 'windows' : d.database.authMode,
    name: d.database.name.trim(),
    login: { user: d.database.login.user.trim(), password: d.database.login.password },
    readonlyLogin: {
      user: d.database.readonlyLogin.user.trim(),
      password: d.database.readonlyLogin.password,
    },
  };
  delete db.instance;
  delete db.port;
  delete db.admin;
  if (d.database.instance.trim()) db.instance = d.database.instance.trim();
  if (d.database.mode === 'existing' && d.database.port.trim()) db.port = num(d.database.port);
  if (db.authMode === 'sql')
    db.admin = { user: d.database.admin.user.trim(), password: d.database.admin.password };
  const paths: Obj = {
    ...obj(kept.paths),
    installDir: d.paths.installDir.trim(),
    dataDir: d.paths.dataDir.trim(),
  };
  delete paths.bundleDir;
  if (d.paths.bundleDir.trim()) paths.bundleDir = d.paths.bundleDir.trim();
  const https = d.site.https;
  return {
    ...kept,
    paths,
    database: db,
    admin: { username: d.admin.username.trim(), email: d.admin.email.trim(), password: d.admin.password },
    site: {
      ...obj(kept.site),
      hostNames: hostList(d.site.hostNames),
      httpPort: num(d.site.httpPort),
      ...(d.site.defaultWebSite ? { defaultWebSite: d.site.defaultWebSite } : {}),
      https: {
        ...obj(obj(kept.site).https),
        enabled: https.enabled,
        port: num(https.port),
        ...(https.enabled
          ? {
              certificate:
                https.certMode === 'thumbprint'
                  ? { mode: 'thumbprint', thumbprint: https.thumbprint }
                  : { mode: 'selfSigned' },
            }
          : {}),
      },
    },
    workers: { ...obj(kept.workers), count: num(d.workers.count) },
    email: emailAnswers(d.email, obj(kept.email)),
    signIn: signInAnswers(d.signIn, obj(kept.signIn)),
  };
}

function emailAnswers(e: WizardDraft['email'], kept: Obj): Obj {
  // Names from the last answers are kept for addresses that stay; new ones are named by their mailbox.
  const keptNames = new Map(
    (Array.isArray(kept.admins) ? kept.admins : []).map((x) => [str(obj(x).email), str(obj(x).name)]),
  );
  const admins = hostList(e.admins).map((email) => ({
    name: keptNames.get(email) || email.split('@')[0] || email,
    email,
  }));
  if (!e.enabled) {
    const off: Obj = { ...kept, enabled: false, failSilently: e.failSilently, admins };
    delete off.useTls;
    return off;
  }
  const out: Obj = {
    ...kept,
    enabled: true,
    smtpHost: e.smtpHost.trim(),
    smtpPort: num(e.smtpPort),
    security: e.security,
    from: e.from.trim(),
    notificationSender: e.notificationSender.trim(),
    serverEmail: e.serverEmail.trim(),
    failSilently: e.failSilently,
    admins,
  };
  // Answers from before `security` replaced the STARTTLS switch.
  delete out.useTls;
  if (!out.notificationSender) delete out.notificationSender;
  if (!out.serverEmail) delete out.serverEmail;
  delete out.user;
  delete out.password;
  if (e.user.trim()) {
    out.user = e.user.trim();
    out.password = e.password;
  }
  if (!out.smtpHost) delete out.smtpHost;
  if (!out.from) delete out.from;
  return out;
}

/** Secret values by answers path; only these cross IPC, and only in plan/apply. */
export const SECRET_FIELDS = {
  'database.admin.password': 'database.admin.password',
  'database.login.password': 'database.login.password',
  'database.readonlyLogin.password': 'database.readonlyLogin.password',
  'admin.password': 'admin.password',
  'email.password': 'email.password',
} as const;

export function splitSecrets(
  d: WizardDraft,
  kept: KeptAnswers,
): { answers: Obj; secrets: Record<string, string> } {
  const answers = draftToAnswers(d, kept);
  const secrets: Record<string, string> = {};
  const take = (path: string, holder: Obj | undefined) => {
    if (holder && typeof holder.password === 'string') {
      if (holder.password) secrets[path] = holder.password;
      delete holder.password;
    }
  };
  const db = obj(answers.database);
  take('database.admin.password', db.admin as Obj | undefined);
  take('database.login.password', obj(db.login));
  take('database.readonlyLogin.password', obj(db.readonlyLogin));
  take('admin.password', obj(answers.admin));
  take('email.password', obj(answers.email));
  return { answers, secrets };
}

const str = (v: unknown, fallback = '') =>
  typeof v === 'string' || typeof v === 'number' ? String(v) : fallback;

/** The last run's answers (no secrets) back into a draft; passwords start empty. */
export function answersToDraft(a: Obj): { draft: WizardDraft; kept: KeptAnswers } {
  const d = defaultDraft();
  const paths = obj(a.paths);
  const db = obj(a.database);
  const admin = obj(a.admin);
  const site = obj(a.site);
  const https = obj(site.https);
  const cert = obj(https.certificate);
  d.paths = {
    installDir: str(paths.installDir, d.paths.installDir),
    dataDir: str(paths.dataDir, d.paths.dataDir),
    bundleDir: str(paths.bundleDir),
  };
  d.database = {
    ...d.database,
    mode: db.mode === 'express' ? 'express' : 'existing',
    server: str(db.server, 'localhost'),
    instance: str(db.instance),
    port: str(db.port),
    authMode: db.authMode === 'sql' ? 'sql' : 'windows',
    admin: { user: str(obj(db.admin).user), password: '' },
    name: str(db.name, 'qatrack'),
    login: { user: str(obj(db.login).user, 'qatrack'), password: '' },
    readonlyLogin: { user: str(obj(db.readonlyLogin).user, 'qatrack_reports'), password: '' },
  };
  d.admin = { username: str(admin.username, 'admin'), email: str(admin.email), password: '' };
  d.site = {
    hostNames: Array.isArray(site.hostNames) ? site.hostNames.map((h) => str(h)).join(', ') : '',
    httpPort: str(site.httpPort, '80'),
    defaultWebSite: '',
    https: {
      enabled: https.enabled === true,
      port: str(https.port, '443'),
      certMode: cert.mode === 'thumbprint' ? 'thumbprint' : 'selfSigned',
      thumbprint: str(cert.thumbprint),
    },
  };
  d.site.defaultWebSite =
    site.defaultWebSite === 'keep' ? 'keep' : site.defaultWebSite === 'stop' ? 'stop' : '';
  d.workers = { count: str(obj(a.workers).count, '2') };
  const signIn = obj(a.signIn);
  d.signIn = {
    ...d.signIn,
    kind:
      signIn.kind === 'activeDirectory'
        ? 'activeDirectory'
        : signIn.kind === 'windowsIntegrated' || signIn.kind === 'adfs'
          ? 'kept'
          : 'local',
    ldapUrl: str(signIn.ldapUrl),
    searchDn: str(signIn.searchDn),
    nt4Domain: str(signIn.nt4Domain),
    caFile: str(signIn.caFile),
    membershipRequired: Array.isArray(signIn.membershipRequired)
      ? signIn.membershipRequired.map((g) => str(g)).join(', ')
      : '',
  };
  const email = obj(a.email);
  d.email = {
    enabled: email.enabled === true,
    smtpHost: str(email.smtpHost),
    smtpPort: str(email.smtpPort, '587'),
    security:
      email.security === 'none' || email.security === 'tls'
        ? email.security
        : email.security === undefined && email.useTls === false
          ? 'none'
          : 'starttls',
    user: str(email.user),
    password: '',
    from: str(email.from),
    notificationSender: str(email.notificationSender),
    serverEmail: str(email.serverEmail),
    failSilently: email.failSilently === true,
    testTo: '',
    admins: Array.isArray(email.admins) ? email.admins.map((x) => str(obj(x).email)).join(', ') : '',
  };
  return { draft: d, kept: a };
}

export type PageId =
  | 'welcome'
  | 'check'
  | 'locations'
  | 'database'
  | 'accounts'
  | 'web'
  | 'mail'
  | 'signin'
  | 'bundle'
  | 'review'
  | 'progress'
  | 'finish';

export const PAGE_TITLES: Record<PageId, string> = {
  welcome: 'Welcome',
  check: 'Machine check',
  locations: 'Locations',
  database: 'Database',
  accounts: 'Accounts and passwords',
  web: 'Web site',
  mail: 'Mail',
  signin: 'Sign-in',
  bundle: 'Offline bundle',
  review: 'Review',
  progress: 'Progress',
  finish: 'Finish',
};

/** What the machine check found that changes what the wizard asks. */
export interface PageEnv {
  /** Ports held by IIS's Default Web Site (the Default Web Site choice applies to them). */
  defaultWebSitePorts: number[];
}
export const noEnv: PageEnv = { defaultWebSitePorts: [] };

/** Uninstall connects to SQL Server with the administrator's password only when it signs in with SQL. */
const uninstallNeedsPassword = (d?: WizardDraft) =>
  d?.database.mode === 'existing' && d.database.authMode === 'sql';

export function pagesFor(mode: WizardMode, d?: WizardDraft): PageId[] {
  switch (mode) {
    case 'install':
    case 'reconfigure':
      return [
        'welcome',
        'check',
        'locations',
        'database',
        'accounts',
        'web',
        'mail',
        'signin',
        'review',
        'progress',
        'finish',
      ];
    case 'repair':
      return ['welcome', 'check', 'accounts', 'review', 'progress', 'finish'];
    case 'uninstall':
      return uninstallNeedsPassword(d)
        ? ['welcome', 'check', 'accounts', 'review', 'progress', 'finish']
        : ['welcome', 'check', 'review', 'progress', 'finish'];
    case 'bundle':
      return ['welcome', 'bundle', 'progress', 'finish'];
    case 'upgrade':
      // As repair: only the passwords (pg_dump and the new release's settings need them).
      return ['welcome', 'accounts', 'review', 'progress', 'finish'];
  }
}

/** The Default Web Site holds a port these answers need, and nobody chose what happens to it yet. */
export const defaultWebSiteAsked = (d: WizardDraft, env: PageEnv) => {
  const ports = [Number(d.site.httpPort), ...(d.site.https.enabled ? [Number(d.site.https.port)] : [])];
  return ports.some((p) => env.defaultWebSitePorts.includes(p));
};

/** Form fields on each page (repair asks only for passwords; uninstall only for the one it uses). */
export function fieldsOn(page: PageId, mode: WizardMode, d: WizardDraft, env: PageEnv = noEnv): string[] {
  const passwordsOnly = mode === 'repair' || mode === 'uninstall' || mode === 'upgrade';
  switch (page) {
    case 'check':
      return (mode === 'install' || mode === 'reconfigure') && defaultWebSiteAsked(d, env)
        ? ['site.defaultWebSite']
        : [];
    case 'locations':
      return ['paths.installDir', 'paths.dataDir', 'paths.bundleDir'];
    case 'database': {
      const f = ['database.mode', 'database.name'];
      if (d.database.mode === 'express') return [...f, 'database.instance'];
      f.push('database.server', 'database.instance', 'database.port', 'database.authMode');
      if (d.database.authMode === 'sql')
        f.push('database.admin.user', 'database.admin.password', 'confirm.dbAdmin');
      return f;
    }
    case 'accounts': {
      const sqlAdmin = d.database.authMode === 'sql' && d.database.mode === 'existing';
      if (mode === 'uninstall') return sqlAdmin ? ['database.admin.password', 'confirm.dbAdmin'] : [];
      const pw = [
        'database.login.password',
        'confirm.dbLogin',
        'database.readonlyLogin.password',
        'confirm.dbReadonly',
        'admin.password',
        'confirm.admin',
      ];
      if (passwordsOnly) {
        const mail = d.email.enabled && d.email.user.trim() ? ['email.password'] : [];
        return sqlAdmin ? ['database.admin.password', 'confirm.dbAdmin', ...pw, ...mail] : [...pw, ...mail];
      }
      return ['database.login.user', 'database.readonlyLogin.user', 'admin.username', 'admin.email', ...pw];
    }
    case 'web': {
      const f = ['site.hostNames', 'site.httpPort', 'site.https.enabled', 'workers.count'];
      if (defaultWebSiteAsked(d, env)) f.push('site.defaultWebSite');
      if (d.site.https.enabled) f.push('site.https.port', 'site.https.certMode');
      if (d.site.https.enabled && d.site.https.certMode === 'thumbprint') f.push('site.https.thumbprint');
      return f;
    }
    case 'mail': {
      if (!d.email.enabled) return ['email.enabled', 'email.admins'];
      const f = [
        'email.enabled',
        'email.smtpHost',
        'email.smtpPort',
        'email.security',
        'email.user',
        'email.from',
        'email.notificationSender',
        'email.serverEmail',
        'email.failSilently',
      ];
      if (d.email.user.trim()) f.push('email.password');
      return [...f, 'email.admins'];
    }
    case 'signin':
      return d.signIn.kind === 'activeDirectory'
        ? [
            'signIn.kind',
            'signIn.ldapUrl',
            'signIn.searchDn',
            'signIn.nt4Domain',
            'signIn.caFile',
            'signIn.membershipRequired',
          ]
        : ['signIn.kind'];
    case 'bundle':
      return ['bundle.outDir'];
    default:
      return [];
  }
}

/** Where an answers-schema issue is shown. */
export function fieldForIssue(path: string): string {
  if (/^site\.hostNames(\.\d+)?$/.test(path)) return 'site.hostNames';
  if (path === 'site.https.certificate.thumbprint') return 'site.https.thumbprint';
  if (path === 'site.https.certificate') return 'site.https.certMode';
  if (path === 'workers.basePort') return 'workers.count';
  if (path === 'database.admin') return 'database.admin.user';
  if (/^email\.admins(\.\d+(\.\w+)?)?$/.test(path)) return 'email.admins';
  if (/^signIn\.membershipRequired(\.\d+)?$/.test(path)) return 'signIn.membershipRequired';
  return path;
}

const CONFIRMS: [string, string][] = [
  // The mail password has no confirmation: the mail administrator gives it, and the test mail proves it.
  ['confirm.dbAdmin', 'database.admin.password'],
  ['confirm.dbLogin', 'database.login.password'],
  ['confirm.dbReadonly', 'database.readonlyLogin.password'],
  ['confirm.admin', 'admin.password'],
];

const getPath = (o: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => obj(v)[k], o);

const capital = (s: string) =>
  /^is required$/i.test(s) ? 'Required' : s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Problems with the fields of one page, by field name. The messages come from the engine's answers
 * schema through `loadAnswers` (the CLI's own check), plus the password confirmations.
 */
export function pageIssues(
  d: WizardDraft,
  kept: KeptAnswers,
  page: PageId,
  mode: WizardMode,
  env: PageEnv = noEnv,
): Map<string, string> {
  const fields = new Set(fieldsOn(page, mode, d, env));
  const out = new Map<string, string>();
  if (!fields.size) return out;
  if (page === 'bundle') {
    if (!/^(?:[A-Za-z]:\\|\/)[A-Za-z0-9._\-\\/:]*$/.test(d.bundle.outDir))
      out.set('bundle.outDir', 'Must be an absolute folder such as E:\\qatrack-bundle');
    return out;
  }
  // zod runs cross-field checks only once every field parses, so empty passwords would hide them.
  // Other fields are judged with empty passwords filled by a valid placeholder; passwords as typed.
  const passwords = new Set([...CONFIRMS.map(([, p]) => p), 'email.password']);
  const filled = structuredClone(d);
  for (const password of passwords) {
    const keys = password.split('.');
    const holder = obj(keys.slice(0, -1).reduce<unknown>((v, k) => obj(v)[k], filled));
    const key = keys[keys.length - 1]!;
    if (!holder[key]) holder[key] = 'placeholder-secret-8';
  }
  const collect = (draft: WizardDraft, want: (field: string) => boolean) => {
    const r = loadAnswers(draftToAnswers(draft, kept));
    if (r.ok) return;
    for (const issue of r.issues) {
      const field = fieldForIssue(issue.path);
      if (fields.has(field) && want(field) && !out.has(field)) out.set(field, capital(issue.message));
    }
  };
  collect(filled, (f) => !passwords.has(f));
  if (fields.has('site.defaultWebSite') && !d.site.defaultWebSite)
    out.set(
      'site.defaultWebSite',
      `Choose what happens to IIS's Default Web Site: it holds port ${[d.site.httpPort, d.site.https.enabled ? d.site.https.port : ''].filter((p) => env.defaultWebSitePorts.includes(Number(p))).join(' and ')}`,
    );
  // Passwords: the loader's own rule for secret text (the union's generic message says less).
  for (const password of passwords) {
    if (!fields.has(password)) continue;
    const value = getPath(d, password);
    const checked = secretText.safeParse(value ?? '');
    if (!value) out.set(password, 'Required');
    else if (!checked.success)
      out.set(password, capital(checked.error.issues[0]?.message ?? 'is not allowed'));
  }
  for (const [confirm, password] of CONFIRMS) {
    if (!fields.has(confirm) || out.has(password)) continue;
    if (getPath(d, confirm) !== getPath(d, password)) out.set(confirm, 'The two passwords do not match');
  }
  return out;
}

/** A rough strength for people (length and variety); the schema's rules are what is enforced. */
export function passwordStrength(pw: string): { score: number; label: string } {
  if (!pw) return { score: 0, label: 'Not set' };
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((r) => r.test(pw)).length;
  const score = Math.min(4, Math.floor(pw.length / 6) + classes - 1);
  return {
    score: Math.max(0, score),
    label: ['Very weak', 'Weak', 'Fair', 'Good', 'Strong'][Math.max(0, score)]!,
  };
}

/** Wizard-only fields, in words; answers paths come from the engine's one labels table. */
const DRAFT_LABELS: Record<string, string> = {
  'confirm.dbAdmin': 'Confirm SQL administrator password',
  'confirm.dbLogin': 'Confirm QATrack+ database login password',
  'confirm.dbReadonly': 'Confirm read-only login password',
  'confirm.admin': 'Confirm administrator password',
  'site.https.certMode': 'Certificate',
  'site.https.thumbprint': 'Certificate',
  'bundle.outDir': 'Bundle folder',
  'bundle.arch': 'Python for',
};
export const fieldLabel = (path: string) => DRAFT_LABELS[path] ?? labelOf(path);

/** The wizard page that asks for an answers path (for "Go to ..." buttons). */
export function pageOfField(path: string): PageId | undefined {
  if (path.startsWith('paths.')) return 'locations';
  if (/^database\.(login|readonlyLogin)|^admin\.|^confirm\./.test(path)) return 'accounts';
  if (path.startsWith('database.')) return 'database';
  if (path.startsWith('site.') || path.startsWith('workers.')) return 'web';
  if (path.startsWith('email.')) return 'mail';
  if (path.startsWith('signIn.')) return 'signin';
  return undefined;
}
