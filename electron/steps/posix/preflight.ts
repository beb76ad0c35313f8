import { InputError } from '../../engine/errors.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { MIN_PYTHON, probePython } from '../common/python.js';
import { probeSource } from '../common/source.js';
import { listWheelhouse } from '../common/wheelhouse.js';
import { PROXY_SERVICE, workerPorts } from './names.js';
import { findNginx, NGINX_CANDIDATES } from './proxy.js';

interface Problem {
  path: string;
  message: string;
  code: string;
}

/** The nearest existing folder at or above `p`, and whether we may write there. */
async function nearestExisting(ctx: StepContext, p: string) {
  let current = p;
  for (;;) {
    const f = await ctx.host.query({ kind: 'file', path: current });
    if (f.exists) return { path: current, type: f.type, writable: f.writable !== false };
    const parent = ctx.layout.join(current, '..');
    if (parent === current) return undefined;
    current = parent;
  }
}

async function folderProblems(ctx: StepContext): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const [field, dir] of [
    ['paths.installDir', ctx.layout.installDir],
    ['paths.dataDir', ctx.layout.dataDir],
  ] as const) {
    const at = await nearestExisting(ctx, dir);
    if (at && at.type !== 'dir')
      problems.push({
        code: 'PATH_NOT_A_FOLDER',
        path: field,
        message: `${at.path} is a file, not a folder`,
      });
    else if (!at || !at.writable)
      problems.push({
        code: 'PATH_NOT_WRITABLE',
        path: field,
        message: `${at?.path ?? dir} is not writable for the installer`,
      });
  }
  return problems;
}

/** A port is fine when free, or when the service of ours that should hold it is running. */
async function portProblems(ctx: StepContext): Promise<Problem[]> {
  const wanted = [
    { field: 'site.httpPort', port: ctx.answers.site.httpPort, service: PROXY_SERVICE },
    ...workerPorts(ctx).map((w) => ({ field: 'workers.basePort', port: w.port, service: w.name })),
  ];
  const checks = await Promise.all(
    wanted.map(async (w) => {
      // Our own running service holds it: fine (and no need to search /proc for the holder).
      const svc = await ctx.host.query({ kind: 'service', name: w.service });
      if (svc.exists && svc.state === 'running') return undefined;
      const port = await ctx.host.query({ kind: 'port', port: w.port, address: '127.0.0.1' });
      if (!port.inUse) return undefined;
      const who = port.owner?.pid ? ` by ${port.owner.process ?? 'a process'} (pid ${port.owner.pid})` : '';
      return {
        code: 'PORT_IN_USE',
        path: w.field,
        message: `port ${w.port} on 127.0.0.1 is already in use${who}`,
      };
    }),
  );
  return checks.filter((c): c is Problem => c !== undefined);
}

/** Python, release archive, wheelhouse and nginx: the inputs every later step needs. */
async function inputProblems(ctx: StepContext): Promise<Problem[]> {
  const [python, source, wheelhouse, nginx] = await Promise.all([
    probePython(ctx),
    probeSource(ctx),
    listWheelhouse(ctx),
    findNginx(ctx),
  ]);
  const problems: Problem[] = [];
  if (ctx.answers.database.provision)
    problems.push({
      code: 'PROVISION_UNSUPPORTED',
      path: 'database.provision',
      message:
        'must be false on posix: the posix profile uses a database and logins prepared by a DBA (it never runs SQL built from answers)',
    });
  if (!python.found)
    problems.push({
      code: 'PYTHON_MISSING',
      path: 'python.executable',
      message: `${ctx.layout.pythonExe} does not run (Python ${MIN_PYTHON.join('.')} or newer is needed)`,
    });
  if (source.issue)
    problems.push({ code: 'SOURCE_MISSING', path: 'paths.sourceArchive', message: source.issue });
  if ('issue' in wheelhouse)
    problems.push({ code: 'WHEELHOUSE_MISSING', path: 'paths.wheelhouseDir', message: wheelhouse.issue });
  if (!nginx)
    problems.push({
      code: 'NGINX_MISSING',
      path: 'site',
      message: `nginx is needed as the reverse proxy; not found in ${NGINX_CANDIDATES.join(', ')}`,
    });
  return problems;
}

