import type { ActionInput } from '../../engine/actions/index.js';
import type { Answers } from '../../engine/answers/index.js';
import type { Layout } from '../../engine/layout.js';
import type { FileResult, ServiceResult } from '../../engine/queries.js';
import { z } from 'zod';
import { defineStep, type StepContext } from '../../engine/step.js';
import {
  artifact,
  maxUploadBytes,
  serviceAccount,
  serviceLogDir,
  serviceNames,
  sqlIsLocal,
  sqlServiceName,
  TASKS_SERVICE,
  workers,
  workerScript,
} from '../../windows/names.js';
import { askWindows } from '../../windows/topics.js';
import { sha256, winswXml, type WinswSpec } from './winswXml.js';
import { WORKER_SCRIPT } from './workerScript.js';

/**
 * N `QATrack+ Worker N` services (cheroot on 127.0.0.N:basePort+N) and one `QATrack+ Tasks` service
 * (manage.py qcluster), each a WinSW v2 wrapper: restart on failure with back-off, logs rolled by
 * size, delayed auto-start, and its own virtual account (NT SERVICE\<name>) unless a user is given.
 */

export interface ServiceDef {
  spec: WinswSpec;
  xml: string;
  hash: string;
  xmlPath: string;
  wrapperExe: string;
  account: string;
  port?: number;
  address?: string;
}

export function serviceDefs(a: Answers, layout: Layout): ServiceDef[] {
  const depends = sqlIsLocal(a) ? [sqlServiceName(a)] : [];
  const env = { DJANGO_SETTINGS_MODULE: 'qatrack.settings', PYTHONUNBUFFERED: '1' };
  const common = {
    executable: layout.venvPython,
    workingDirectory: layout.sourceDir,
    env,
    depends,
    logDir: serviceLogDir(layout),
  };
  const specs: (WinswSpec & { port?: number; address?: string })[] = workers(a).map((w) => ({
    ...common,
    id: w.name,
    name: w.displayName,
    description: `QATrack+ web worker (cheroot) on ${w.address}:${w.port}, behind IIS`,
    arguments: [
      workerScript(layout),
      '--source',
      layout.sourceDir,
      '--address',
      w.address,
      '--port',
      String(w.port),
      '--max-body',
      String(maxUploadBytes(a)),
      // The installer's PDF check is answered by a worker, as its account (steps/windows/pdf.ts).
      '--pdf-check-dir',
      layout.logDir,
    ],
    port: w.port,
    address: w.address,
  }));
  specs.push({
    ...common,
    id: TASKS_SERVICE,
    name: 'QATrack+ Tasks',
    description: 'QATrack+ background tasks (django-q cluster: scheduled notices and reports)',
    arguments: [layout.managepy, 'qcluster'],
  });
  return specs.map(({ port, address, ...spec }) => {
    const xml = winswXml(spec);
    return {
      spec,
      xml,
      hash: sha256(xml),
      xmlPath: layout.join(layout.servicesDir, `${spec.id}.xml`),
      wrapperExe: layout.join(layout.servicesDir, `${spec.id}.exe`),
      account: serviceAccount(a, spec.id),
      port,
      address,
    };
  });
}

interface ServiceProbe {
  name: string;
  xml: FileResult;
  exe: FileResult;
  service: ServiceResult;
  account?: string;
}
interface ServicesProbe {
  script: FileResult;
  dirs: Record<string, boolean>;
  services: ServiceProbe[];
  /** serviceAccount.kind "user": does the account hold "Log on as a service"? */
  logonRight?: boolean;
  /** stateDir\logon-right.json: the installer granted the right (so uninstall takes it back). */
  logonRecord: FileResult;
}

/**
 * "Log on as a service" for a user account. Win32_Service.Change (what setAccount runs) does not
 * grant it, so the first start fails with 1069 (sources beside the winService action schema). The
 * installer grants it like WinSW's <allowservicelogon> and DSC's Service resource do, and records
 * that it did, so uninstall revokes only a right it granted (not one a Group Policy gave).
 */
