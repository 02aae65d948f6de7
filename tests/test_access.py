"""People and permissions: accounts in a real journal file, throttling, sessions, the matrix."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from pathlib import Path

import pytest

from missive.access.permissions import MATRIX, Action, Actor, Role, can, require
from missive.access.sessions import SessionPolicy
from missive.app.people import (
    NewUser,
    Origin,
    add_user,
    audit_log,
    change_password,
    log_in,
    session_user,
    start_session,
)
from missive.cli import main
from missive.errors import (
    AccessError,
    LoginRefusedError,
    LoginThrottledError,
    PermissionDeniedError,
)
from missive.model import Language

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"
HERE = Origin("test", "127.0.0.1")


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite"


def test_users_cli_adds_lists_disables_and_changes_passwords(
    journal: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def users(*argv: str, stdin: str = "") -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["users", *argv, "--journal", str(journal)])
        out, err = capsys.readouterr()
        return code, out, err

    assert users("add", "nadia", "--role", "reviewer", "--languages", "ar,zh",
                 "--password-stdin", stdin=PASSWORD + "\n")[0] == 0  # fmt: skip
    assert users("add", "omar", "--role", "operator", "--password-stdin", stdin=PASSWORD)[0] == 0
    code, _, err = users("add", "nadia", "--role", "admin", "--password-stdin", stdin=PASSWORD)
    assert code == 1 and "already exists" in err
    code, _, err = users("add", "rita", "--role", "reviewer", "--password-stdin", stdin=PASSWORD)
    assert code == 1 and "needs --languages" in err
    code, _, err = users("add", "weak", "--role", "admin", "--password-stdin", stdin="short")
    assert code == 1 and "at least 10 characters" in err and "short" not in err
    code, out, _ = users("list")
    assert code == 0
    assert [line.split()[:4] for line in out.splitlines()[1:]] == [
        ["nadia", "reviewer", "ar,zh", "enabled"],
        ["omar", "operator", "-", "enabled"],
    ]
    assert log_in(journal, "nadia", PASSWORD, "10.0.0.1", NOW).languages == (
        Language.AR,
        Language.ZH,
    )
    assert users("passwd", "nadia", "--password-stdin", stdin="another long one\n")[0] == 0
    with pytest.raises(LoginRefusedError):
        log_in(journal, "nadia", PASSWORD, "10.0.0.1", NOW)
    assert users("disable", "omar")[0] == 0
    with pytest.raises(LoginRefusedError):
        log_in(journal, "omar", PASSWORD, "10.0.0.1", NOW)
    # Only hashes are stored; the audit log names the operating-system user of each change.
    with sqlite3.connect(journal) as conn:
        hashes = [row[0] for row in conn.execute("SELECT password_hash FROM users")]
        audit = conn.execute("SELECT actor, action, target FROM audit ORDER BY id").fetchall()
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert PASSWORD.encode() not in journal.read_bytes()
    assert ("add user", "nadia") in [(a, t) for _, a, t in audit]
    assert all(actor.startswith("os:") for actor, action, _ in audit if "log" not in action)


def test_ten_failures_throttle_a_name_and_an_address_until_the_window_passes(
    journal: Path,
) -> None:
    add_user(NewUser(journal, "nadia", Role.REVIEWER, PASSWORD, (Language.AR,)), HERE, NOW)
    for attempt in range(10):
        with pytest.raises(LoginRefusedError):
            log_in(journal, "nadia", "wrong password", f"10.0.0.{attempt}", NOW)
    # The name is throttled from any address, even with the right password...
    with pytest.raises(LoginThrottledError) as caught:
        log_in(journal, "nadia", PASSWORD, "10.9.9.9", NOW + dt.timedelta(minutes=1))
    assert 0 < caught.value.retry_after <= 15 * 60
    # ...until the window has passed.
    assert log_in(journal, "nadia", PASSWORD, "10.9.9.9", NOW + dt.timedelta(minutes=16))
    # One address trying many names is throttled too.
    for attempt in range(10):
        with pytest.raises(LoginRefusedError):
            log_in(journal, f"guess{attempt}", "wrong password", "10.6.6.6", NOW)
    with pytest.raises(LoginThrottledError):
        log_in(journal, "nadia", PASSWORD, "10.6.6.6", NOW)


def test_sessions_live_in_the_journal_and_end_idle_old_or_with_the_password(
    journal: Path,
) -> None:
    user = add_user(NewUser(journal, "omar", Role.OPERATOR, PASSWORD), HERE, NOW)
    policy = SessionPolicy(idle=dt.timedelta(minutes=30), lifetime=dt.timedelta(hours=1))
    token, session = start_session(journal, user, "127.0.0.1", NOW, policy)
    assert session.csrf_matches(session.csrf_token) and not session.csrf_matches("forged")
    with sqlite3.connect(journal) as conn:
        stored = conn.execute("SELECT token_hash FROM sessions").fetchall()
    assert token not in str(stored)  # only its hash is kept
    live = session_user(journal, token, NOW + dt.timedelta(minutes=29), policy)
    assert live is not None and live[1] == user
    # Used at 29 min, so idle only from there; then cut at the absolute lifetime.
    assert session_user(journal, token, NOW + dt.timedelta(minutes=58), policy) is not None
    assert session_user(journal, token, NOW + dt.timedelta(minutes=61), policy) is None
    assert session_user(journal, "A" + token[1:], NOW, policy) is None
    token, _ = start_session(journal, user, "127.0.0.1", NOW, policy)
    assert session_user(journal, token, NOW + dt.timedelta(minutes=31), policy) is None
    token, _ = start_session(journal, user, "127.0.0.1", NOW, policy)
    change_password(journal, "omar", "a new long password", HERE, NOW)
    assert session_user(journal, token, NOW, policy) is None


def test_the_permission_matrix() -> None:
    reviewer = Actor("nadia", Role.REVIEWER, (Language.AR,))
    assert can(reviewer, Action.REVIEW, Language.AR)
    assert not can(reviewer, Action.REVIEW, Language.EN)
    assert not can(reviewer, Action.REVIEW)
    assert not can(reviewer, Action.SEND)
    for role in Role:
        actor = Actor("x", role, tuple(Language))
        for action in Action:
            assert can(actor, action, Language.AR) == (action in MATRIX[role])
            assert not can(None, action, Language.AR)
    assert [r for r in Role if can(Actor("x", r, tuple(Language)), Action.SEND)] == [Role.OPERATOR]
    with pytest.raises(PermissionDeniedError, match="anonymous may not"):
        require(None, Action.VIEW)


def test_only_admins_read_the_audit_log(journal: Path) -> None:
    add_user(NewUser(journal, "omar", Role.OPERATOR, PASSWORD), HERE, NOW)
    with pytest.raises(LoginRefusedError):
        log_in(journal, "omar", "not the password", "10.1.2.3", NOW)
    entries = audit_log(journal, Actor("root", Role.ADMIN)).entries
    assert [(e.action, e.target, e.address) for e in entries][:2] == [
        ("login refused", "omar", "10.1.2.3"),
        ("add user", "omar", "127.0.0.1"),
    ]
    with pytest.raises(PermissionDeniedError):
        audit_log(journal, Actor("omar", Role.OPERATOR))
    with pytest.raises(AccessError, match="bad user name"):
        add_user(NewUser(journal, "no spaces", Role.ADMIN, PASSWORD), HERE, NOW)
