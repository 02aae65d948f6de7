"""Stakeholder lists: CSV -> `Recipient`s, validated row by row.

Rows are read one at a time so that a list of 100,000 stakeholders takes no more memory
than the set of ids seen so far. Problems are located as `path:line:col`, where line is the
physical line on which the row starts (a quoted field may span lines) and col the 1-based
position of the field in the row.
"""

from __future__ import annotations

import csv
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TypeVar

from email_validator import EmailNotValidError, validate_email

from missive.data.countries import country_codes
from missive.errors import InputError, Problem
from missive.load.yaml_nodes import did_you_mean, enum_hint
from missive.model import Gender, Honorific, Language, Letter, Recipient
from missive.storage import reuse

E = TypeVar("E", Language, Gender, Honorific)

# `group` is required when the letter has a distribution list (see `GroupRule`); `position`
# and `organization` must be there but may be empty: many contact lists do not know them.
REQUIRED_COLUMNS = (
    "id",
    "email",
    "language",
    "group",
    "name",
    "gender",
    "position",
    "organization",
    "country",
)
OPTIONAL_COLUMNS = ("honorific", "cc")
KNOWN_COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
EMPTY_ALLOWED = frozenset({"position", "organization"})
# A recipient's id names its PDF (`<id>.pdf`): no folder, no hidden file, a length every
# file system takes.
MAX_ID_BYTES = 200
# Fields that end up in a mail header (To, Cc, the display name): a line break there
# would let a CSV cell inject headers, so any control character is refused.
HEADER_FIELDS = ("id", "email", "name", "cc", "organization", "honorific")
# email_validator's check of an address's domain, which `_remember_domains` remembers.
_DOMAIN_CHECK = "validate_email_domain_name"
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
# The line breaks and the control characters (category Cc, which Unicode keeps to these two
# ranges for good), found by the regex engine: every cell of a list goes through it.
_REFUSED_IN_HEADERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class GroupRule:
    """The group keys a list may use: the letter's distribution list, if it has one."""

    keys: tuple[str, ...]
    required: bool

    @classmethod
    def of(cls, letter: Letter) -> GroupRule:
        return cls(letter.groups, required=bool(letter.groups))

    @classmethod
    def unchecked(cls) -> GroupRule:
        """For a list whose letter could not be read: its groups are taken as written
        (checking them against the built-in groups would refuse a letter's own)."""
        return cls((), required=False)


def id_problem(recipient_id: str) -> str | None:
    """Why `recipient_id` cannot name a file, or None."""
    if not recipient_id:
        return "empty id"
    if "/" in recipient_id or "\\" in recipient_id:
        return f"id '{recipient_id}' cannot name a file: no '/' or '\\' allowed"
    if recipient_id.startswith("."):
        return f"id '{recipient_id}' cannot name a file: it must not start with '.'"
    if len(recipient_id.encode("utf-8")) > MAX_ID_BYTES:
        return f"id cannot name a file: longer than {MAX_ID_BYTES} bytes"
    return None


def normalize_address(text: str) -> str:
    """The normalised form of one e-mail address; `ValueError` says what is wrong."""
    _remember_domains()
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from exc


@reuse.once
def _remember_domains() -> None:
    """Have email_validator check each domain once per process.

    `validate_email` checks the part after the @-sign (length, characters, UTS-46 mapping,
    IDNA, special-use names) anew for every address: two thirds of its time. A list of
    100,000 stakeholders holds a few thousand domains. That check depends on the domain and
    two flags alone, so its answers are remembered; a refusal is an exception, which is never
    remembered, so it is raised again with the same message. Registered as
    `reuse.memo`; with `MISSIVE_NO_REUSE=1`, email_validator is left as published.
    """
    if not reuse.REUSE:
        return
    module = importlib.import_module("email_validator.validate_email")
    check = getattr(module, _DOMAIN_CHECK, None)
    if callable(check) and not hasattr(check, "cache_info"):
        remembered = reuse.memo(maxsize=4096, name=f"{__name__}.{_DOMAIN_CHECK}")(check)
        setattr(module, _DOMAIN_CHECK, remembered)


