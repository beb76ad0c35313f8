import type { ActionInput, ServiceSpec } from '../../engine/actions/index.js';
import { serviceSpecHash } from '../../engine/actions/spec-hash.js';
import type { ServiceResult } from '../../engine/queries.js';
import { defineStep, type StepContext } from '../../engine/step.js';
import { TASKS_SERVICE } from './names.js';
import { configStamp } from './workers.js';

/**
 * QATrack+'s task cluster (`manage.py qcluster`, django-q 1.3.4 on the ORM broker: settings.py
 * Q_CLUSTER) as a supervised service, as the Windows profile's "QATrack+ Tasks" service: it runs
 * the scheduled notifications and reports. Restarted when the release or local_settings.py changes.
 */
export function tasksSpec(ctx: StepContext, stamp: string): ServiceSpec {
  const { layout } = ctx;
  return {
    name: TASKS_SERVICE,
    displayName: 'QATrack+ Tasks',
    description: 'QATrack+ task cluster (django-q: manage.py qcluster)',
    file: layout.venvPython,
    args: [layout.managepy, 'qcluster'],
    cwd: layout.sourceDir,
    env: { DJANGO_SETTINGS_MODULE: 'qatrack.settings', PYTHONUNBUFFERED: '1', QATRACK_CONFIG: stamp },
    logDir: layout.logDir,
  };
}

export interface TasksProbe {
  stamp: string;
  service: ServiceResult;
}

export const tasksStep = defineStep<TasksProbe>({
  id: 'tasks',
  title: 'QATrack+ task cluster (django-q qcluster)',
  dependsOn: ['django', 'preflight'],
  probe: async (ctx) => {
    const [stamp, service] = await Promise.all([
      configStamp(ctx),
      ctx.host.query({ kind: 'service', name: TASKS_SERVICE }),
    ]);
    return { stamp, service };
  },
  plan(ctx, p): ActionInput[] {
    const spec = tasksSpec(ctx, p.stamp);
    const upToDate = p.service.exists && p.service.specHash === serviceSpecHash(spec);
    if (upToDate && p.service.exists && p.service.state === 'running') return [];
    return [
      upToDate
        ? { kind: 'service', op: 'start', name: TASKS_SERVICE, describe: `Start ${spec.displayName}` }
        : {
            kind: 'service',
            op: 'ensure',
            name: TASKS_SERVICE,
            spec,
            describe: `${p.service.exists ? 'Update and restart' : 'Create and start'} ${spec.displayName} (manage.py qcluster)`,
          },
    ];
  },
  planUninstall: (_ctx, p) =>
    p.service.exists
      ? [{ kind: 'service', op: 'remove', name: TASKS_SERVICE, describe: 'Stop and remove QATrack+ Tasks' }]
      : [],
  async verify(ctx) {
    const s = await ctx.host.query({ kind: 'service', name: TASKS_SERVICE });
    const running = s.exists && s.state === 'running';
    return [
      {
        id: 'tasks',
        title: 'QATrack+ Tasks (qcluster) is running',
        ok: running,
        detail: s.exists ? s.state : 'not installed',
        fix: running
          ? undefined
          : `Run \`repair\`; see ${TASKS_SERVICE}.log and django-q.log in ${ctx.layout.logDir}.`,
      },
    ];
  },
});
