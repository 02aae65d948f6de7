"""Command line: the only place that prints, reads the environment for output, or exits.

Each command lives in its own module `missive.cli.<name>` exposing
`register(subparsers) -> None`, which adds a sub-parser whose `handler(args) -> int`
is set with `set_defaults(handler=...)`.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from missive import __version__
from missive.app import process
from missive.errors import InputError, MissiveError

COMMANDS = (
    "new",
    "check",
    "compose",
    "render",
    "proof",
    "send",
    "status",
    "bounces",
    "demo",
    "batch",
    "approve",
    "reject",
    "schedule",
    "jobs",
    "worker",
    "users",
    "audit",
    "serve",
)

# Commands that, once they return, hold no journal, spool, server or open file: the process
# may end without the interpreter's teardown (see `run`).
ENDS_WITHOUT_TEARDOWN = frozenset({"check", "compose", "render", "proof"})

# New container objects between two passes of the collector over the youngest objects, for
# missive's processes (`run`); CPython's default is 700.
YOUNG_OBJECTS_PER_PASS = 50_000

EXAMPLE = """\
example:
  python send.py demo                      # the whole pipeline on the sample letter
  python send.py check letters/wsis20-invitation.yaml
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="send.py",
        description="One official letter, personalised PDFs in the six UN languages, sent safely.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"missive {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"missive.cli.{name}")
        except ModuleNotFoundError as exc:
            # A command still being built is left out rather than breaking the others.
            if exc.name == f"missive.cli.{name}":
                continue
            raise
        module.register(subparsers)
    return parser


def report(error: MissiveError) -> None:
    if isinstance(error, InputError):
        for problem in error.problems:
            print(problem, file=sys.stderr)
        count = len(error.problems)
        print(
            f"{count} problem{'s' if count != 1 else ''} found; nothing was done.", file=sys.stderr
        )
    else:
        print(f"error: {error}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    return _dispatch(argv)[0]


def run() -> NoReturn:
    """The process's entry point (`send.py`, the `missive` script): `main`, then exit.

    After a command of `ENDS_WITHOUT_TEARDOWN`, the process ends at once instead of freeing
    every object one by one: a render holds about a million (its parsed fonts, its caches),
    and freeing them took 0.1 to 0.15 s, as long as drawing 30 letters. Everything such a
    command writes is closed before it returns, so only the freeing is skipped; mypy's
    `--fast-exit` does the same. Other commands (the journal, the spool, the server) exit
    as usual, closing what they hold.

    The collector passes over the young objects once per `YOUNG_OBJECTS_PER_PASS` new ones
    rather than per 700: start-up (imports, parsed fonts, the start-up cache) makes some
    200,000 objects that live as long as the process, and a drawn letter leaves no cyclic
    garbage (its cycles are broken, `render/pdf.py`), so at CPython's pace a 300-letter
    render spent 0.4-0.6 s (a tenth of its time) in passes that freed nothing; under 0.1 s
    at this pace (gc.callbacks timed). What a pass could free is held a little longer.
    """
    gc.set_threshold(YOUNG_OBJECTS_PER_PASS, *gc.get_threshold()[1:])
    process.begin()
    code, command = _dispatch(sys.argv[1:])
    process.end()
    if command in ENDS_WITHOUT_TEARDOWN:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:  # the reader has gone (`| head`): there is no one left to tell
            pass
        os._exit(code)
    sys.exit(code)


def _dispatch(argv: Sequence[str] | None) -> tuple[int, str | None]:
    """The exit code, and the command that ran (None when none did)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2, None
    try:
        return handler(args), args.command
    except MissiveError as error:
        report(error)
        return 1, args.command
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130, None
