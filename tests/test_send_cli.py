"""`send.py send`, `status` and `demo` as an operator runs them, against a real SMTP server."""

from __future__ import annotations

import csv
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from reviewers import PASSWORD as REVIEWER_PASSWORD
from reviewers import add_reviewer
from smtp_server import Faults, RecordingHandler, password_authenticator, running_server, tls_pair

from missive.deliver.journal import Journal, SendState

ROOT = Path(__file__).resolve().parent.parent
LETTER = "letters/wsis20-invitation.yaml"
SECRET = "Zebra-Horse-Battery-9137"


def cli(
    *args: str, env: dict[str, str] | None = None, check: int | None = 0
) -> subprocess.CompletedProcess[str]:
    if args[0] in ("approve", "reject"):  # decided by an account: its password on stdin
        add_reviewer(Path(args[args.index("--journal") + 1]), args[args.index("--user") + 1])
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MISSIVE_SMTP")}
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, "send.py", *args],
        check=False,
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        input=REVIEWER_PASSWORD + "\n",
    )
    if check is not None:
        assert done.returncode == check, done.stdout + done.stderr
    return done


def small_list(folder: Path, per_language: int = 2) -> Path:
    """The first rows of the sample list in each language: fewer letters to check and render."""
    source = ROOT / "recipients" / "wsis20-stakeholders.csv"
    with source.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        fields = list(reader.fieldnames or [])
        taken: dict[str, int] = {}
        rows = []
        for row in reader:
            if taken.get(row["language"], 0) < per_language:
                taken[row["language"]] = taken.get(row["language"], 0) + 1
                rows.append(row)
    target = folder / "recipients.csv"
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return target


def send_args(journal: Path, port: int, *extra: str) -> list[str]:
    return [
        "send",
        LETTER,
        "--journal",
        str(journal),
        "--smtp",
        f"smtp://127.0.0.1:{port}",
        "--rate",
        "100/s",
        *extra,
    ]


def journal_rows(path: Path) -> dict[str, tuple[SendState, str]]:
    with Journal.open(path, writer=False) as journal:
        [batch] = journal.batches()
        return {r.recipient_id: (r.state, r.message_id) for r in journal.rows(batch.id)}


