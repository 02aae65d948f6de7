"""`check`: every problem of a letter, its recipients and its templates, before any output.

The letter and the recipients are validated by `load`; every valid recipient is composed,
as it is read, exactly as `render` and `send` would compose them, so a misspelt template
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
from missive.compose.composer import Composer, CoverMode
from missive.errors import CoverageError, InputError, Problem
from missive.load import GroupRule, load_letter, named_path, read_header, scan_recipients
from missive.load.serials import assign_serials, read_registry, registry_path
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
        # Still report the recipients' problems, if we know which file they are in: the
        # one given, else the one the letter names. Its groups are unknown: left unchecked.
        listed = recipients_path or named_path(letter_path, "recipients")
        extra = []
        if listed is not None and listed.is_file():
            extra = _scan(listed, GroupRule.unchecked())[0]
        raise InputError([*error.problems, *extra]) from error
    path = recipients_path or letter.recipients_path
    problems, counts = _check_recipients(letter, path, covers)
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


def _scan(path: Path, groups: GroupRule) -> tuple[list[Problem], list[str]]:
    """The problems of a recipients file and the ids of its valid rows, in one pass."""
    problems: list[Problem] = []
    ids: list[str] = []
    for item in scan_recipients(path, groups):
        if isinstance(item, Problem):
            problems.append(item)
        else:
            ids.append(item.id)
    return problems, ids


def _check_recipients(
    letter: Letter, path: Path, covers: bool
) -> tuple[list[Problem], Counter[tuple[Language, str]]]:
    """Scan the list once, composing each valid row as it is read.

    Serials are numbered as the row is read, the way `assign_serials` numbers the whole
    list; that rule then numbers the ids read, and in the (unexpected) case it disagrees,
    the list is composed again with its numbers, so the result is always the rule's.
    """
    try:
        registry: dict[str, int] | None = read_registry(registry_path(letter))
    except InputError as error:
        registry = None
        serial_problems = list(error.problems)
    checked = _CheckPass(letter, path, covers, _ProvisionalSerials(registry))
    checked.run(scan_recipients(path, GroupRule.of(letter)))
    if registry is not None:
        try:
            serials = assign_serials(letter, checked.ids, persist=False)
            serial_problems = []
        except InputError as error:
            serials, serial_problems = {}, list(error.problems)
        if serials != checked.serials:
            checked = _CheckPass(letter, path, covers, dict(serials))
            checked.run(scan_recipients(path, GroupRule.of(letter)))
    problems = [*checked.scan_problems, *serial_problems, *checked.composition_problems()]
    return problems, checked.counts


class _ProvisionalSerials(dict[str, int]):
    """Serials handed out in reading order: the registry's, else the next free number."""

    def __init__(self, registry: Mapping[str, int] | None) -> None:
        super().__init__()
        self.registry = registry
        self.next_serial = max(registry.values(), default=0) + 1 if registry else 1

    def read(self, recipient_id: str) -> None:
        if self.registry is None or recipient_id in self:
            return
        serial = self.registry.get(recipient_id)
        if serial is None:
            serial, self.next_serial = self.next_serial, self.next_serial + 1
        self[recipient_id] = serial


