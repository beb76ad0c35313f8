/**
 * The worker program each `QATrack+ Worker N` service runs: cheroot serving QATrack+'s WSGI app on
 * one loopback address and port. It prints one line to stdout (WinSW's out.log) once it listens.
 * WinSW stops it with Ctrl+C, which ends `server.serve()` with
 * KeyboardInterrupt, so the server is stopped cleanly before the process exits. `--max-body` is
 * cheroot's HTTPServer.max_request_body_size ("The maximum size, in bytes, for request bodies, or
 * 0 for no limit", cheroot/server.py), set from site.maxUploadMB like IIS's request limit.
 */
export const WORKER_SCRIPT = `"""QATrack+ worker: cheroot serving qatrack.wsgi on one loopback address (written by the QATrack+ installer)."""
import argparse
import os
import sys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--max-body", type=int, default=0)
    args = parser.parse_args()
    if not args.address.startswith("127."):
        sys.exit("workers listen on loopback addresses only")
    sys.path.insert(0, args.source)
    os.chdir(args.source)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qatrack.settings")
    from cheroot.wsgi import Server
    from qatrack.wsgi import application

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