def test_dry_run_prints_what_would_go_where_and_sends_nothing(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    with running_server() as server:
        done = cli(*send_args(journal, server.port, "--lang", "zh", "--limit", "3"))
        assert server.handler.received == []
    assert "DRY RUN" in done.stdout and "3 recipients selected" in done.stdout
    assert done.stdout.count("\tzh\t") == 3 and ".pdf (" in done.stdout
    assert not journal.exists()


def test_unapproved_batch_is_refused(tmp_path: Path) -> None:
    with running_server() as server:
        done = cli(*send_args(tmp_path / "j.sqlite", server.port, "--no-dry-run"), check=1)
        assert server.handler.received == []
    assert "not approved" in done.stderr


def test_to_self_over_starttls_with_auth_and_the_password_never_shows(tmp_path: Path) -> None:
    server_tls, _, cert = tls_pair(tmp_path)
    journal = tmp_path / "j.sqlite"
    env = {
        "MISSIVE_SMTP_USERNAME": "ops",
        "MISSIVE_SMTP_PASSWORD": SECRET,
        "SSL_CERT_FILE": str(cert),
    }
    auth = password_authenticator("ops", "not-" + SECRET)
    args = [
        "send",
        LETTER,
        "--journal",
        str(journal),
        "--recipients",
        str(small_list(tmp_path, per_language=1)),
        "--to-self",
        "me@itu.example",
        "--smtp",
        "smtp+starttls://127.0.0.1:{port}",
    ]
    with running_server(tls_context=server_tls, authenticator=auth) as server:
        args[-1] = args[-1].format(port=server.port)
        refused = cli(*args, env=env, check=1)
        assert server.handler.received == []
    assert "refused the login" in refused.stderr
    with running_server(
        tls_context=server_tls, authenticator=password_authenticator("ops", SECRET)
    ) as server:
        args[-1] = f"smtp+starttls://127.0.0.1:{server.port}"
        sent = cli(*args, env=env)
        received = server.handler.received
    assert sorted(r.rcpt_tos for r in received) == [("me@itu.example",)] * 6  # one per language
    for output in (refused.stdout, refused.stderr, sent.stdout, sent.stderr):
        assert SECRET not in output
    for file in tmp_path.rglob("*"):
        if file.is_file():
            assert SECRET.encode() not in file.read_bytes(), file


def wait_for(handler: RecordingHandler, count: int, process: subprocess.Popen[Any]) -> None:
    deadline = time.monotonic() + 120
    while handler.message_ids().total() < count:
        assert process.poll() is None, "the sender finished before it could be killed"
        assert time.monotonic() < deadline, "the sender never got going"
        time.sleep(0.02)


def test_sigkill_mid_batch_then_resume_every_recipient_exactly_once(tmp_path: Path) -> None:
    """Kill -9 the sender mid-batch, run the same command again, count Message-IDs.

    Honest bound: a message whose DATA was under way at the kill may or may not have reached
    the server; the journal marks it ambiguous and holds it. Only when the operator releases
    those (--resend-ambiguous) can one of *them* arrive twice. So: every recipient is received,
    nobody is received twice except possibly a held one, and at most one per connection is held.
    """
    journal = tmp_path / "j.sqlite"
    small = ("--recipients", str(small_list(tmp_path)))  # 12 recipients, 2 per language
    cli("approve", LETTER, "--journal", str(journal), "--user", "tester", *small)
    handler = RecordingHandler(Faults(data_delay=0.2))
    with running_server(handler) as server:
        command = [
            sys.executable,
            "send.py",
            *send_args(journal, server.port, *small, "--no-dry-run", "--connections", "2"),
        ]
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_for(handler, 4, process)
        process.send_signal(signal.SIGKILL)
        process.wait()
        at_kill = handler.message_ids().total()
        resumed = cli(*send_args(journal, server.port, *small, "--no-dry-run"), check=None)
        held = {
            rid for rid, (state, _) in journal_rows(journal).items() if state is SendState.AMBIGUOUS
        }
        assert resumed.returncode == (3 if held else 0), resumed.stdout + resumed.stderr
        cli(*send_args(journal, server.port, *small, "--no-dry-run", "--resend-ambiguous"))
        received = handler.message_ids()
    rows = journal_rows(journal)
    assert 4 <= at_kill < len(rows) == 12
    assert {state for state, _ in rows.values()} == {SendState.SENT}
    assert set(received) == {message_id for _, message_id in rows.values()}  # none missing
    twice = {mid for mid, n in received.items() if n > 1}
    assert twice <= {rows[rid][1] for rid in held}  # duplicates only among the held ones
    assert max(received.values()) <= 2 and len(held) <= 2  # at most one in flight per connection


def test_ctrl_c_finishes_in_flight_messages_and_leaves_the_journal_consistent(
    tmp_path: Path,
) -> None:
    journal = tmp_path / "j.sqlite"
    small = ("--recipients", str(small_list(tmp_path)))
    cli("approve", LETTER, "--journal", str(journal), "--user", "tester", *small)
    handler = RecordingHandler(Faults(data_delay=0.2))
    with running_server(handler) as server:
        command = [
            sys.executable,
            "send.py",
            *send_args(journal, server.port, *small, "--no-dry-run"),
        ]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        wait_for(handler, 3, process)
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=60)
        received = handler.message_ids()
    rows = journal_rows(journal)
    assert process.returncode == 3, out
    assert "interrupted" in out
    sent = {mid for state, mid in rows.values() if state is SendState.SENT}
    assert {state for state, _ in rows.values()} <= {SendState.SENT, SendState.QUEUED}
    assert set(received) == sent and max(received.values()) == 1
    assert 3 <= len(sent) < 12


