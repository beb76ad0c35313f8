import type { PdfRenderResult } from '../../engine/pdf-result.js';
import type { Check } from '../../engine/step.js';
import { pyStr } from './python-literal.js';

/**
 * The PDF check: QATrack+ renders its PDF reports with `qatrack.qatrack_core.utils.chrometopdf`
 * (3.1.1.4, qatrack_core/utils.py L11-59). It writes the report's HTML to TMP_REPORT_ROOT
 * (MEDIA_ROOT/reports, settings.py L761), runs
 *   [CHROME_PATH, '--headless', '--disable-gpu', '--no-sandbox', '--print-to-pdf=<html>.pdf', 'file://<html>']
 * (L27-34), joined with single spaces and unquoted on Windows (L36-37), with Chrome's stdout and
 * stderr appended to LOG_ROOT/report-stdout.txt and report-stderr.txt (L39-41), then reads the PDF
 * back. Any OSError (Chrome missing, and also no PDF written) becomes "chrome '...' executable not
 * found" (L47-48), so the check tells those apart itself and keeps Chrome's stderr.
 *
 * The check runs QATrack+'s own function inside QATrack+'s own Django (`manage.py shell -c`), as the
 * account the workers run as, on a page carrying a marker; then pdfinfo counts the pages and
 * pdftotext finds the marker (a PDF with a page but without the text is the blank PDF of #659).
 */

/** The file the check leaves in TMP_REPORT_ROOT (overwritten each time). */
export const PDF_CHECK_FILE = 'installer-pdf-check.pdf';

export { pdfRenderResultSchema, type PdfRenderResult } from '../../engine/pdf-result.js';

/**
 * The render as Python statements that leave the result in `out` (pdfRenderResultSchema), for a
 * marker given as a Python expression. Upstream leaves each rendered `<name>_<id>.html.pdf` behind
 * in TMP_REPORT_ROOT; the check removes its own.
 */
export const pdfRenderBody = (markerExpr: string): string[] => [
  'import glob, json, os',
  'from django.conf import settings',
  'from qatrack.qatrack_core.utils import chrometopdf',
  'chrome = settings.CHROME_PATH or ""',
  'root = settings.TMP_REPORT_ROOT',
  'out = {"chrome": chrome, "reportRoot": root}',
  'err_log = os.path.join(settings.LOG_ROOT, "report-stderr.txt")',
  'before = os.path.getsize(err_log) if os.path.exists(err_log) else 0',
  'if not chrome:',
  '    out["problem"] = "no-chrome"',
  'elif not (os.path.isfile(chrome) and os.access(chrome, os.X_OK)):',
  '    out["problem"] = "chrome-missing"',
  'elif any(c.isspace() for c in root):',
  '    out["problem"] = "spaces"',
  'else:',
  `    html = "<html><body><h1>QATrack+ PDF check</h1><p>" + ${markerExpr} + "</p></body></html>"`,
  '    try:',
  '        pdf = chrometopdf(html, name="installer-check")',
  `        path = os.path.join(root, ${pyStr(PDF_CHECK_FILE)})`,
  '        with open(path, "wb") as f:',
  '            f.write(pdf)',
  '        out["pdf"] = path',
  '        out["size"] = len(pdf)',
  '    except Exception as e:',
  '        out["problem"] = "render-failed"',
  '        out["error"] = "%s: %s" % (type(e).__name__, e)',
  '    for left in glob.glob(os.path.join(root, "installer-check_*")):',
  '        os.remove(left)',
  '    if os.path.exists(err_log):',
  '        with open(err_log, "rb") as f:',
  '            f.seek(before)',
  '            out["stderr"] = f.read()[-4000:].decode("utf-8", "replace")',
];

/** For `manage.py shell -c` (through shellArgs): prints one JSON line. */
export const pdfRenderProgram = (marker: string) =>
  [...pdfRenderBody(pyStr(marker)), 'print(json.dumps(out))'].join('\n');

/** The page count from `pdfinfo FILE` (poppler-utils: "Pages:          1"). */
export const pagesOf = (pdfinfoStdout: string): number | undefined => {
  const m = /^Pages:\s+(\d+)\s*$/m.exec(pdfinfoStdout);
  return m ? Number(m[1]) : undefined;
};

