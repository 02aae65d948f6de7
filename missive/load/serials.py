"""Per-recipient serial numbers that never change and are never shared.

The registry `letters/<key>.serials.csv` (columns id,serial) sits next to the letter and is
committed with it: a recipient keeps its serial across runs, and recipients added to the
list later get the next free numbers, in the order of the list. Serials of recipients who
left the list stay reserved, so a number is never given to two people.
"""

from __future__ import annotations

import csv
import fcntl
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from missive.errors import InputError, Problem
from missive.load.recipients import iter_recipients
from missive.model import Letter

HEADER = ["id", "serial"]


def registry_path(letter: Letter) -> Path:
    return letter.path.with_name(f"{letter.key}.serials.csv")


def format_reference(letter: Letter, reference: str, serial: int | None) -> str:
    """The reference as printed: the letter's pattern applied, if it has one and a serial."""
    if letter.serial_pattern is None or serial is None:
        return reference
    return letter.serial_pattern.format(reference=reference, serial=serial)


def assign_serials_over_list(
    letter: Letter, recipients_path: Path, *, persist: bool
) -> Mapping[str, int]:
    """Serials over the whole recipients file, in its order.

    Render, send and review all number this way, so a --lang, --group or --limit filter
    never changes a recipient's reference (nor the PDF hash a reviewer approved).
    """
    ids = (recipient.id for recipient in iter_recipients(recipients_path, letter))
    return assign_serials(letter, ids, persist=persist)


def assign_serials(
    letter: Letter, recipient_ids: Iterable[str], *, persist: bool
) -> Mapping[str, int]:
    """The serial of each of `recipient_ids`, giving new ids the next free numbers.

    With `persist`, new assignments are written to the registry (atomically, under a lock
    so that two runs cannot hand out the same number); without it (`check`), nothing is
    written and the numbers shown are those the next real run would give.
    """
    if letter.serial_pattern is None:
        # References without a serial: nothing to number, and no registry written beside a
        # letter that never asked for one.
        return {}
    path = registry_path(letter)
    with _locked(letter.path) if persist else _unlocked():
        registry = read_registry(path)
        next_serial = max(registry.values(), default=0) + 1
        assigned: dict[str, int] = {}
        new: dict[str, int] = {}
        for recipient_id in recipient_ids:
            if recipient_id in assigned:
                continue
            serial = registry.get(recipient_id)
            if serial is None:
                serial = new[recipient_id] = next_serial
                next_serial += 1
            assigned[recipient_id] = serial
        if persist and new:
            _write_registry(path, {**registry, **new})
    return assigned


def read_registry(path: Path) -> dict[str, int]:
    """The id -> serial table; a missing file is an empty table, a damaged one an error."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError([Problem(path, 1, 1, f"cannot read serial registry: {exc}")]) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[Problem] = []
    if next(reader, None) != HEADER:
        problems.append(Problem(path, 1, 1, "serial registry must start with the header id,serial"))
    registry: dict[str, int] = {}
    used: dict[int, str] = {}
    for row in reader:
        line = reader.line_num
        if len(row) != 2 or not row[1].isdigit() or int(row[1]) < 1:
            problems.append(Problem(path, line, 1, "expected id,serial with a serial >= 1"))
            continue
        recipient_id, serial = row[0], int(row[1])
        if recipient_id in registry or serial in used:
            problems.append(Problem(path, line, 1, f"id or serial given twice: {recipient_id}"))
            continue
        registry[recipient_id] = serial
        used[serial] = recipient_id
    if problems:
        raise InputError(problems)
    return registry


def _write_registry(path: Path, registry: Mapping[str, int]) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(descriptor, 0o644)  # a committed file, readable like its neighbours
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(HEADER)
            for recipient_id, serial in sorted(registry.items(), key=lambda item: item[1]):
                writer.writerow([recipient_id, serial])
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def _locked(letter_path: Path) -> Iterator[None]:
    # The registry itself is replaced on write, so the lock is held on the letter file,
    # which every run assigning serials for this letter opens.
    with letter_path.open("rb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@contextmanager
def _unlocked() -> Iterator[None]:
    yield