def first_recipient(language: str) -> dict[str, str]:
    with (ROOT / "recipients" / "wsis20-stakeholders.csv").open(encoding="utf-8-sig") as stream:
        return next(row for row in csv.DictReader(stream) if row["language"] == language)


def test_status_counts_failures_and_writes_csv(tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite"
    small = ("--recipients", str(small_list(tmp_path)))
    cli("approve", LETTER, "--journal", str(journal), "--user", "tester", "--lang", "fr", *small)
    bad = first_recipient("fr")
    faults = Faults(rcpt_always={bad["email"]: "550 5.1.1 mailbox unavailable"})
    with running_server(RecordingHandler(faults)) as server:
        cli(*send_args(journal, server.port, "--lang", "fr", *small, "--no-dry-run"), check=3)
        assert server.handler.message_ids().total() == 1
    # A real send at the command line is in the audit log: its start, its end with counts.
    with sqlite3.connect(journal) as conn:
        logged = conn.execute("SELECT action, detail FROM audit WHERE action LIKE 'send %'")
        (start, start_detail), (end, end_detail) = logged.fetchall()
    assert (start, end) == ("send start", "send end") and "relay smtp://" in start_detail
    assert end_detail.startswith("exit 3; batch ") and "1 failed_permanent, 1 sent" in end_detail
    out = tmp_path / "status.csv"
    html = tmp_path / "report.html"
    status = cli(
        "status", LETTER, "--journal", str(journal), "--csv", str(out), "--html", str(html), check=3
    )
    assert "1 sent" in status.stdout and "1 failed_permanent" in status.stdout
    matrix = status.stdout.split("sent/total", 1)[1].splitlines()
    cell_row = next(line.split() for line in matrix if line.split()[0] == bad["group"])
    sent, total = (int(n) for n in cell_row[1].split("/"))  # the only language column: fr
    assert sent < total
    page = html.read_text(encoding="utf-8")
    assert "failed_permanent" in page and "mailbox unavailable" in page
    assert "tester" in page  # who approved, on the page an operator forwards
    assert f"{bad['id']}  {bad['email']}  failed_permanent  550" in status.stdout
    assert "mailbox unavailable" in status.stdout
    with out.open(encoding="utf-8") as stream:
        table = list(csv.DictReader(stream))
    assert len(table) == 2 and {row["language"] for row in table} == {"fr"}
    assert [row["recipient_id"] for row in table if row["last_code"] == "550"] == [bad["id"]]


@pytest.mark.slow
def test_demo_puts_every_sample_recipients_letter_in_the_maildir(tmp_path: Path) -> None:
    done = cli("demo", "--out", str(tmp_path / "demo"))
    # 60 in the Maildir; the receiving side reports one unknown address and one delay.
    assert "60 recipients, each with a PDF" in done.stdout
    assert "MISSING" not in done.stdout
    assert "recorded 1 bounced, 1 delayed; 0 already recorded; 0 unmatched" in done.stdout
    assert "1 bounced, 1 delayed, 60 sent" in done.stdout
    assert re.search(
        r"bounced +5\.1\.1 +550 5\.1\.1 <\S+>: Recipient address rejected", done.stdout
    )
    journal = tmp_path / "demo" / "journal.sqlite"
    again = cli(
        "bounces",
        LETTER,
        "--journal",
        str(journal),
        "--maildir",
        str(tmp_path / "demo" / "bounces"),
    )
    assert "recorded nothing new; 2 already recorded; 0 unmatched" in again.stdout
    status = cli("status", LETTER, "--journal", str(journal), check=3)
    assert "1 bounced, 1 delayed, 60 sent" in status.stdout
    assert len(list((tmp_path / "demo" / "pdf").glob("*.pdf"))) == 6
    # It ends with the way into the workspace, with users that exist in the demo journal only.
    assert f"python send.py serve --journal {tmp_path / 'demo' / 'journal.sqlite'}" in done.stdout
    assert re.search(r"demo-reviewer +reviewer +password \S{12,}", done.stdout)
