"""`check`: every problem of a letter, its recipients and its templates, before any output.

The letter and the recipients are validated by `load`; then every valid recipient is
composed exactly as `render` and `send` would compose them, so a misspelt template
variable, a missing catalog or a character no font can draw is found here, located, and
reported together with everything else.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from missive.app.stage_trials import StageTrials
from missive.compose.composer import Composer
from missive.errors import CoverageError, InputError, Problem
from missive.load import load_letter, read_header, scan_recipients
from missive.load.serials import assign_serials
from missive.model import ComposedLetter, Gender, Language, Letter, Recipient

FindUncovered = Callable[[ComposedLetter], list[CoverageError]]


@dataclass(frozen=True)
class CheckRequest:
    letter_path: Path
    recipients_path: Path | None = None  # None: the letter's own list
    covers: bool = True  # compose the e-mail cover notes too (a send needs them)


@dataclass(frozen=True)
class CheckReport:
    """What a successful check found: how many recipients per language and group."""

    letter: Letter
    recipients_path: Path
    counts: Mapping[tuple[Language, str], int]
    recipients: int
    glyphs_checked: bool  # whether every character was checked against the fonts

    def count(self, language: Language, group: str) -> int:
        return self.counts.get((language, group), 0)

    def language_total(self, language: Language) -> int:
        return sum(n for (lang, _), n in self.counts.items() if lang is language)

    def group_total(self, group: str) -> int:
        return sum(n for (_, grp), n in self.counts.items() if grp == group)

    @property
    def groups(self) -> tuple[str, ...]:
        """The letter's groups, then any other group the list names, for a table."""
        seen = sorted({group for _, group in self.counts} - set(self.letter.groups))
        return (*self.letter.groups, *seen)


def check_letter(request: CheckRequest) -> CheckReport:
    """Validate and compose everything; raises `InputError` with every problem found.

    `request.covers=False` leaves out the e-mail cover notes, for a command that sends
    nothing (`render`): what it does not write, it need not compose.
    """
    letter_path, recipients_path = request.letter_path, request.recipients_path
    covers = request.covers
    try:
        letter = load_letter(letter_path)
    except InputError as error:
        # Still report the recipients' problems, if we know which file they are in.
        extra = _scan(recipients_path, None)[0] if recipients_path is not None else []
        raise InputError([*error.problems, *extra]) from error
    path = recipients_path or letter.recipients_path
    problems, ids = _scan(path, letter)
    try:
        serials = assign_serials(letter, ids, persist=False)
    except InputError as error:
        problems.extend(error.problems)
        serials = {}
    counts, composition_problems = _compose_all(letter, path, serials, covers)
    problems.extend(composition_problems)
    if not counts and not problems:
        problems.append(Problem(path, 1, 1, "no recipients: nothing to render, proof or send"))
    if problems:
        raise InputError(problems)
    return CheckReport(
        letter=letter,
        recipients_path=path,
        counts=dict(counts),
        recipients=sum(counts.values()),
        glyphs_checked=_find_uncovered() is not None,
    )


def _scan(path: Path, letter: Letter | None) -> tuple[list[Problem], list[str]]:
    """The problems of a recipients file and the ids of its valid rows, in one pass."""
    problems: list[Problem] = []
    ids: list[str] = []
    for item in scan_recipients(path, letter):
        if isinstance(item, Problem):
            problems.append(item)
        else:
            ids.append(item.id)
    return problems, ids


def _valid_recipients(path: Path, letter: Letter) -> Iterator[Recipient]:
    return (item for item in scan_recipients(path, letter) if isinstance(item, Recipient))


def _compose_all(
    letter: Letter, path: Path, serials: Mapping[str, int], covers: bool
) -> tuple[Counter[tuple[Language, str]], list[Problem]]:
    counts: Counter[tuple[Language, str]] = Counter()
    problems: set[Problem] = set()
    try:
        composer: Composer | None = Composer(letter, serials, covers=covers)
    except InputError as error:
        # Templates or catalogs are broken for a language: nothing composes, but the
        # recipients are still counted and their languages checked.
        problems.update(error.problems)
        composer = None
    find_uncovered = _find_uncovered()
    header = read_header(path)
    trials = StageTrials(letter, path, header)
    for recipient in _valid_recipients(path, letter):
        counts[recipient.language, recipient.group] += 1
        if composer is None:
            continue
        if recipient.language not in letter.languages:
            message = f"language '{recipient.language}' is not offered by the letter"
            problems.add(Problem(path, recipient.line, _column(header, "language"), message))
            continue
        composed = _compose(composer, recipient, problems)
        if composed is None:
            continue
        uncovered = find_uncovered(composed) if find_uncovered is not None else []
        problems.update(
            Problem(path, recipient.line, _field_column(header, error.field), str(error))
            for error in uncovered
        )
        if covers:  # without cover notes there is no message to build
            trials.message(composed)
        if not uncovered:
            trials.render(composed)
    # Languages no recipient reads are still offered: their templates must compose too.
    read = {language for language, _ in counts}
    for language in letter.languages:
        if composer is not None and language not in read:
            _compose(composer, _probe(letter, language), problems)
    problems.update(trials.problems)
    return counts, sorted(problems)


def _compose(
    composer: Composer, recipient: Recipient, problems: set[Problem]
) -> ComposedLetter | None:
    try:
        return composer.compose(recipient)
    except InputError as error:
        problems.update(error.problems)
        return None


def _probe(letter: Letter, language: Language) -> Recipient:
    """A stand-in addressee for composing a language that no recipient reads."""
    return Recipient(
        id="(sample)",
        email="sample@example.org",
        language=language,
        group=letter.groups[0] if letter.groups else "",
        name="Sample",
        gender=Gender.UNSPECIFIED,
        position="Position",
        organization="Organization",
        country="CH",
    )


def _column(header: tuple[str, ...], name: str) -> int:
    return header.index(name) + 1 if name in header else 1


def _field_column(header: tuple[str, ...], field: str) -> int:
    """The CSV column a composed field came from ("recipient.name" -> name), else 1."""
    prefix, _, name = field.partition(".")
    return _column(header, name) if prefix == "recipient" else 1


def _find_uncovered() -> FindUncovered | None:
    """The glyph-coverage check of the render stage, if this installation has it."""
    try:
        fonts = importlib.import_module("missive.render.fonts")
    except ImportError:
        return None
    function: FindUncovered | None = getattr(fonts, "find_uncovered", None)
    return function
