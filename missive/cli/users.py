"""`send.py users`: the people who may log in to the workspace, and their roles."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from missive.access.permissions import Role
from missive.cli.options import add_journal
from missive.errors import AccessError
from missive.model import Language

if TYPE_CHECKING:
    from missive.access.users import User

EXAMPLE = """\
example:
  printf '%s\\n' "$PASSWORD" | python send.py users add nadia --role reviewer \\
      --languages ar,fr --journal out/wsis20.sqlite --password-stdin
  python send.py users list --journal out/wsis20.sqlite
  python send.py users disable nadia --journal out/wsis20.sqlite
  python send.py users passwd nadia --journal out/wsis20.sqlite --password-stdin

Roles: secretariat (checks and renders), reviewer (approves or rejects the languages of
--languages), operator (sends and schedules, cancels and releases jobs), admin (manages
users, reads the audit log). Passwords are stored as argon2 hashes in the journal's file;
every change is written to the audit log under your operating-system user.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "users",
        help="add, list, disable users of the workspace, or change a password",
        description="Manage who may log in to the workspace (`send.py serve`) and as what.",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="users_action", metavar="ACTION", required=True)
    _register_add(actions)
    listing = actions.add_parser("list", help="list users")
    add_journal(listing)
    listing.set_defaults(handler=run_list)
    disable = actions.add_parser("disable", help="disable a user (sessions end at once)")
    disable.add_argument("name", metavar="NAME")
    add_journal(disable)
    disable.set_defaults(handler=run_disable)
    passwd = actions.add_parser("passwd", help="set a new password (sessions end at once)")
    passwd.add_argument("name", metavar="NAME")
    add_password(passwd)
    passwd.set_defaults(handler=run_passwd)


def _register_add(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add = actions.add_parser(
        "add",
        help="add a user",
        epilog=EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add.add_argument("name", metavar="NAME")
    add.add_argument(
        "--role",
        required=True,
        type=Role,
        choices=list(Role),
        metavar="ROLE",
        help="secretariat, reviewer, operator or admin",
    )
    add.add_argument(
        "--languages",
        type=parse_languages,
        default=(),
        metavar="L,L",
        help="the languages a reviewer reviews, e.g. ar,zh",
    )
    add_password(add)
    add.set_defaults(handler=run_add)


def add_password(parser: argparse.ArgumentParser) -> None:
    add_journal(parser)
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )


def parse_languages(text: str) -> tuple[Language, ...]:
    try:
        return tuple(Language(code.strip()) for code in text.split(",") if code.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r}: languages are {', '.join(lang.value for lang in Language)}"
        ) from exc


def read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    import getpass  # a terminal module: loaded only when a password is asked

    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise AccessError("the two passwords differ")
    return first


def run_add(args: argparse.Namespace) -> int:
    from missive.app.people import NewUser, add_user, cli_origin

    request = NewUser(args.journal, args.name, args.role, read_password(args), args.languages)
    user = add_user(request, cli_origin(), dt.datetime.now(dt.UTC))
    print(f"user {user.name} added as {describe(user)}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from missive.app.people import list_users

    print(format_users(list_users(args.journal)))
    return 0


def run_disable(args: argparse.Namespace) -> int:
    from missive.app.people import cli_origin, disable_user

    user = disable_user(args.journal, args.name, cli_origin(), dt.datetime.now(dt.UTC))
    print(f"user {user.name} disabled")
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    from missive.app.people import change_password, cli_origin

    password = read_password(args)
    user = change_password(args.journal, args.name, password, cli_origin(), dt.datetime.now(dt.UTC))
    print(f"password of {user.name} changed")
    return 0


def describe(user: User) -> str:
    languages = ",".join(lang.value for lang in user.languages)
    return user.role.value + (f" ({languages})" if languages else "")


def format_users(users: Sequence[User]) -> str:
    if not users:
        return "no users"
    rows = [["name", "role", "languages", "state", "since"]]
    rows += [
        [
            u.name,
            u.role.value,
            ",".join(lang.value for lang in u.languages) or "-",
            "disabled" if u.disabled else "enabled",
            f"{u.created_at:%Y-%m-%d}",
        ]
        for u in users
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    )
