import { z } from 'zod';

/** What the PDF check's render program reports (electron/steps/common/pdf-check.ts), on every host. */
export const pdfRenderResultSchema = z.object({
  chrome: z.string(),
  reportRoot: z.string(),
  problem: z.enum(['no-chrome', 'chrome-missing', 'spaces', 'render-failed']).optional(),
  error: z.string().optional(),
  /** What Chrome wrote to LOG_ROOT/report-stderr.txt during this render (tail). */
  stderr: z.string().optional(),
  pdf: z.string().optional(),
  size: z.number().optional(),
});
export type PdfRenderResult = z.infer<typeof pdfRenderResultSchema>;
