"""Batch hash and approvals on a copy of the sample project, with a real SQLite journal."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from missive.errors import ApprovalError
from missive.load import load_letter, load_recipients
from missive.model import Language, Letter, Recipient
from missive.review.approvals import (
    ApprovalGate,
    BatchDigest,
    Decision,
    LanguageState,
    Selection,
    collect_inputs,
    digest_batch,
    list_approvals,
    record_decision,
    require_approved,
    select_recipients,
)

REPO = Path(__file__).resolve().parent.parent
PROJECT_DIRS = ("letters", "templates", "recipients", "signatories")
T0 = dt.datetime(2024, 1, 31, 9, 0, tzinfo=dt.UTC)


@dataclasses.dataclass
class Project:
    root: Path
    letter: Letter
    recipients: tuple[Recipient, ...]
    journal: Path
    catalogs: Path

    def manifest(self, changed: str | None = None) -> list[tuple[str, str]]:
        """Stand-in PDF digests: the render stage's real ones are covered in test_review_cli."""
        return [
            (r.id, sha256(stand_in_pdf(r.id, changed=r.id == changed))) for r in self.recipients
        ]

    def digest(self, manifest: list[tuple[str, str]] | None = None) -> BatchDigest:
        inputs = collect_inputs(self.letter, self.recipients, catalog_dir=self.catalogs)
        return digest_batch(inputs, self.manifest() if manifest is None else manifest)

    def approve(self, reviewer: str, *languages: Language) -> None:
        record_decision(
            self.journal,
            self.digest(),
            reviewer=reviewer,
            decision=Decision.APPROVED,
            languages=languages,
            now=T0,
        )

    def require(self, manifest: list[tuple[str, str]] | None = None) -> ApprovalGate:
        return require_approved(
            self.journal,
            self.letter,
            self.recipients,
            self.manifest() if manifest is None else manifest,
            catalog_dir=self.catalogs,
        )


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    for name in PROJECT_DIRS:
        shutil.copytree(REPO / name, tmp_path / name)
    catalogs = tmp_path / "locale"
    shutil.copytree(REPO / "missive" / "locale", catalogs)
    letter = load_letter(tmp_path / "letters" / "wsis20-invitation.yaml")
    recipients = load_recipients(letter.recipients_path, letter)
    yield Project(tmp_path, letter, recipients, tmp_path / "journal.sqlite", catalogs)