class _CheckPass:
    """One reading of the list: scan problems, ids, counts and composition problems.

    With `covers`, each recipient's message is built as `send` would build it; without
    (`render` checks first), no cover note is composed and only the letters are tried.
    """

    def __init__(self, letter: Letter, path: Path, covers: bool, serials: dict[str, int]) -> None:
        self.letter, self.path, self.serials, self.covers = letter, path, serials, covers
        mode = CoverMode.FULL if covers else CoverMode.NONE
        self.scan_problems: list[Problem] = []
        self.problems: set[Problem] = set()
        self.ids: list[str] = []
        self.counts: Counter[tuple[Language, str]] = Counter()
        try:
            self.composer: Composer | None = Composer(letter, serials, covers=mode)
        except InputError as error:
            # Templates or catalogs are broken for a language: nothing composes, but the
            # recipients are still counted and their languages checked.
            self.problems.update(error.problems)
            self.composer = None
        self.header = read_header(path)
        self.trials = StageTrials(letter, path, self.header)
        if self.composer is not None:
            self.checks = RecipientCheck(letter, path, self.header, self.composer)

    def run(self, items: Iterator[Recipient | Problem]) -> None:
        for item in items:
            if isinstance(item, Problem):
                self.scan_problems.append(item)
            else:
                self.ids.append(item.id)
                if isinstance(self.serials, _ProvisionalSerials):
                    self.serials.read(item.id)
                self.recipient(item)
        # Languages no recipient reads are still offered: their templates must compose too.
        read = {language for language, _ in self.counts}
        for language in self.letter.languages:
            if self.composer is not None and language not in read:
                _compose(self.composer, _probe(self.letter, language), self.problems)

    def recipient(self, recipient: Recipient) -> None:
        self.counts[recipient.language, recipient.group] += 1
        if self.composer is None:
            return
        composed, problems = self.checks.compose(recipient)
        self.problems.update(problems)
        if composed is None:
            return
        if self.covers:  # without cover notes there is no message to build
            self.trials.message(composed)
        if not problems:
            self.trials.render(composed)

    def composition_problems(self) -> list[Problem]:
        return sorted(self.problems | set(self.trials.problems))


class RecipientCheck:
    """One recipient composed and its characters checked against the fonts, as `check`
    does it; `render` runs the same on each letter it is about to draw."""

    def __init__(
        self, letter: Letter, path: Path, header: tuple[str, ...], composer: Composer
    ) -> None:
        self.letter, self.path, self.header, self.composer = letter, path, header, composer
        self.find_uncovered = _find_uncovered()

    def compose(self, recipient: Recipient) -> tuple[ComposedLetter | None, set[Problem]]:
        """The composed letter (None if it does not compose) and its located problems."""
        problems: set[Problem] = set()
        if recipient.language not in self.letter.languages:
            problems.add(_not_offered(self.path, self.header, recipient))
            return None, problems
        composed = _compose(self.composer, recipient, problems)
        if composed is None:
            return None, problems
        uncovered = self.find_uncovered(composed) if self.find_uncovered is not None else []
        problems.update(
            Problem(self.path, recipient.line, _field_column(self.header, e.field), str(e))
            for e in uncovered
        )
        return composed, problems

    def refused(self, recipient: Recipient, message: str) -> set[Problem]:
        """A later stage's refusal of `recipient`'s letter, located on its row."""
        return {Problem(self.path, recipient.line or 1, 1, message)}


@dataclass(frozen=True)
class ListScan:
    """A letter and its list read and validated, nothing composed yet (see `scan_list`)."""

    letter: Letter
    path: Path
    header: tuple[str, ...]
    ids: tuple[str, ...]
    counts: Mapping[tuple[Language, str], int]


def scan_list(
    letter_path: Path,
    recipients_path: Path | None = None,
    on_recipient: Callable[[Recipient], None] | None = None,
) -> ListScan:
    """The letter loaded and every row validated, composing nothing.

    For a command that composes each letter once, as it writes it, and checks it then.
    On any problem the whole `check` runs, so that every problem is reported at once.
    `on_recipient` is given each valid recipient the letter offers, as it is read (the
    workspace's render job learns the list's languages and review samples in this pass).
    """
    try:
        letter = load_letter(letter_path)
    except InputError:
        check_letter(CheckRequest(letter_path, recipients_path, covers=False))
        raise
    path = recipients_path or letter.recipients_path
    header = read_header(path)
    problems: list[Problem] = []
    ids: list[str] = []
    counts: Counter[tuple[Language, str]] = Counter()
    for item in scan_recipients(path, GroupRule.of(letter)):
        if isinstance(item, Problem):
            problems.append(item)
        elif item.language not in letter.languages:
            problems.append(_not_offered(path, header, item))
        else:
            ids.append(item.id)
            counts[item.language, item.group] += 1
            if on_recipient is not None:
                on_recipient(item)
    if problems or not ids:
        check_letter(CheckRequest(letter_path, recipients_path, covers=False))
        raise InputError(problems)
    return ListScan(letter, path, header, tuple(ids), dict(counts))


def _not_offered(path: Path, header: tuple[str, ...], recipient: Recipient) -> Problem:
    message = f"language '{recipient.language}' is not offered by the letter"
    return Problem(path, recipient.line, _column(header, "language"), message)


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
