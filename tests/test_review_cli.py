"""The review and scheduling commands end to end, on a copy of the sample project.

Only the governments group is selected, so each language has a couple of letters to
render and the tests stay fast.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from reviewers import PASSWORD as REVIEWER_PASSWORD
from reviewers import add_reviewer

from missive.access.permissions import Role
from missive.app.render_batch import BatchOptions, render_batch
from missive.cli import main
from missive.model import Group, Language
from missive.schedule.jobs import JobState, get_job, list_jobs, schedule
from missive.schedule.request import SendJob

REPO = Path(__file__).resolve().parent.parent
SELECT = ("--group", "governments")


class Cli:
    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.letter = str(root / "letters" / "wsis20-invitation.yaml")
        self.journal = str(root / "out" / "wsis20.sqlite")
        self.capsys = capsys

    def __call__(self, command: str, *extra: str, letter: bool = True) -> tuple[int, str, str]:
        argv: Sequence[str] = [
            command,
            *([self.letter] if letter else []),
            "--journal",
            self.journal,
            *extra,
        ]
        if "--user" in extra:  # a decision by an account: its password on standard input
            add_reviewer(Path(self.journal), extra[extra.index("--user") + 1])
        stdin, sys.stdin = sys.stdin, io.StringIO(REVIEWER_PASSWORD + "\n")
        try:
            code = main(argv)
        finally:
            sys.stdin = stdin
        out, err = self.capsys.readouterr()
        return code, out, err

    def batch_hash(self, *extra: str) -> str:
        code, out, _ = self("batch", *SELECT, *extra)
        assert code == 0
        found = re.search(r"^hash +([0-9a-f]{64})$", out, re.MULTILINE)
        assert found is not None, out
        return found.group(1)


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    for name in ("letters", "templates", "recipients", "signatories"):
        shutil.copytree(REPO / name, tmp_path / name)
    return Cli(tmp_path, capsys)


def test_batch_shows_hash_counts_and_missing_approvals(cli: Cli) -> None:
    code, out, _ = cli("batch", *SELECT)
    assert code == 0
    full = cli.batch_hash()
    assert re.search(r"^fr +2 +missing +- +[0-9a-f]{12}$", out, re.MULTILINE), out
    assert out.rstrip().endswith(
        f"batch not approved at hash {full[:12]}…: missing approval for ar, zh, en, fr, ru, es"
    )


def test_approve_then_reject_then_change(cli: Cli) -> None:
    code, out, _ = cli("approve", *SELECT, "--user", "nadia", "--comment", "ok")
    assert code == 0
    assert re.match(r"nadia approved ar [0-9a-f]{12}…, zh [0-9a-f]{12}…, en ", out), out
    # The account is kept beside the operating-system user who ran the command.
    from missive.app.people import os_user
    from missive.review.approvals import list_approvals

    terminal = f"as os:{os_user()})]"
    assert "[recorded by account nadia (cli@" in out.splitlines()[0] and terminal in out
    recorded = {a.recorded_by for a in list_approvals(Path(cli.journal), "wsis20-invitation")}
    assert len(recorded) == 1 and recorded.pop().startswith("account nadia (cli@")
    from missive.access.permissions import Actor, Role
    from missive.app.people import audit_log

    logged = audit_log(Path(cli.journal), Actor("admin", Role.ADMIN)).entries
    entry = next(e for e in logged if e.action.startswith("approved"))
    assert entry.actor == "nadia" and entry.action.startswith("approved ar,zh")
    assert any(e.action == "log in" and e.actor == "nadia" for e in logged)
    # One `decide` for both front ends: the audit log keeps the hashes decided on, as the
    # workspace's decisions always did.
    hashes = ", ".join(a.hash[:12] for a in list_approvals(Path(cli.journal), "wsis20-invitation"))
    assert entry.detail == f"hash {hashes}; ok"
    # ... and keeps the text inputs, so the review page can show what changed since.
    kept = Path(cli.journal).with_name(Path(cli.journal).name + ".inputs")
    assert len(list(kept.iterdir())) >= 6  # the letter, its templates and catalogs
    assert out.rstrip().endswith("approved: every language at hash " + cli.batch_hash()[:12] + "…")
    code, out, _ = cli("reject", *SELECT, "--lang", "es", "--user", "carmen", "--reason", "x")
    assert code == 0
    assert re.search(r"^es +3 +rejected +nadia ", out, re.MULTILINE), out
    assert out.rstrip().endswith("rejected for es by carmen: x")
    template = cli.root / "templates" / "wsis20-invitation.fr.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    code, out, _ = cli("batch", *SELECT)
    assert "changed since approval of fr: templates/wsis20-invitation.fr.md.j2" in out


def test_reject_needs_a_reason(cli: Cli) -> None:
    with pytest.raises(SystemExit):
        cli("reject", *SELECT, "--user", "carmen")


def test_approval_from_the_rendered_folder_reviewers_saw(cli: Cli) -> None:
    proof = cli.root / "out" / "proof"
    render_batch(
        Path(cli.letter),
        proof,
        BatchOptions(groups=(Group.GOVERNMENTS,), jobs=1, persist_serials=False),
    )
    code, out, _ = cli("approve", *SELECT, "--rendered", str(proof), "--user", "li")
    assert code == 0, out
    # The same bytes rendered again now: the approval holds.
    assert "approved: every language" in cli("batch", *SELECT)[1]
    # A PDF altered on disk is refused before anything is recorded.
    pdf = next(proof.glob("fr-*.pdf"))
    pdf.write_bytes(pdf.read_bytes() + b"\n")
    code, _, err = cli("approve", *SELECT, "--rendered", str(proof), "--user", "li")
    assert code == 1
    assert f"{pdf}:1:1: this PDF is not the one the manifest lists" in err


def test_send_refuses_an_unapproved_batch(cli: Cli) -> None:
    full = cli.batch_hash()
    cli("approve", *SELECT, "--lang", "en", "--lang", "es", "--user", "alice")
    code, _, err = cli("send", *SELECT, "--smtp", "smtp://127.0.0.1:9", "--no-dry-run")
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        f"error: batch not approved at hash {full[:12]}…: missing approval for ar, zh, fr, ru"
    )


def test_schedule_list_cancel(cli: Cli) -> None:
    code, out, err = cli(
        "schedule",
        *SELECT,
        "--at",
        "2999-02-01 09:00",
        "--tz",
        "Europe/Zurich",
        "--relay",
        "bulk",
    )
    assert code == 0
    assert out.startswith("job 1 scheduled for 2999-02-01 09:00:00 Europe/Zurich")
    assert "missing approval for ar, zh, en, fr, ru, es" in err
    (job,) = list_jobs(Path(cli.journal))
    assert job.options == ("relay bulk", "group governments")
    code, out, _ = cli("jobs", "--cancel", "1", letter=False)
    assert code == 0
    assert re.search(r"^1 +cancelled +2999-02-01 09:00 Europe/Zurich", out, re.MULTILINE), out
    code, _, err = cli("jobs", "--release", "1", letter=False)
    assert (code, err.strip()) == (1, "error: job 1 is cancelled: only a held job can be released")


def test_worker_runs_a_due_job_through_the_send_gate(cli: Cli) -> None:
    journal = Path(cli.journal)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    job = schedule(
        journal,
        Path(cli.letter),
        past + dt.timedelta(minutes=1),
        request=SendJob(groups=("governments",)),
        now=past,
    )
    full = cli.batch_hash()
    code, out, _ = cli("worker", "--once", "--smtp", "smtp://127.0.0.1:9", letter=False)
    assert code == 0
    ran = get_job(journal, job.id)
    assert ran.state is JobState.FAILED
    assert ran.error == (
        f"batch not approved at hash {full[:12]}…: missing approval for ar, zh, en, fr, ru, es"
    )
    assert f"job {job.id} failed: batch not approved" in out


def test_approved_batch_is_sent_by_the_worker_and_reported(cli: Cli) -> None:
    from smtp_server import Faults, RecordingHandler, running_server

    from missive.app.report import collect_report
    from missive.deliver.journal import Journal
    from missive.load import load_letter, load_recipients
    from missive.web.report_view import report_document

    cli("approve", *SELECT, "--user", "nadia", "--comment", "vu & approuvé")
    letter = load_letter(cli.root / "letters" / "wsis20-invitation.yaml")
    everyone = load_recipients(cli.root / "recipients" / "wsis20-stakeholders.csv", letter)
    governments = [r for r in everyone if r.group == Group.GOVERNMENTS]
    refused = next(r.email for r in governments if r.id == "fr-gov-01")
    handler = RecordingHandler(Faults(rcpt_always={refused: "550 5.1.1 <nobody> here"}))
    journal = Path(cli.journal)
    now = dt.datetime.now(dt.UTC)
    with running_server(handler) as server:
        job = schedule(
            journal,
            Path(cli.letter),
            now + dt.timedelta(seconds=1),
            request=SendJob(groups=("governments",)),
            now=now,
        )
        while dt.datetime.now(dt.UTC) < job.due_at:
            time.sleep(0.05)
        relay = f"smtp://{server.host}:{server.port}"
        code, _, err = cli("worker", "--once", "--smtp", relay, letter=False)
    assert code == 0, err
    ran = get_job(journal, job.id)
    assert ran.state is JobState.FAILED
    assert ran.error == "the send finished with recipients failed or held: see `send.py status`"
    assert refused not in {to for message in handler.received for to in message.rcpt_tos}
    sent = len(governments) - 1
    with Journal.open(journal, writer=False) as reader:
        report = collect_report(reader, "wsis20-invitation", Path(cli.letter), now=now)
    page = report_document(report)
    assert f'1 <span class="state failed_permanent">failed permanent</span>, {sent} <span' in page
    assert "5.1.1 &lt;nobody&gt; here</td>" in page
    assert "<td>nadia</td><td>ar, zh, en, fr, ru, es</td>" in page
    assert "vu &amp; approuvé" in page
    assert "First message sent" in page
    assert "<h2>Scheduled sends</h2>" in page
    # The worker's send is in the audit log: its start, and its end with the counts.
    from missive.access.audit import entries

    logged = [(e.action, e.target, e.detail) for e in entries(journal).entries]
    assert ("send start", "wsis20-invitation") in [(a, t) for a, t, _ in logged]
    (end,) = [d for a, _, d in logged if a == "send end"]
    assert end.startswith(f"job {job.id} failed:") and f"{sent} sent" in end
    assert "1 failed_permanent" in end


def test_the_worker_never_sends_credentials_to_a_relay_without_tls(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 1: an operator could make the worker log in, in clear, to a host of theirs."""
    from smtp_server import RecordingHandler, password_authenticator, running_server

    cli("approve", *SELECT, "--user", "nadia")
    monkeypatch.setenv("MISSIVE_SMTP_USERNAME", "ops")
    monkeypatch.setenv("MISSIVE_SMTP_PASSWORD", "the relay's password")
    tried: list[str] = []
    check = password_authenticator("ops", "the relay's password")

    def authenticator(server: object, session: object, envelope: object, mechanism: str,
                      auth_data: object) -> object:  # fmt: skip
        tried.append(mechanism)
        return check(server, session, envelope, mechanism, auth_data)

    journal = Path(cli.journal)
    handler = RecordingHandler()
    with running_server(handler, authenticator=authenticator) as server:  # AUTH, no TLS
        url = f"smtp://{server.host}:{server.port}"
        now = dt.datetime.now(dt.UTC)
        job = schedule(journal, Path(cli.letter), now + dt.timedelta(seconds=1),
                       request=SendJob(groups=("governments",)), now=now)  # fmt: skip
        while dt.datetime.now(dt.UTC) < job.due_at:
            time.sleep(0.05)
        assert cli("worker", "--once", "--smtp", url, letter=False)[0] == 0
        refused = get_job(journal, job.id)
        assert refused.state is JobState.FAILED
        assert refused.error is not None and "never sent without TLS" in refused.error
        assert tried == [] and handler.received == []  # no AUTH, no message
        # Only the worker's own configuration may allow it, for a loopback relay.
        relays = tmp_path / "relays.toml"
        relays.write_text(f'[relays.local]\nurl = "{url}"\nplain_auth = true\n')
        now = dt.datetime.now(dt.UTC)
        local = SendJob(relay="local", groups=("governments",))
        job = schedule(journal, Path(cli.letter), now + dt.timedelta(seconds=1),
                       request=local, now=now)  # fmt: skip
        while dt.datetime.now(dt.UTC) < job.due_at:
            time.sleep(0.05)
        assert cli("worker", "--once", "--relays", str(relays), letter=False)[0] == 0
    assert get_job(journal, job.id).state is JobState.DONE
    assert tried and set(tried) <= {"PLAIN", "LOGIN"} and handler.received