const lastLines = (text: string | undefined, n = 6) =>
  (text ?? '')
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .slice(-n)
    .join(' | ');

const TITLE = 'PDF reports render (Chrome, as the workers run it)';

/** How the written PDF was read: its page count and (where a tool could) its text. */
export interface PdfInspection {
  /** undefined: the file is not a PDF the counter could read. */
  pages?: number;
  /** What counted the pages, for the message ("pdfinfo"). */
  counter: string;
  /** The counter is not installed. */
  missingTool?: boolean;
  /** What the counter said when it found no page. */
  said?: string;
  /** The first page's text (pdftotext); undefined where no tool reads it. */
  text?: string;
}

/** The check line from the render's JSON and the inspection of the PDF it wrote. */
export function pdfCheck(
  r: PdfRenderResult | undefined,
  raw: { exitCode: number; stderr: string },
  inspect?: PdfInspection,
  marker?: string,
): Check {
  const fail = (detail: string, fix: string): Check => ({ id: 'pdf', title: TITLE, ok: false, detail, fix });
  if (!r)
    return fail(
      `the render check did not run (exit ${raw.exitCode}): ${lastLines(raw.stderr, 3) || 'no output'}`,
      'Run `repair`; the QATrack+ code or its settings could not be loaded.',
    );
  switch (r.problem) {
    case 'no-chrome':
      return {
        id: 'pdf',
        title: TITLE,
        ok: true,
        warning: true,
        detail: 'off: CHROME_PATH is empty, so QATrack+ cannot make PDF reports',
        fix: 'Install Chrome (or Chromium/Edge) and run Reconfigure with chrome "detect" or its path.',
      };
    case 'chrome-missing':
      return fail(
        `Chrome is missing: CHROME_PATH ${r.chrome} is not an executable file`,
        'Install Chrome there, or run Reconfigure with the path of the installed Chrome (chrome.path).',
      );
    case 'spaces':
      return fail(
        `the report folder ${r.reportRoot} contains a space: QATrack+ joins Chrome's command with spaces on Windows (qatrack_core/utils.py), so Chrome gets a broken path`,
        'Choose a data folder without spaces (paths.dataDir) and run repair.',
      );
    case 'render-failed':
      return fail(
        `Chrome did not make a PDF (${r.error ?? 'no error text'})${r.stderr?.trim() ? `; Chrome said: ${lastLines(r.stderr)}` : '; Chrome wrote nothing to report-stderr.txt'}`,
        `Chrome crashed or could not start as the workers' account: see report-stderr.txt in the log folder; after a Chrome update, check that ${r.chrome} still runs headless (QATrack+ #643, #835).`,
      );
  }
  if (!inspect || inspect.missingTool)
    return {
      id: 'pdf',
      title: TITLE,
      ok: true,
      warning: true,
      detail: `${r.pdf} written (${r.size} bytes); ${inspect?.counter ?? 'pdfinfo'} is not installed, so its pages were not counted`,
      fix: 'Install poppler-utils to have the PDF checked.',
    };
  const pages = inspect.pages;
  if (!pages)
    return fail(
      `Chrome wrote ${r.pdf} (${r.size} bytes) but it is not a PDF with a page (${inspect.counter}: ${lastLines(inspect.said, 2) || 'no page'})`,
      'See report-stderr.txt in the log folder; update or reinstall Chrome.',
    );
  if (marker && inspect?.text !== undefined && !inspect.text.includes(marker))
    return fail(
      `Chrome wrote a blank PDF: ${pages} page${pages === 1 ? '' : 's'} without the test page's text (QATrack+ #659)`,
      'Check that the workers can read the report folder (MEDIA_ROOT/reports) and that Chrome is current.',
    );
  return {
    id: 'pdf',
    title: TITLE,
    ok: true,
    detail: `${r.pdf}: ${pages} page${pages === 1 ? '' : 's'}, ${r.size} bytes, rendered with ${r.chrome}`,
  };
}
