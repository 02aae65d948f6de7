"""`send.py serve`: the workspace in the browser and its JSON API."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from missive.cli.options import add_journal

EXAMPLE = """\
example:
  python send.py serve --journal out/wsis20.sqlite
  python send.py serve --journal out/wsis20.sqlite --port 8080
  python send.py serve --journal out/wsis20.sqlite --host 0.0.0.0 \\
      --allowed-host missive.example.int \\
      --tls-cert /etc/missive/cert.pem --tls-key /etc/missive/key.pem

Open http://127.0.0.1:8000/ and log in as a user added with `send.py users add`. The
server never sends: "send now" and "schedule" store jobs that `send.py worker` runs, so a
send survives a restart of the web server. It listens on loopback unless told otherwise;
any other address needs --tls-cert/--tls-key, or --behind-proxy when a reverse proxy on
this machine terminates TLS and forwards to it (set X-Forwarded-For and X-Forwarded-Proto).
It answers only to the names in --allowed-host (default: the --host it listens on, and
localhost for a loopback address): a DNS name rebound to this machine gets 400.
Sessions are kept in the journal: they end on logging out, after --idle-minutes without a
request, or --session-hours after logging in. Login forms are signed with
MISSIVE_SESSION_SECRET if set (at least 32 characters), else a new key each start.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="serve the workspace (review, send, report) and the JSON API",
        description="Serve the letters of --letters from the journal's file, in the browser.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_journal(parser)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    parser.add_argument(
        "--letters",
        type=Path,
        default=Path("letters"),
        metavar="DIR",
        help="the letters folder (default letters/)",
    )
    parser.add_argument("--tls-cert", type=Path, metavar="FILE", help="serve HTTPS")
    parser.add_argument("--tls-key", type=Path, metavar="FILE", help="the certificate's key")
    parser.add_argument(
        "--behind-proxy", action="store_true", help="a reverse proxy on this machine terminates TLS"
    )
    parser.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a name clients reach the server by (repeatable; default: --host); others get 400",
    )
    parser.add_argument(
        "--session-hours",
        type=float,
        default=8.0,
        metavar="H",
        help="sessions end H hours after logging in (default 8)",
    )
    parser.add_argument(
        "--render-jobs",
        type=int,
        default=2,
        metavar="N",
        help="processes that render the letters, beside the server (default 2)",
    )
    parser.add_argument(
        "--idle-minutes",
        type=float,
        default=30.0,
        metavar="M",
        help="sessions end after M minutes without a request (default 30)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from missive.web.context import WorkspaceConfig
    from missive.web.server import Listen, serve

    listen = Listen(
        args.host,
        args.port,
        args.tls_cert,
        args.tls_key,
        args.behind_proxy,
        tuple(args.allowed_host),
    )
    listen.check()
    print(
        f"missive workspace on {'https' if args.tls_cert else 'http'}://{args.host}:{args.port}/"
        f" (journal {args.journal}, letters {args.letters})",
        flush=True,
    )
    config = WorkspaceConfig(
        journal_path=args.journal,
        letters_dir=args.letters,
        session_lifetime=dt.timedelta(hours=args.session_hours),
        session_idle=dt.timedelta(minutes=args.idle_minutes),
    )
    serve(config, listen, max(1, args.render_jobs))
    return 0
