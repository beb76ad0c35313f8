import { randomBytes } from 'node:crypto';
import { defineStep } from '../../engine/step.js';
import { shellArgs } from '../common/django-scripts.js';
import {
  pagesOf,
  pdfCheck,
  pdfRenderProgram,
  pdfRenderResultSchema,
  type PdfInspection,
  type PdfRenderResult,
} from '../common/pdf-check.js';

const parseLast = (stdout: string): PdfRenderResult | undefined => {
  try {
    const r = pdfRenderResultSchema.safeParse(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Verify only: a test PDF through QATrack+'s own renderer, as the workers' account. The posix
 * host's supervisor starts the workers with the installer's own credentials (no user switch,
 * electron/hosts/posix/supervisor.ts), and its exec queries run the same way with the same
 * environment (childEnv: QATRACK_SECRET_* stripped), so the render runs as the workers do:
 * venv Python, source folder, DJANGO_SETTINGS_MODULE, the site's local_settings.py.
 */
export const pdfStep = defineStep<null>({
  id: 'pdf-reports',
  title: 'PDF reports',
  dependsOn: ['django'],
  probe: () => Promise.resolve(null),
  plan: () => [],
  async verify(ctx) {
    const marker = `qatrack-pdf-check-${randomBytes(6).toString('hex')}`;
    const run = await ctx.host.query({
      kind: 'exec',
      file: ctx.layout.venvPython,
      args: [ctx.layout.managepy, ...shellArgs(pdfRenderProgram(marker))],
      cwd: ctx.layout.sourceDir,
      env: { DJANGO_SETTINGS_MODULE: 'qatrack.settings', PYTHONUNBUFFERED: '1' },
      timeoutMs: 120_000,
    });
    const r = run.exitCode === 0 ? parseLast(run.stdout) : undefined;
    if (!r?.pdf || r.problem) return [pdfCheck(r, run)];
    const [pdfinfo, text] = await Promise.all([
      ctx.host.query({ kind: 'exec', file: 'pdfinfo', args: [r.pdf], timeoutMs: 30_000 }),
      ctx.host.query({ kind: 'exec', file: 'pdftotext', args: ['-l', '1', r.pdf, '-'], timeoutMs: 30_000 }),
    ]);
    const inspection: PdfInspection = {
      counter: 'pdfinfo (poppler-utils)',
      ...(pdfinfo.notFound ? { missingTool: true } : {}),
      ...(pdfinfo.exitCode === 0 ? { pages: pagesOf(pdfinfo.stdout) } : {}),
      said: pdfinfo.stdout || pdfinfo.stderr,
      ...(text.exitCode === 0 ? { text: text.stdout } : {}),
    };
    return [pdfCheck(r, run, inspection, marker)];
  },
});