def control_character_problem(value: str, column: str) -> str | None:
    """ "line break in name" / "control character U+0007 in name", or None if clean."""
    found = _REFUSED_IN_HEADERS.search(value)
    if found is None:
        return None
    character = found.group()
    if character in LINE_BREAKS:
        return f"line break in {column}"
    return f"control character U+{ord(character):04X} in {column}"


def read_header(path: Path) -> tuple[str, ...]:
    """The column names of a recipients file, for locating problems found later."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            return tuple(name.strip() for name in next(csv.reader(stream), []))
    except (OSError, UnicodeDecodeError, csv.Error):
        return ()


def load_recipients(path: Path, letter: Letter) -> tuple[Recipient, ...]:
    """Every recipient of the list; raises `InputError` with every problem found.

    A list is always read for a letter: its groups are checked against the letter's
    distribution list (see `GroupRule`), so the letter is a required argument. (A list read
    alone once knew only the built-in groups, and refused a letter's own.)
    """
    return tuple(iter_recipients(path, letter))


def iter_recipients(path: Path, letter: Letter) -> Iterator[Recipient]:
    """Recipients one by one; after the last, raises `InputError` if any row was bad.

    Consumers that must not act on a partly bad list (sending) check first or collect.
    """
    problems: list[Problem] = []
    for item in scan_recipients(path, GroupRule.of(letter)):
        if isinstance(item, Problem):
            problems.append(item)
        else:
            yield item
    if problems:
        raise InputError(problems)


def scan_recipients(path: Path, groups: GroupRule) -> Iterator[Recipient | Problem]:
    """Each valid row as a `Recipient` and each problem as a `Problem`, in file order;
    `groups` is the letter's rule (`GroupRule.of(letter)`)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.reader(stream, strict=True)
            scanner = _RowScanner(path, groups)
            try:
                yield from scanner.scan(reader, lambda: reader.line_num)
            except UnicodeDecodeError:
                message = 'not valid UTF-8 text (in Excel, save as "CSV UTF-8")'
                yield Problem(path, _undecodable_line(path), 1, message)
            except csv.Error as exc:
                yield Problem(path, reader.line_num, 1, f"malformed CSV: {exc}")
    except FileNotFoundError:
        yield Problem(path, 1, 1, "file not found")
    except OSError as exc:
        yield Problem(path, 1, 1, f"cannot read file: {exc.strerror}")


def _undecodable_line(path: Path) -> int:
    # Text is decoded ahead in blocks, so the reader's position does not say where the
    # bad byte is; the bytes do. Only read whole on this error path.
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return data[: exc.start].count(b"\n") + 1
    return 1


@dataclass
class _RowScanner:
    path: Path
    groups: GroupRule
    columns: dict[str, int] = field(default_factory=dict)  # name -> 0-based index
    width: int = 0
    first_line_of_id: dict[str, int] = field(default_factory=dict)

    def scan(
        self, reader: Iterator[list[str]], line_num: Callable[[], int]
    ) -> Iterator[Recipient | Problem]:
        header = next(reader, None)
        if header is None:
            yield Problem(self.path, 1, 1, "the file is empty; expected a header row")
            return
        header_problems = self.read_header(header)
        yield from header_problems
        if header_problems:
            return
        start = line_num() + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                yield from self.read_row(row, start)
            start = line_num() + 1

    def read_header(self, header: list[str]) -> list[Problem]:
        problems: list[Problem] = []
        for index, raw in enumerate(header):
            name = raw.strip()
            if not name:
                problems.append(Problem(self.path, 1, index + 1, "column without a name"))
            elif name in self.columns:
                problems.append(Problem(self.path, 1, index + 1, f"duplicate column '{name}'"))
            else:
                self.columns[name] = index
        self.width = len(header)
        unknown = [name for name in self.columns if name not in KNOWN_COLUMNS]
        for name in REQUIRED_COLUMNS:
            if name == "group" and not self.groups.required:
                continue
            if name not in self.columns:
                hint = did_you_mean(name, unknown)
                problems.append(Problem(self.path, 1, 1, f"missing column '{name}'{hint}"))
        return problems

    def read_row(self, row: list[str], line: int) -> Iterator[Recipient | Problem]:
        if len(row) != self.width:
            yield Problem(
                self.path,
                line,
                min(len(row), self.width) + 1,
                f"row has {len(row)} fields but the header has {self.width}",
            )
            return
        row_check = _RowCheck(self, row, line)
        recipient = row_check.recipient()
        if row_check.problems:
            yield from row_check.problems
        elif recipient is not None:
            yield recipient


class _RowCheck:
    """The checks of one data row; `problems` lists what is wrong with it."""

    def __init__(self, scanner: _RowScanner, row: list[str], line: int) -> None:
        self.scanner = scanner
        self.row = row
        self.line = line
        self.problems: list[Problem] = []

    def problem(self, column: str, message: str) -> None:
        col = self.scanner.columns[column] + 1
        self.problems.append(Problem(self.scanner.path, self.line, col, message))

    def value(self, column: str) -> str:
        """The stripped cell, after refusing control characters in header-bound fields."""
        index = self.scanner.columns.get(column)
        raw = "" if index is None else self.row[index]
        if column in HEADER_FIELDS and (message := control_character_problem(raw, column)):
            self.problem(column, message)
        return raw.strip()

    def required(self, column: str) -> str:
        value = self.value(column)
        if not value:
            self.problem(column, f"empty {column}")
        return value

    def recipient(self) -> Recipient | None:
        recipient_id = self.unique_id()
        email = self.address("email", self.required("email"))
        language = self.choice("language", Language)
        group = self.group()
        gender = self.choice("gender", Gender)
        country = self.country()
        cc = tuple(self.address("cc", part.strip()) for part in self.value("cc").split(";"))
        texts = {
            name: self.value(name) if name in EMPTY_ALLOWED else self.required(name)
            for name in ("name", "position", "organization")
        }
        styled = self.value("honorific")
        honorific = self.member("honorific", styled, Honorific) if styled else None
        if self.problems or language is None or gender is None:
            return None
        extra = {
            name: self.row[index].strip()
            for name, index in self.scanner.columns.items()
            if name not in KNOWN_COLUMNS
        }
        return Recipient(
            id=recipient_id,
            email=email,
            language=language,
            group=group,
            gender=gender,
            country=country,
            honorific=honorific,
            cc=tuple(address for address in cc if address),
            extra=MappingProxyType(extra),
            line=self.line,
            **texts,
        )

    def unique_id(self) -> str:
        recipient_id = self.required("id")
        first = self.scanner.first_line_of_id.setdefault(recipient_id, self.line)
        if recipient_id and first != self.line:
            self.problem("id", f"duplicate id '{recipient_id}' (first on line {first})")
        elif recipient_id and (message := id_problem(recipient_id)):
            self.problem("id", message)
        return recipient_id

    def group(self) -> str:
        rule = self.scanner.groups
        if not rule.required:
            return self.value("group")
        key = self.required("group")
        if key and key not in rule.keys:
            listed = ", ".join(rule.keys)
            hint = did_you_mean(key, rule.keys) or f"; the letter's groups are {listed}"
            self.problem("group", f"unknown group '{key}'{hint}")
        return key

    def address(self, column: str, text: str) -> str:
        if not text:
            return ""
        try:
            return normalize_address(text)
        except ValueError as exc:
            self.problem(column, f"invalid e-mail address '{text}': {exc}")
            return ""

    def choice(self, column: str, enum: type[E]) -> E | None:
        value = self.required(column)
        return self.member(column, value, enum) if value else None

    def member(self, column: str, value: str, enum: type[E]) -> E | None:
        try:
            return enum(value)
        except ValueError:
            self.problem(column, f"unknown {column} '{value}'{enum_hint(value, enum)}")
            return None

    def country(self) -> str:
        code = self.required("country").upper()
        if code and code not in country_codes():
            self.problem("country", f"unknown country code '{code}': no UN name")
        return code
