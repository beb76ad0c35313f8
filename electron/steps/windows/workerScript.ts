import { pdfRenderBody } from '../common/pdf-check.js';

/** Where the installer asks the workers for a test PDF and reads the answer (LOG_ROOT: the workers write there). */
export const PDF_REQUEST_FILE = 'pdf-check-request.json';
export const pdfResultFile = (id: string) => `pdf-check-${id}.json`;

/**
 * The PDF check inside a worker, so the test PDF is rendered by the service itself, as its own
 * account (a virtual account NT SERVICE\\<worker> can run nothing else): `verify` drops a request
 * (id, marker) into the folder; the first worker to rename it renders through QATrack+'s own
 * chrometopdf (electron/steps/common/pdf-check.ts) and writes the result beside it.
 */
const PDF_WATCHER = [
  'def render_pdf_check(marker):',
  ...pdfRenderBody('marker').map((l) => `    ${l}`),
  '    return out',
  '',
  '',
  'def watch_pdf_requests(folder):',
  '    import json',
  '    import re',
  '    import threading',
  '    import time',
  '',
  `    request = os.path.join(folder, "${PDF_REQUEST_FILE}")`,
  '',
  '    def run():',
  '        while True:',
  '            time.sleep(2)',
  '            claimed = "%s.%d" % (request, os.getpid())',
  '            try:',
  '                os.rename(request, claimed)  # one worker wins each request',
  '            except OSError:',
  '                continue',
  '            try:',
  '                with open(claimed, encoding="utf-8") as f:',
  '                    req = json.load(f)',
  '                if not re.match(r"^[0-9a-f]{8,32}$", str(req.get("id"))):',
  '                    continue',
  '                try:',
  '                    out = render_pdf_check(str(req.get("marker", "")))',
  '                except Exception as e:',
  '                    out = {"chrome": "", "reportRoot": "", "problem": "render-failed", "error": "%s: %s" % (type(e).__name__, e)}',
  '                result = os.path.join(folder, "pdf-check-%s.json" % req["id"])',
  '                with open(result + ".tmp", "w", encoding="utf-8") as f:',
  '                    json.dump(out, f)',
  '                os.replace(result + ".tmp", result)',
  '            except Exception:',
  '                pass',
  '            finally:',
  '                try:',
  '                    os.remove(claimed)',
  '                except OSError:',
  '                    pass',
  '',
  '    threading.Thread(target=run, name="pdf-check", daemon=True).start()',
].join('\n');

/**
 * The worker program each `QATrack+ Worker N` service runs: cheroot serving QATrack+'s WSGI app on
 * one loopback address and port. It prints one line to stdout (WinSW's out.log) once it listens.
 * WinSW stops it with Ctrl+C, which ends `server.serve()` with
 * KeyboardInterrupt, so the server is stopped cleanly before the process exits. `--max-body` is
 * cheroot's HTTPServer.max_request_body_size ("The maximum size, in bytes, for request bodies, or
 * 0 for no limit", cheroot/server.py), set from site.maxUploadMB like IIS's request limit.
 */
export const WORKER_SCRIPT =
  `"""QATrack+ worker: cheroot serving qatrack.wsgi on one loopback address (written by the QATrack+ installer)."""
import argparse
import os
import sys


` +
  PDF_WATCHER +
  `


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--max-body", type=int, default=0)
    parser.add_argument("--pdf-check-dir")
    args = parser.parse_args()
    if not args.address.startswith("127."):
        sys.exit("workers listen on loopback addresses only")
    sys.path.insert(0, args.source)
    os.chdir(args.source)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qatrack.settings")
    from cheroot.wsgi import Server
    from qatrack.wsgi import application

    if args.pdf_check_dir:
        watch_pdf_requests(args.pdf_check_dir)

    server = Server((args.address, args.port), application, numthreads=args.threads)
    # The same limit as IIS's maxAllowedContentLength (site.maxUploadMB); 0 would mean no limit.
    server.max_request_body_size = args.max_body
    try:
        # server.start() is prepare() (bind) then serve() (cheroot/server.py): split, so that
        # WinSW's out.log says when the worker listens (an empty out.log: it never got that far).
        server.prepare()
        print("QATrack+ worker listening on http://%s:%d/" % (args.address, args.port), flush=True)
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
`;
