/**
 * The worker program each `QATrack+ Worker N` service runs: cheroot serving QATrack+'s WSGI app on
 * one loopback address and port. WinSW stops it with Ctrl+C, which ends `server.start()` with
 * KeyboardInterrupt, so the server is stopped cleanly before the process exits.
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
    args = parser.parse_args()
    if not args.address.startswith("127."):
        sys.exit("workers listen on loopback addresses only")
    sys.path.insert(0, args.source)
    os.chdir(args.source)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qatrack.settings")
    from cheroot.wsgi import Server
    from qatrack.wsgi import application

    server = Server((args.address, args.port), application, numthreads=args.threads)
    try:
        server.start()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
`;
