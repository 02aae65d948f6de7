"""A complete, tamper-evident audit log (issue 24, finding 7): throttled logins, refusals,
logouts are kept; actors are normalised; the page is paginated and filtered; the chain
names the first row changed or removed; an older journal migrates."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from web_fixtures import LETTER, PASSWORD, START, Workspace, make_workspace

from missive.access.audit import PAGE_SIZE, AuditQuery, entries, record
from missive.cli import main
from missive.storage.access_tables import ACCESS_MIGRATIONS
from missive.storage.schema import apply_migrations, connect


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path)


def actions(journal: Path) -> list[tuple[str, str, str, str]]:
    page = entries(journal, AuditQuery())
    return [(e.actor, e.action, e.target, e.detail) for e in reversed(page.entries)]


def test_throttled_logins_refusals_and_logouts_are_kept(ws: Workspace) -> None:
    operator, token = ws.login("omar")  # before the address is throttled
    client = ws.client()
    wrong = {"username": "nadia", "password": "not the password"}
    for _ in range(10):
        client.post("/api/v1/session", json=wrong)
    assert client.post("/api/v1/session", json={**wrong, "password": PASSWORD}).status_code == 429
    assert client.get("/api/v1/jobs").status_code == 401
    body = {"language": "ar", "decision": "approve", "hash": "0" * 64}
    url = f"/api/v1/letters/{LETTER}/approvals"
    assert operator.post(url, json=body, headers={"X-CSRF-Token": token}).status_code == 403
    assert operator.delete("/api/v1/session", headers={"X-CSRF-Token": token}).status_code == 204
    logged = actions(ws.journal)
    assert ("nadia", "login refused", "nadia", "throttled (429), retry after 900 s") in logged
    assert (
        "anonymous",
        "refused 401",
        "",
        "GET /api/v1/jobs: log in first (no valid session)",
    ) in logged
    assert any(a == "omar" and act == "refused 403" and url in d for a, act, _, d in logged)
    assert next(a for a in logged if a[1] == "log out")[:3] == ("omar", "log out", "omar")


def test_a_typed_actor_cannot_forge_a_line_or_fill_the_log(ws: Workspace) -> None:
    client = ws.client()
    client.post("/api/v1/session", json={"username": "adm1\napproved fr tiny", "password": "x"})
    client.post("/api/v1/session", json={"username": "é" * 5000, "password": "x"})
    refused = [a for a in actions(ws.journal) if a[1] == "login refused"]
    assert refused[0][0] == "adm1\ufffdapproved fr tiny"
    assert len(refused[1][0]) == 64 and refused[1][0].endswith("…")
    admin = ws.form_login("root")
    assert "adm1\ufffdapproved fr tiny" in admin.get("/audit").text


def test_the_page_is_paginated_and_filtered(ws: Workspace) -> None:
    for n in range(2 * PAGE_SIZE + 10):
        who = "alice" if n % 2 else "bob"
        record(ws.journal, actor=who, action=f"approve {'fr' if n % 3 else 'ar'}",
               now=START + dt.timedelta(days=n // 100))  # fmt: skip
    admin = ws.form_login("root")
    total = len(actions(ws.journal)) and entries(ws.journal).total
    first = admin.get("/audit").text
    assert f"{total} entries; page 1 of {-(-total // PAGE_SIZE)}." in first
    last = admin.get(f"/audit?page={-(-total // PAGE_SIZE)}").text
    assert "add user" in last  # the oldest entries are still there
    alice = entries(ws.journal, AuditQuery(actor="alice", action="approve fr"))
    assert alice.total == len([n for n in range(110) if n % 2 and n % 3])
    page = admin.get("/audit?actor=alice&action=approve+fr&since=2026-03-03&until=2026-03-03")
    later = [n for n in range(100, 110) if n % 2 and n % 3]
    assert f"{len(later)} entries; page 1 of 1." in page.text
    assert admin.get("/audit?since=yesterday").status_code == 422


def test_verify_names_the_first_row_changed_or_removed(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = str(ws.journal)
    for n in range(5):
        record(ws.journal, actor="li", action=f"approve zh {n}", now=START)
    assert main(["audit", "verify", "--journal", journal]) == 0
    assert "chain intact" in capsys.readouterr().out
    with sqlite3.connect(journal) as conn:
        conn.execute("UPDATE audit SET detail = 'nothing to see' WHERE action = 'approve zh 2'")
        changed = conn.execute("SELECT id FROM audit WHERE action = 'approve zh 2'").fetchone()[0]
    assert main(["audit", "verify", "--journal", journal]) == 1
    assert f"row {changed}: the row was changed" in capsys.readouterr().out
    with sqlite3.connect(journal) as conn:
        conn.execute("UPDATE audit SET detail = '' WHERE action = 'approve zh 2'")
        conn.execute("DELETE FROM audit WHERE id = ?", (changed - 1,))
    assert main(["audit", "verify", "--journal", journal]) == 1
    assert f"row {changed}: row {changed - 1} was removed" in capsys.readouterr().out


def test_removing_the_last_rows_is_seen_too(
    ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = str(ws.journal)
    assert main(["audit", "verify", "--journal", journal]) == 0
    last = capsys.readouterr().out.split("last hash ")[1].strip()
    record(ws.journal, actor="li", action="approve zh", now=START)
    with sqlite3.connect(journal) as conn:
        top = conn.execute("SELECT max(id) FROM audit").fetchone()[0]
        conn.execute("DELETE FROM audit WHERE id = ?", (top,))
    assert main(["audit", "verify", "--journal", journal]) == 1
    assert f"row {top}: row {top} was removed" in capsys.readouterr().out
    assert main(["audit", "verify", "--journal", journal, "--expect", last]) == 1


def test_an_older_journal_migrates_and_its_rows_are_chained(tmp_path: Path) -> None:
    journal = tmp_path / "old.sqlite"
    conn = connect(journal)
    apply_migrations(conn, "access", ACCESS_MIGRATIONS[:1])
    conn.execute(
        "INSERT INTO audit (at, actor, action, target, detail, address)"
        " VALUES ('2025-01-01T00:00:00+00:00', 'os:ops', 'add user', 'nadia', '', 'cli')"
    )
    conn.close()
    record(journal, actor="nadia", action="log in", now=START)
    assert [e.action for e in entries(journal).entries] == ["log in", "add user"]
    assert all(e.row_hash for e in entries(journal).entries)
    assert main(["audit", "verify", "--journal", str(journal)]) == 0