export const logonRightRecordPath = (l: Layout) => l.join(l.stateDir, 'logon-right.json');
const logonRecordSchema = z.object({ account: z.string().min(1) }).strict();
const readLogonRecord = (f: FileResult) => {
  if (!f.exists || !('content' in f) || typeof f.content !== 'string') return undefined;
  try {
    const r = logonRecordSchema.safeParse(JSON.parse(f.content));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
};

const dirsFor = (l: Layout) => [l.servicesDir, serviceLogDir(l)];

async function probeServices(ctx: StepContext): Promise<ServicesProbe> {
  const { host, layout } = ctx;
  const dirs: Record<string, boolean> = {};
  for (const d of dirsFor(layout)) dirs[d] = (await host.query({ kind: 'file', path: d })).exists;
  const services = await Promise.all(
    serviceDefs(ctx.answers, layout).map(async (d) => {
      const service = await host.query({ kind: 'service', name: d.spec.id });
      const account = service.exists
        ? (await askWindows(host, 'winService', { name: d.spec.id })).account
        : undefined;
      return {
        name: d.spec.id,
        xml: await host.query({ kind: 'file', path: d.xmlPath, sha256: true }),
        exe: await host.query({ kind: 'file', path: d.wrapperExe }),
        service,
        account,
      };
    }),
  );
  const a = ctx.answers;
  return {
    script: await host.query({ kind: 'file', path: workerScript(layout), sha256: true }),
    dirs,
    services,
    logonRight:
      a.serviceAccount.kind === 'user'
        ? (await askWindows(host, 'logonRight', { account: a.serviceAccount.account })).granted
        : undefined,
    logonRecord: await host.query({ kind: 'file', path: logonRightRecordPath(layout), content: true }),
  };
}

const sameAccount = (a?: string, b?: string) => !!a && !!b && a.toLowerCase() === b.toLowerCase();

export const servicesStep = defineStep<ServicesProbe>({
  id: 'win-services',
  title: 'QATrack+ services (WinSW)',
  dependsOn: ['win-python', 'django'],
  probe: probeServices,
  plan(ctx, p) {
    const { answers: a, layout, release } = ctx;
    const actions: ActionInput[] = [];
    for (const d of dirsFor(layout))
      if (!p.dirs[d]) actions.push({ kind: 'mkdir', describe: `Create folder ${d}`, path: d });
    const script = workerScript(layout);
    const scriptChanged =
      !p.script.exists || !('sha256' in p.script) || p.script.sha256 !== sha256(WORKER_SCRIPT);
    if (scriptChanged)
      actions.push({
        kind: 'writeFile',
        describe: `Write the worker program ${script}`,
        path: script,
        content: [WORKER_SCRIPT],
      });
    if (a.serviceAccount.kind === 'user' && p.logonRight === false) {
      const account = a.serviceAccount.account;
      const record = logonRightRecordPath(layout);
      if (!readLogonRecord(p.logonRecord))
        actions.push({
          kind: 'writeFile',
          describe: `Record that the installer grants "Log on as a service" to ${account} (${record}), so uninstall revokes it`,
          path: record,
          content: [`${JSON.stringify({ account })}\n`],
        });
      actions.push({
        kind: 'winService',
        describe: `Grant ${account} "Log on as a service" (SeServiceLogonRight); without it the services fail to start with error 1069`,
        op: 'grantLogonRight',
        name: serviceNames(a).join(', '),
        account,
      });
    }
    const winsw = artifact(release, 'winsw');
    for (const d of serviceDefs(a, layout)) {
      const s = p.services.find((x) => x.name === d.spec.id)!;
      const id = d.spec.id;
      const label = `${d.spec.name} (${id})`;
      const xmlChanged = !s.xml.exists || s.xml.sha256 !== d.hash;
      if (xmlChanged)
        actions.push({
          kind: 'writeFile',
          describe: `Write service definition ${d.xmlPath}`,
          path: d.xmlPath,
          content: [d.xml],
        });
      if (!s.exe.exists)
        actions.push({
          kind: 'copy',
          describe: `Copy WinSW 2.12 to ${d.wrapperExe}`,
          from: winsw,
          to: d.wrapperExe,
        });
      let fresh = !s.service.exists;
      if (s.service.exists && (xmlChanged || scriptChanged)) {
        // SCM keeps name, start mode, dependencies and account from install time: re-register.
        if (s.service.state === 'running')
          actions.push({ kind: 'winService', describe: `Stop service ${label}`, op: 'stop', name: id });
        actions.push({
          kind: 'winService',
          describe: `Unregister service ${label} to apply its new definition`,
          op: 'uninstall',
          name: id,
          wrapperExe: d.wrapperExe,
        });
        fresh = true;
      }
      if (fresh)
        actions.push({
          kind: 'winService',
          describe: `Register service ${label}${d.port ? ` on ${d.address}:${d.port}` : ''}: delayed auto-start, restart on failure, logs in ${d.spec.logDir}`,
          op: 'install',
          name: id,
          wrapperExe: d.wrapperExe,
          displayName: d.spec.name,
          file: d.spec.executable,
          args: d.spec.arguments,
          cwd: d.spec.workingDirectory,
          port: d.port,
          address: d.address,
          logDir: d.spec.logDir,
          specHash: d.hash,
        });
      if (fresh || !sameAccount(s.account, d.account))
        actions.push({
          kind: 'winService',
          describe: `Run service ${id} as ${d.account}`,
          op: 'setAccount',
          name: id,
          account: d.account,
          password: a.serviceAccount.kind === 'user' ? { $secret: 'serviceAccount.password' } : undefined,
        });
      if (fresh || (s.service.exists && s.service.state !== 'running'))
        actions.push({ kind: 'winService', describe: `Start service ${label}`, op: 'start', name: id });
    }
    return actions;
  },
  async verify(ctx) {
    const p = await probeServices(ctx);
    const defs = serviceDefs(ctx.answers, ctx.layout);
    const sa = ctx.answers.serviceAccount;
    const right =
      sa.kind === 'user'
        ? [
            {
              id: 'service.logonRight',
              title: `${sa.account} may log on as a service`,
              ok: p.logonRight === true,
              detail: p.logonRight
                ? 'SeServiceLogonRight granted'
                : 'SeServiceLogonRight missing (services fail with 1069)',
              fix: p.logonRight
                ? undefined
                : 'Run repair, or grant "Log on as a service" in Local Security Policy (a Group Policy may remove it again).',
            },
          ]
        : [];
    return right.concat(
      p.services.map((s) => {
        const d = defs.find((x) => x.spec.id === s.name)!;
        const running = s.service.exists && s.service.state === 'running';
        const accountOk = sameAccount(s.account, d.account);
        return {
          id: `service.${s.name}`,
          title: d.spec.name,
          ok: running && accountOk,
          detail: !s.service.exists
            ? 'not installed'
            : `${s.service.state}, runs as ${s.account ?? 'unknown'}`,
          fix: running && accountOk ? undefined : 'Run repair; see the service logs in ' + d.spec.logDir,
        };
      }),
    );
  },
  planUninstall(ctx, p) {
    const actions: ActionInput[] = [];
    const granted = readLogonRecord(p.logonRecord);
    for (const d of serviceDefs(ctx.answers, ctx.layout)) {
      const s = p.services.find((x) => x.name === d.spec.id)!;
      if (s.service.exists) {
        if (s.service.state === 'running')
          actions.push({
            kind: 'winService',
            describe: `Stop service ${d.spec.id}`,
            op: 'stop',
            name: d.spec.id,
          });
        actions.push({
          kind: 'winService',
          describe: `Unregister service ${d.spec.id}`,
          op: 'uninstall',
          name: d.spec.id,
          wrapperExe: d.wrapperExe,
        });
      }
      if (s.xml.exists) actions.push({ kind: 'remove', describe: `Delete ${d.xmlPath}`, path: d.xmlPath });
      if (s.exe.exists)
        actions.push({ kind: 'remove', describe: `Delete ${d.wrapperExe}`, path: d.wrapperExe });
    }
    if (granted) {
      actions.push({
        kind: 'winService',
        describe: `Revoke "Log on as a service" from ${granted.account} (the installer granted it)`,
        op: 'revokeLogonRight',
        name: serviceNames(ctx.answers).join(', '),
        account: granted.account,
      });
      const record = logonRightRecordPath(ctx.layout);
      actions.push({ kind: 'remove', describe: `Delete ${record}`, path: record });
    }
    return actions;
  },
});
