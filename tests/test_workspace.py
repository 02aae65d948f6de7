"""The workspace's letters: rendered by a job, never in a request; what it reports is what the
command line reports; a decision is bound to the hash the reviewer saw."""

from __future__ import annotations

import csv
import inspect
import re
from pathlib import Path

import pytest
from web_fixtures import LETTER, Workspace, make_workspace

from missive.app.batch_store import store_of
from missive.app.check import CheckRequest, check_letter
from missive.cli import main
from missive.load import iter_recipients, load_recipients

REPO = Path(__file__).resolve().parent.parent
REMINDER = "egov-survey-reminder"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return make_workspace(tmp_path_factory.mktemp("workspace"), render=True)


# --- defect 3: the web re-implemented a use case ---------------------------------------------


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
    assert letter["check"] == {"ok": True, "state": "done", "problems": []}
    assert letter["recipients"] == report.recipients == 13
    counts = {(c["language"], c["group"]): c["recipients"] for c in letter["counts"]}
    assert counts == {(lang.value, group): n for (lang, group), n in report.counts.items()}
    page = client.get("/").text
    assert "unknown group" not in page
    assert "Check passed: 13 recipients." in page


# --- defect 1: the whole batch rendered inside a request -------------------------------------


def test_a_request_never_renders_it_says_the_letter_is_queued(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)  # nothing rendered: no renderer runs here
    client, token = ws.login("nadia")
    letter = client.get(f"/api/v1/letters/{LETTER}").json()
    assert letter["render"]["state"] == "queued"
    assert letter["batch_hash"] == "" and letter["check"]["state"] == "pending"
    assert all("hash" not in a for a in letter["approvals"].values())
    assert client.get(f"/letters/{LETTER}/pages/ar-gov-01/1").status_code == 404
    assert "Rendering: queued" in client.get("/").text
    body = {"language": "ar", "decision": "approve", "hash": "0" * 64}
    refused = client.post(
        f"/api/v1/letters/{LETTER}/approvals", json=body, headers={"X-CSRF-Token": token}
    )
    assert refused.status_code == 409 and refused.json()["rendering"] is True, refused.text
    assert not list(store_of(ws.journal).glob("*/*/*.pdf"))  # the requests drew nothing
    ws.render()
    letter = client.get(f"/api/v1/letters/{LETTER}").json()
    assert letter["render"] | {"rate_per_second": 0} == {
        "state": "done",
        "done": 62,
        "total": 62,
        "rate_per_second": 0,
        "eta_seconds": 0,
        "languages": {
            "ar": {"done": 11, "total": 11},
            "zh": {"done": 10, "total": 10},
            "en": {"done": 10, "total": 10},
            "fr": {"done": 10, "total": 10},
            "ru": {"done": 10, "total": 10},
            "es": {"done": 11, "total": 11},
        },
    }
    assert len(list(store_of(ws.journal).glob(f"{LETTER}/*/*.pdf"))) == 62


# --- defect 2: an approval not bound to what the reviewer saw --------------------------------


def edit_a_french_row(root: Path) -> None:
    path = root / "recipients" / "wsis20-stakeholders.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    french = next(row for row in rows if row[2] == "fr")
    french[4] = french[4] + " Dupont"
    # Saved whole, as a spreadsheet saves (a new file moved over the old one): written in
    # place, the renderer could read it half-written, and the page would then say that no
    # recipient reads the language instead of what changed.
    saved = path.with_name(path.name + ".saving")
    with saved.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    saved.replace(path)


def test_an_approval_names_the_hash_the_reviewer_saw(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, render=True)
    client, token = ws.login("nadia")
    url = f"/api/v1/letters/{LETTER}/approvals"
    seen = ws.hash_of(LETTER, "ar")

    def decide(**body: str) -> tuple[int, dict[str, object]]:
        reply = client.post(url, json={"language": "ar", "decision": "approve", **body},
                            headers={"X-CSRF-Token": token})  # fmt: skip
        return reply.status_code, reply.json()

    status, missing = decide()
    assert status == 422 and "hash" in str(missing["detail"])
    edit_a_french_row(ws.root)  # the list is an input of every language
    status, rendering = decide(hash=seen)
    assert status == 409 and rendering["rendering"] is True
    assert rendering["current_hash"] is None
    assert rendering["changed"] == ["recipients/wsis20-stakeholders.csv"]
    ws.render()
    current = ws.hash_of(LETTER, "ar")
    assert current != seen
    status, stale = decide(hash=seen)
    assert status == 409 and stale["current_hash"] == current and stale["rendering"] is False
    assert stale["changed"] == ["recipients/wsis20-stakeholders.csv"]
    assert "recipients/wsis20-stakeholders.csv" in str(stale["detail"])
    status, approved = decide(hash=current, comment="checked")
    assert status == 201 and approved["language_hash"] == current
    letter = client.get(f"/api/v1/letters/{LETTER}").json()
    assert letter["approvals"]["ar"]["state"] == "approved"


