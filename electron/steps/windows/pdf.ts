import { randomBytes } from 'node:crypto';
import { defineStep } from '../../engine/step.js';
import { askWindows } from '../../windows/topics.js';
import { pdfCheck } from '../common/pdf-check.js';

/** Long enough for a first Chrome start on a cold server, short of the verify's patience. */
const PDF_TIMEOUT_SECONDS = 90;

/**
 * Verify only: the test PDF rendered by a running worker service through QATrack+'s own renderer,
 * as the service's account (the watcher in the worker program, workerScript.ts), which is how
 * QATrack+ renders report PDFs and where a Chrome that works for the administrator fails (#835).
 */
export const pdfStep = defineStep<null>({
  id: 'win-pdf',
  title: 'PDF reports',
  dependsOn: ['win-services'],
  probe: () => Promise.resolve(null),
  plan: () => [],
  async verify(ctx) {
    const marker = `qatrack-pdf-check-${randomBytes(6).toString('hex')}`;
    const r = await askWindows(ctx.host, 'pdfCheck', {
      folder: ctx.layout.logDir,
      id: randomBytes(8).toString('hex'),
      marker,
      timeoutSeconds: PDF_TIMEOUT_SECONDS,
    });
    if (!r.answered)
      return [
        {
          id: 'pdf',
          title: 'PDF reports render (Chrome, as the workers run it)',
          ok: false,
          detail: `no worker answered the PDF check within ${PDF_TIMEOUT_SECONDS} seconds`,
          fix: 'Check that the QATrack+ Worker services run (repair starts them), then verify again.',
        },
      ];
    // No pdftotext on Windows: pages only, so a blank page is not told from a report here.
    return [
      pdfCheck(
        r.result,
        { exitCode: 0, stderr: '' },
        { counter: 'page objects', ...(typeof r.pages === 'number' ? { pages: r.pages } : {}) },
      ),
    ];
  },
});