def stand_in_pdf(recipient_id: str, *, changed: bool = False) -> bytes:
    return f"%PDF-1.4 letter for {recipient_id}{' (changed)' if changed else ''}".encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def touch_one_character(path: Path, line_number: int | None = None) -> None:
    """Change one character of a line (the last by default) that has a letter in it."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    index = len(lines) - 1 if line_number is None else line_number
    while not any(c.isalpha() for c in lines[index]):
        index -= 1
    line = lines[index]
    position = next(i for i, c in enumerate(line) if c.isalpha())
    swapped = line[position].swapcase()
    if swapped == line[position]:
        swapped = "x" if line[position] != "x" else "y"
    lines[index] = line[:position] + swapped + line[position + 1 :]
    path.write_text("".join(lines), encoding="utf-8")


def short(project: Project) -> str:
    return project.digest().short


def test_unapproved_batch_names_every_missing_language(project: Project) -> None:
    with pytest.raises(ApprovalError) as caught:
        project.require()
    assert str(caught.value) == (
        f"batch not approved at hash {short(project)}…: missing approval for ar, zh, en, fr, ru, es"
    )
    assert caught.value.missing == ("ar", "zh", "en", "fr", "ru", "es")


def test_approved_batch_passes_and_is_recorded(project: Project) -> None:
    project.approve("Aïcha Ben Ali")
    digest = project.require().digest
    history = list_approvals(project.journal, project.letter.key)
    assert {a.language for a in history} == set(project.letter.languages)
    assert {a.batch_hash for a in history} == {digest.hash}
    assert history[0].reviewer == "Aïcha Ben Ali"
    assert history[0].decided_at == T0


@pytest.mark.parametrize(
    ("relative", "languages"),
    [
        ("templates/wsis20-invitation.fr.md.j2", ("fr",)),
        ("templates/wsis20-invitation.cover.zh.md.j2", ("zh",)),
        ("locale/ar/LC_MESSAGES/missive.po", ("ar",)),
        ("recipients/wsis20-stakeholders.csv", ("ar", "zh", "en", "fr", "ru", "es")),
        ("signatories/itu.yaml", ("ar", "zh", "en", "fr", "ru", "es")),
        ("letters/wsis20-invitation.yaml", ("ar", "zh", "en", "fr", "ru", "es")),
    ],
)
def test_one_character_change_invalidates_the_approval(
    project: Project, relative: str, languages: tuple[str, ...]
) -> None:
    project.approve("alice")
    before = project.digest()
    touch_one_character(project.root / relative)
    after = project.digest()
    assert after.hash != before.hash
    with pytest.raises(ApprovalError) as caught:
        project.require()
    assert set(caught.value.changed) == set(languages)
    assert all(files == (relative,) for files in caught.value.changed.values())
    unchanged = set(project.letter.languages) - {Language(code) for code in languages}
    assert all(after.languages[lang].hash == before.languages[lang].hash for lang in unchanged)


def test_refusal_message_names_missing_languages_and_changed_files(project: Project) -> None:
    project.approve("alice", Language.EN, Language.FR, Language.RU, Language.ES)
    touch_one_character(project.root / "templates" / "wsis20-invitation.fr.md.j2")
    with pytest.raises(ApprovalError) as caught:
        project.require()
    assert str(caught.value) == (
        f"batch not approved at hash {short(project)}…: missing approval for ar, zh; "
        "changed since approval of fr: templates/wsis20-invitation.fr.md.j2"
    )


def test_a_different_pdf_invalidates_its_language(project: Project) -> None:
    project.approve("alice")
    victim = next(r for r in project.recipients if r.language is Language.RU)
    with pytest.raises(ApprovalError) as caught:
        project.require(project.manifest(changed=victim.id))
    assert dict(caught.value.changed) == {"ru": (f"PDF for {victim.id}",)}


def test_pdfs_changed_by_a_changed_file_are_counted_not_listed(project: Project) -> None:
    project.approve("alice")
    touch_one_character(project.root / "templates" / "wsis20-invitation.fr.md.j2")
    victim = next(r for r in project.recipients if r.language is Language.FR)
    with pytest.raises(ApprovalError) as caught:
        project.require(project.manifest(changed=victim.id))
    assert str(caught.value).endswith(
        "changed since approval of fr: templates/wsis20-invitation.fr.md.j2 (and so 1 PDF)"
    )


def test_two_distinct_reviewers_when_the_letter_requires_them(project: Project) -> None:
    project.letter = dataclasses.replace(project.letter, reviewers_required=2)
    project.approve("alice")
    project.approve("Alice ", Language.FR)  # the same person again counts once
    with pytest.raises(ApprovalError) as caught:
        project.require()
    assert str(caught.value) == (
        f"batch not approved at hash {short(project)}…: ar, zh, en, ru, es need 2 distinct"
        " reviewers, have 1 (alice); fr needs 2 distinct reviewers, has 1 (Alice)"
    )
    project.approve("bob", Language.AR, Language.ZH, Language.EN)
    project.approve("carmen", Language.FR, Language.RU, Language.ES)
    project.require()


def test_a_rejection_after_approval_blocks_until_withdrawn(project: Project) -> None:
    project.approve("alice")
    record_decision(
        project.journal,
        project.digest(),
        reviewer="bob",
        decision=Decision.REJECTED,
        languages=(Language.ES,),
        comment="fecha errónea en el segundo párrafo",
        now=T0,
    )
    with pytest.raises(ApprovalError) as caught:
        project.require()
    assert str(caught.value) == (
        f"batch not approved at hash {short(project)}…: "
        "rejected for es by bob: fecha errónea en el segundo párrafo"
    )
    assert caught.value.rejected == ("es",)
    project.approve("bob", Language.ES)
    project.require()


def test_selection_and_language_states(project: Project) -> None:
    selected = select_recipients(
        project.letter, project.recipients, Selection(languages=(Language.FR,), limit=1)
    )
    assert len(selected) == 1
    assert selected[0].language is Language.FR
    inputs = collect_inputs(project.letter, selected, catalog_dir=project.catalogs)
    assert inputs.languages == (Language.FR,)
    labels = {f.label for f in inputs.files}
    assert "templates/wsis20-invitation.fr.md.j2" in labels
    assert "templates/wsis20-invitation.es.md.j2" not in labels
    assert any(label.startswith("fonts/") for label in labels)
    whole = project.digest()
    assert digest_batch(inputs).languages[Language.FR].hash != whole.languages[Language.FR].hash


def test_unknown_language_and_empty_reviewer_are_refused(project: Project) -> None:
    fr_only = select_recipients(
        project.letter, project.recipients, Selection(languages=(Language.FR,))
    )
    inputs = collect_inputs(project.letter, fr_only, catalog_dir=project.catalogs)
    with pytest.raises(ApprovalError, match="needs the digests of the rendered PDFs"):
        record_decision(
            project.journal, digest_batch(inputs), reviewer="a", decision=Decision.APPROVED
        )
    digest = digest_batch(inputs, project.manifest())
    with pytest.raises(ApprovalError, match="not in this batch: es"):
        record_decision(
            project.journal,
            digest,
            reviewer="a",
            decision=Decision.APPROVED,
            languages=(Language.ES,),
        )
    with pytest.raises(ApprovalError, match="reviewer name is required"):
        record_decision(project.journal, digest, reviewer=" ", decision=Decision.APPROVED)
    assert LanguageState.MISSING.value == "missing"


def test_a_send_checks_inputs_first_then_each_pdf_as_rendered(project: Project) -> None:
    def require_inputs() -> ApprovalGate:
        return require_approved(
            project.journal, project.letter, project.recipients, catalog_dir=project.catalogs
        )

    with pytest.raises(ApprovalError, match="missing approval for ar, zh, en, fr, ru, es"):
        require_inputs()
    with pytest.raises(ApprovalError) as caught:
        require_approved(
            project.journal,
            project.letter,
            project.recipients,
            render_manifest=project.manifest,
            catalog_dir=project.catalogs,
        )
    assert caught.value.batch_hash == project.digest().hash  # as `send.py batch` shows it
    project.approve("alice")
    gate = require_inputs()
    assert gate.digest.hash == project.digest().hash
    first, second = project.recipients[:2]
    gate.verify(first.id, stand_in_pdf(first.id))
    with pytest.raises(
        ApprovalError, match=f"the PDF for {second.id} is not the one approved"
    ) as caught:
        gate.verify(second.id, stand_in_pdf(second.id, changed=True))
    assert dict(caught.value.changed) == {second.language.value: (f"PDF for {second.id}",)}
    touch_one_character(project.root / "templates" / "wsis20-invitation.ru.md.j2")
    with pytest.raises(ApprovalError) as caught:
        require_inputs()
    assert dict(caught.value.changed) == {"ru": ("templates/wsis20-invitation.ru.md.j2",)}