const PG_DEFAULT_PORT = 5432;

/**
 * The database a DBA prepared, proved with the logins QATrack+ will use: the application login
 * connects and creates a table (in a transaction rolled back), the reports login connects. Each
 * failure says exactly what the DBA must grant. SQLSTATEs: PostgreSQL's Appendix A "Error Codes".
 */
async function databaseProblems(ctx: StepContext): Promise<Problem[]> {
  const db = ctx.answers.database;
  if (db.engine !== 'postgresql' || db.provision) return [];
  const where = `${db.server}:${db.port ?? PG_DEFAULT_PORT}`;
  const logins = [
    { field: 'database.login', login: db.login, checks: ['createTable' as const] },
    { field: 'database.readonlyLogin', login: db.readonlyLogin, checks: [] },
  ];
  const problems: Problem[] = [];
  for (const l of logins) {
    const r = await ctx.host.query({
      kind: 'database',
      engine: 'postgresql',
      server: db.server,
      port: db.port,
      database: db.name,
      user: l.login.user,
      password: l.login.password,
      checks: l.checks,
    });
    if (!r.supported || r.ok) continue;
    const user = l.login.user;
    if (r.sqlstate === '3D000') {
      problems.push({
        code: 'DATABASE_MISSING',
        path: 'database.name',
        message: `database "${db.name}" does not exist on ${where}: ask the DBA to create it (CREATE DATABASE ${db.name} OWNER ${db.login.user};) or correct database.name`,
      });
      break;
    }
    if (r.sqlstate === '28P01' || r.sqlstate === '28000')
      problems.push({
        code: 'DATABASE_LOGIN_REFUSED',
        path: `${l.field}.password`,
        message: `PostgreSQL on ${where} refused the login "${user}" for database "${db.name}" (wrong password, no such role, or no pg_hba.conf entry): check ${l.field}`,
      });
    else if (r.sqlstate === '42501' && r.stage === 'connect')
      problems.push({
        code: 'DATABASE_NO_CONNECT',
        path: `${l.field}.user`,
        message: `login "${user}" may not connect to database "${db.name}": ask the DBA to run GRANT CONNECT ON DATABASE ${db.name} TO ${user};`,
      });
    else if (r.sqlstate === '42501' && r.stage === 'createTable')
      problems.push({
        code: 'DATABASE_NO_CREATE',
        path: `${l.field}.user`,
        message: `login "${user}" cannot create tables in schema public of database "${db.name}" (PostgreSQL 15 and later grant no CREATE on schema public by default), so migrate would fail: ask the DBA to run, connected to ${db.name}, GRANT CREATE ON SCHEMA public TO ${user}; (or make ${user} the owner of the database)`,
      });
    else if (r.stage === 'connect' && !r.sqlstate) {
      problems.push({
        code: 'DATABASE_UNREACHABLE',
        path: 'database.server',
        message: `cannot reach PostgreSQL at ${where}: ${r.message}`,
      });
      break;
    } else
      problems.push({
        code: 'DATABASE_CHECK_FAILED',
        path: l.field,
        message: `the ${r.stage === 'connect' ? 'connection' : 'table-creation check'} as "${user}" failed${r.sqlstate ? ` (SQLSTATE ${r.sqlstate})` : ''}: ${r.message}`,
      });
  }
  return problems;
}

/**
 * Checks the machine before anything changes: Python, release archive, wheelhouse and nginx present,
 * target folders writable, ports free (or held by this installation's own services), the database
 * there and usable by both logins. Problems are bad input, found before anything changes.
 */
export const preflightStep = defineStep<Problem[]>({
  id: 'preflight',
  title: 'Pre-flight checks (folders, ports, database)',
  dependsOn: [],
  probe: async (ctx) => {
    const all = await Promise.all([
      inputProblems(ctx),
      folderProblems(ctx),
      portProblems(ctx),
      databaseProblems(ctx),
    ]);
    return all.flat();
  },
  plan(_ctx, problems) {
    if (problems.length === 0) return [];
    throw new InputError(
      problems[0]!.code,
      `The machine is not ready: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}.`,
      problems.map(({ path, message }) => ({ path, message })),
      'Fix each item listed, then run the command again.',
    );
  },
});
