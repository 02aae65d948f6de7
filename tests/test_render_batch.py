"""render on the real sample letter: one recipient per language, batches, the command."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from pdf_reading import logical, texts

from missive.app.progress import Progress
from missive.app.render_batch import BatchOptions, render_batch
from missive.cli import main
from missive.compose.composer import Composer
from missive.load import iter_recipients, load_letter
from missive.load.serials import assign_serials
from missive.model import Group, Language, Letter, Recipient
from missive.render.pdf import Renderer

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "letters" / "wsis20-invitation.yaml"


@pytest.fixture(scope="module")
def letter() -> Letter:
    return load_letter(SAMPLE)


def first_per_language(letter: Letter) -> dict[Language, Recipient]:
    found: dict[Language, Recipient] = {}
    for recipient in iter_recipients(letter.recipients_path, letter):
        found.setdefault(recipient.language, recipient)
    return found


def squeeze(text: str) -> str:
    return "".join(logical(text).split())


@pytest.mark.parametrize("language", list(Language))
def test_sample_letter_renders_with_date_name_and_reference(
    letter: Letter, language: Language
) -> None:
    ids = [r.id for r in iter_recipients(letter.recipients_path, letter)]
    composer = Composer(letter, assign_serials(letter, ids, persist=False))
    recipient = first_per_language(letter)[language]
    composed = composer.compose(recipient)
    pdf = Renderer().render(composed, created=letter.date)
    assert pdf.pages >= 1
    serial = composed.reference.rsplit("/", 1)[-1]
    for text in texts(pdf.data):
        flat = squeeze(text)
        assert squeeze(composed.date_text) in flat  # Babel's date for that locale
        assert squeeze(recipient.name) in flat
        assert serial in flat
        if language is not Language.AR:
            assert squeeze(composed.reference) in flat


def read_manifest(out: Path) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = json.loads((out / "manifest.json").read_text("utf-8"))
    return entries


def test_batch_writes_pdfs_and_a_manifest_that_matches_them(tmp_path: Path) -> None:
    out = tmp_path / "pdf"
    options = BatchOptions(groups=(Group.GOVERNMENTS,), jobs=1, persist_serials=False)
    manifest = render_batch(SAMPLE, out, options)
    entries = read_manifest(out)
    assert manifest.letters == len(entries) == 15
    assert sum(manifest.per_language.values()) == 15
    for entry in entries:
        assert set(entry) == {
            "recipient", "language", "group", "reference", "pdf", "sha256", "pages", "bytes",
        }  # fmt: skip
        data = (out / str(entry["pdf"])).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["bytes"]
        assert entry["group"] == "governments"
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*(str(e["pdf"]) for e in entries), "manifest.json"]
    )
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_two_processes_give_the_same_bytes_as_one(tmp_path: Path) -> None:
    for jobs, name in ((1, "one"), (2, "two")):
        options = BatchOptions(
            languages=(Language.AR, Language.ZH), limit=8, jobs=jobs, persist_serials=False
        )
        render_batch(SAMPLE, tmp_path / name, options)
    one, two = read_manifest(tmp_path / "one"), read_manifest(tmp_path / "two")
    assert one == two
    assert len(one) == 8


def test_a_failed_batch_leaves_the_output_folder_untouched(tmp_path: Path) -> None:
    out = tmp_path / "pdf"
    out.mkdir()
    (out / "earlier.pdf").write_bytes(b"%PDF earlier")

    def interrupt(event: Progress) -> None:
        if event.done == 3:
            raise KeyboardInterrupt

    options = BatchOptions(jobs=1, persist_serials=False)
    with pytest.raises(KeyboardInterrupt):
        render_batch(SAMPLE, out, options, on_progress=interrupt)
    assert [p.name for p in out.iterdir()] == ["earlier.pdf"]
    assert [p.name for p in tmp_path.iterdir()] == ["pdf"]


def test_render_command_checks_renders_and_summarises(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pdf"
    code = main(
        ["render", str(SAMPLE), "--out", str(out), "--lang", "en", "--limit", "3", "--jobs", "1"]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "Rendered 3 letters" in printed and "en 3" in printed
    assert str(out / "manifest.json") in printed
    assert len(read_manifest(out)) == 3


def test_render_command_writes_nothing_on_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "recipients.csv"
    broken.write_text(
        "id,email,language,group,name,gender,honorific,position,organization,country,cc\n"
        "x-1,not-an-address,en,governments,Ann,female,,Minister,Ministry,CH,\n",
        encoding="utf-8",
    )
    out = tmp_path / "pdf"
    code = main(["render", str(SAMPLE), "--out", str(out), "--recipients", str(broken)])
    assert code == 1
    assert "recipients.csv:2" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("command", ["render", "proof"])
def test_help_ends_with_a_real_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert f"python send.py {command} letters/wsis20-invitation.yaml --out" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize("command", ["render", "send", "batch"])
def test_an_unknown_group_is_refused_not_an_empty_selection(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    where = ["--out", str(out)] if command == "render" else ["--journal", str(tmp_path / "j.db")]
    assert main([command, str(SAMPLE), "--group", "governmnets", *where]) == 1
    err = capsys.readouterr().err
    assert "unknown group 'governmnets'" in err
    assert "governments" in err and "Traceback" not in err
    assert not out.exists()
