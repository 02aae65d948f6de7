"""The workspace's letters: what it reports is what the command line reports."""

from __future__ import annotations

import inspect

import pytest
from web_fixtures import Workspace, make_workspace

from missive.app.check import CheckRequest, check_letter
from missive.load import iter_recipients, load_recipients

REMINDER = "egov-survey-reminder"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return make_workspace(tmp_path_factory.mktemp("workspace"))


def test_a_list_cannot_be_read_without_its_letter() -> None:
    # Read alone, a list knew only the built-in groups, and refused a letter's own.
    for read in (load_recipients, iter_recipients):
        assert inspect.signature(read).parameters["letter"].default is inspect.Parameter.empty


def test_a_letter_with_groups_of_its_own_checks_in_the_workspace_as_on_the_command_line(
    ws: Workspace,
) -> None:
    report = check_letter(CheckRequest(ws.root / "letters" / f"{REMINDER}.yaml"))
    client, _ = ws.login("sec")
    letter = client.get(f"/api/v1/letters/{REMINDER}").json()
    assert letter["check"] == {"ok": True, "problems": []}
    assert letter["recipients"] == report.recipients == 13
    counts = {(c["language"], c["group"]): c["recipients"] for c in letter["counts"]}
    assert counts == {(lang.value, group): n for (lang, group), n in report.counts.items()}
    page = client.get("/").text
    assert "unknown group" not in page
    assert "Check passed: 13 recipients." in page
