"""`send --window` and scheduled jobs with a window, against a real SMTP server and journal.

The governments of the sample list (15 letters) on Wednesday 2 December 2026, window
08:00-18:00: at 09:00 UTC Bogotá and Lima (04:00) are asleep, and so is the British
delegate whose row says `timezone: America/New_York`; all three open at 13:00 UTC.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest
from reviewers import PASSWORD, add_reviewer
from smtp_server import Server, running_server

from missive.app.jobs import WorkerRelays, worker_relays
from missive.cli import build_parser, main
from missive.cli.send import WAITING, execute, request_from
from missive.cli.worker import run_send
from missive.deliver.journal import Journal, SendState
from missive.load import load_letter, load_recipients
from missive.schedule.jobs import Job, JobState, get_job, schedule
from missive.schedule.request import SendJob
from missive.schedule.worker import run_worker

REPO = Path(__file__).resolve().parent.parent
SELECT = ("--group", "governments")
WINDOW = ("--window", "08:00-18:00")
NINE_UTC = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)  # a Wednesday
OPENING = dt.datetime(2026, 12, 2, 13, 0, tzinfo=dt.UTC)
ASLEEP = {"es-gov-01", "es-gov-03", "en-gov-02"}
EVERYONE = 15


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.letter = root / "letters" / "wsis20-invitation.yaml"
        self.journal = root / "out" / "wsis20.sqlite"
        self.recipients = root / "recipients" / "wsis20-stakeholders.csv"

    def argv(self, command: str, *extra: str) -> list[str]:
        return [command, str(self.letter), "--journal", str(self.journal), *SELECT, *extra]

    def send(self, server: Server, now: dt.datetime) -> int:
        argv = self.argv("send", *WINDOW, *smtp(server), "--rate", "100/s", "--no-dry-run")
        return execute(request_from(build_parser().parse_args(argv)), now).code

    def states(self) -> dict[str, SendState]:
        with Journal.open(self.journal, writer=False) as journal:
            [batch] = journal.batches()
            return {r.recipient_id: r.state for r in journal.rows(batch.id)}

    def ids_of(self, server: Server) -> Counter[str]:
        """Recipient id of each message the server received, counted."""
        listed = load_recipients(self.recipients, load_letter(self.letter))
        by_email = {r.email: r.id for r in listed}
        return Counter(by_email[m.rcpt_tos[0]] for m in server.handler.received)


def smtp(server: Server) -> tuple[str, str]:
    return ("--smtp", f"smtp://{server.host}:{server.port}")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    for name in ("letters", "templates", "recipients", "signatories"):
        shutil.copytree(REPO / name, tmp_path / name)
    made = Project(tmp_path)
    add_timezone(made.recipients, "en-gov-02", "America/New_York")
    add_reviewer(made.journal)
    stdin, sys.stdin = sys.stdin, io.StringIO(PASSWORD + "\n")
    try:
        assert main(made.argv("approve", "--user", "tester")) == 0
    finally:
        sys.stdin = stdin
    return made


def add_timezone(path: Path, recipient_id: str, zone: str) -> None:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        fields = [*(reader.fieldnames or []), "timezone"]
        rows = [{**row, "timezone": zone if row["id"] == recipient_id else ""} for row in reader]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def test_send_delivers_the_open_window_now_and_the_rest_later(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_server() as server:
        assert project.send(server, NINE_UTC) == WAITING
        out = capsys.readouterr().out
        first = project.ids_of(server)
        assert set(first) == set(project.states()) - ASLEEP
        assert set(first.values()) == {1}
        states = project.states()
        assert {rid for rid, s in states.items() if s is SendState.QUEUED} == ASLEEP
        assert "3 recipient(s) wait for the send window 08:00-18:00 in their time zone;" in out
        assert "the first opens 2026-12-02 13:00 UTC (08:00 America/New_York for en-gov-02)" in out

        # Still before the opening: nothing more goes, nothing is sent twice.
        assert project.send(server, OPENING - dt.timedelta(minutes=1)) == WAITING
        assert project.ids_of(server) == first

        assert project.send(server, OPENING + dt.timedelta(hours=2)) == 0
        everyone = project.ids_of(server)
    assert len(everyone) == EVERYONE and set(everyone.values()) == {1}
    assert set(project.states().values()) == {SendState.SENT}


def test_dry_run_with_a_window_says_who_would_wait(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = project.argv("send", *WINDOW, "--smtp", "smtp://127.0.0.1:9")
    assert execute(request_from(build_parser().parse_args(argv)), NINE_UTC).code == 0
    out = capsys.readouterr().out
    assert "3 recipient(s) would wait for the send window 08:00-18:00" in out
    with Journal.open(project.journal, writer=False) as journal:
        assert journal.batches() == []


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


def scheduled(project: Project, due: dt.datetime) -> Job:
    request = SendJob(rate="100/s", groups=("governments",), window="08:00-18:00")
    return schedule(
        project.journal, project.letter, due, request=request, now=due - dt.timedelta(hours=1)
    )


def relays_of(server: Server) -> WorkerRelays:
    return worker_relays(f"smtp://{server.host}:{server.port}")


def test_a_job_with_a_window_is_queued_again_for_the_opening(project: Project) -> None:
    clock = Clock(NINE_UTC)

    with running_server() as server:
        relays = relays_of(server)

        def run_job(job: Job) -> dt.datetime | None:
            return run_send(project.journal, job, relays, now=clock())

        job = scheduled(project, NINE_UTC - dt.timedelta(minutes=5))
        (ran,) = run_worker(project.journal, clock, lambda _: None, run_job, once=True)
        assert (ran.state, ran.due_at) == (JobState.QUEUED, OPENING)
        assert ran.error == "recipients wait for their send window: runs again when it opens"
        assert len(project.ids_of(server)) == EVERYONE - len(ASLEEP)

        clock.now = OPENING - dt.timedelta(seconds=1)
        assert run_worker(project.journal, clock, lambda _: None, run_job, once=True) == ()

        clock.now = OPENING + dt.timedelta(minutes=20)
        (ran,) = run_worker(project.journal, clock, lambda _: None, run_job, once=True)
        everyone = project.ids_of(server)
    assert get_job(project.journal, job.id).state is JobState.DONE
    assert ran.state is JobState.DONE and ran.error is None
    assert len(everyone) == EVERYONE and set(everyone.values()) == {1}


def test_a_long_run_does_not_make_its_requeue_overdue(project: Project) -> None:
    """The first run ends at 14:30, after the 13:00 opening plus the grace: the requeue is
    due at 14:30, not held, and the same worker pass sends the rest."""
    clock = Clock(NINE_UTC)

    with running_server() as server:
        relays = relays_of(server)

        def slow_run(job: Job) -> dt.datetime | None:
            again = run_send(project.journal, job, relays, now=clock())
            clock.now = clock.now.replace(hour=14, minute=30)
            return again

        job = scheduled(project, NINE_UTC - dt.timedelta(minutes=5))
        first, second = run_worker(project.journal, clock, lambda _: None, slow_run, once=True)
        everyone = project.ids_of(server)
    assert (first.state, first.due_at) == (JobState.QUEUED, clock.now)
    assert second.state is JobState.DONE
    assert get_job(project.journal, job.id).state is JobState.DONE
    assert len(everyone) == EVERYONE and set(everyone.values()) == {1}


def test_schedule_stores_the_window_and_refuses_a_bad_one(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    at = ("--at", "2999-02-01 06:00")
    assert main(project.argv("schedule", *at, "--window", "8:00-18:00")) == 0
    assert "window 08:00-18:00" in capsys.readouterr().out
    assert main(project.argv("schedule", *at, "--window", "18:00-08:00")) == 1
    assert "send window '18:00-08:00' closes before it opens" in capsys.readouterr().err