def test_the_review_form_carries_the_hash_and_a_stale_one_is_refused_in_the_page(
    tmp_path: Path,
) -> None:
    ws = make_workspace(tmp_path, render=True)
    client = ws.form_login("nadia")
    page = client.get(f"/letters/{LETTER}/review/fr").text
    assert "Only a reviewer of fr" in page  # nadia reviews Arabic
    page = client.get(f"/letters/{LETTER}/review/ar").text
    shown = re.search(r'name="hash" value="([0-9a-f]{64})"', page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert shown is not None and token is not None
    assert shown.group(1) == ws.hash_of(LETTER, "ar")
    edit_a_french_row(ws.root)
    ws.render()
    form = {"csrf_token": token.group(1), "hash": shown.group(1), "decision": "approve"}
    refused = client.post(f"/letters/{LETTER}/review/ar", data=form)
    assert refused.status_code == 409
    assert "Not recorded: ar changed since you opened it" in refused.text
    assert "<code>recipients/wsis20-stakeholders.csv</code>" in refused.text
    assert 'id="review-state">missing<' in refused.text


# --- one use case behind every front end -------------------------------------------------------


def cli_view(letter: str, journal: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    """What the command line says of a letter: `check`'s problems and counts, `batch`'s hashes."""
    code = main(["check", letter])
    out, err = capsys.readouterr()
    problems = [line for line in err.splitlines() if re.match(r"\S+:\d+:\d+: ", line)]
    counts = {}
    if code == 0:
        table = out.split("\n\n", 1)[1].splitlines()
        groups = table[0].split()[1:-1]
        for row in table[1:-1]:
            language, *numbers = row.split()
            counts.update({(language, g): int(n) for g, n in zip(groups, numbers, strict=False)})
    hashes: dict[str, str] = {}
    if code == 0:
        main(["batch", letter, "--journal", str(journal)])
        out = capsys.readouterr().out
        found = re.search(r"^hash +([0-9a-f]{64})$", out, re.M)
        assert found is not None
        hashes["batch"] = found.group(1)
        for language, short in re.findall(r"^(\w\w) +\d+ +\w+ +- +([0-9a-f]{12})$", out, re.M):
            hashes[language] = short
    return {
        "problems": problems,
        "counts": {k: v for k, v in counts.items() if v},
        "hashes": hashes,
    }


def api_view(client: object, key: str) -> dict[str, object]:
    letter = client.get(f"/api/v1/letters/{key}").json()  # type: ignore[attr-defined]
    assert letter["check"]["state"] == "done" and letter["render"]["state"] in ("done", "failed")
    counts = {(c["language"], c["group"]): c["recipients"] for c in letter["counts"]}
    hashes = {}
    if letter["batch_hash"]:
        hashes["batch"] = letter["batch_hash"]
        hashes.update({lang: a["hash"][:12] for lang, a in letter["approvals"].items()})
    problems = letter["check"]["problems"]
    return {"problems": problems, "counts": counts if not problems else {}, "hashes": hashes}


@pytest.mark.parametrize("folder", ["letters", "tests/data/letters"])
def test_every_letter_reads_the_same_through_the_command_line_and_the_api(
    folder: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # problems name files as they are typed: relative
    ws = make_workspace(tmp_path / "ws")
    ws = ws.served_from(Path(folder))
    ws.render()
    client, _ = ws.login("sec")
    keys = sorted(p.stem for p in Path(folder).glob("*.yaml"))
    views = []
    for key in keys:
        cli = cli_view(f"{folder}/{key}.yaml", tmp_path / "cli.sqlite", capsys)
        assert api_view(client, key) == cli, key
        views.append(cli)
    assert any(view["hashes"] for view in views)
    assert folder == "letters" or any(view["problems"] for view in views)