def test_two_reviewers_are_two_accounts(cli: Cli) -> None:
    """Finding 10: `approve --reviewer Alice`, then `--reviewer Bob`, by one OS user, made two
    reviewers; any name was accepted, even a web account bound to another language."""
    letter = Path(cli.letter)
    text = letter.read_text(encoding="utf-8")
    letter.write_text(text.replace("reviewers_required: 1", "reviewers_required: 2"), "utf-8")
    journal = Path(cli.journal)
    add_reviewer(journal, "nadia", [Language.AR])
    add_reviewer(journal, "omar", role=Role.OPERATOR)
    code, _, err = cli("approve", *SELECT, "--lang", "ru", "--user", "nadia")
    assert code == 1 and "nadia may not approve or reject for ru" in err
    code, _, err = cli("approve", *SELECT, "--lang", "ru", "--user", "omar")
    assert code == 1 and "omar may not approve or reject" in err
    assert cli("approve", *SELECT, "--lang", "ru", "--user", "ivan")[0] == 0
    # A wrong password (or an unknown name) is refused.
    stdin, sys.stdin = sys.stdin, io.StringIO("not the password\n")
    try:
        assert main(["approve", cli.letter, "--journal", cli.journal, *SELECT,
                     "--user", "olga"]) == 1  # fmt: skip
    finally:
        sys.stdin = stdin
    assert "wrong user name or password" in cli.capsys.readouterr().err
    cli("approve", *SELECT, "--lang", "ru", "--user", "olga")
    _, out, _ = cli("approve", *SELECT, "--lang", "ru", "--user", "olga")
    assert re.search(r"^ru +\d+ +approved +ivan, olga ", out, re.MULTILINE), out
    _, out, _ = cli("batch", *SELECT, "--lang", "zh")
    cli("approve", *SELECT, "--lang", "zh", "--user", "olga")
    _, out, _ = cli("approve", *SELECT, "--lang", "zh", "--user", "olga")
    assert re.search(r"^zh +\d+ +partial +olga ", out, re.MULTILINE), out
    _, out, _ = cli("batch", *SELECT, "--lang", "zh")
    assert out.rstrip().endswith("zh needs 2 distinct reviewers, has 1 (olga)")
