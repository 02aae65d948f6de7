"""The files a letter's render job depends on, and whether they changed while it read them.

A state is written with the stamps (size, modification time) of the files it was made from,
so that a change shows without reading them. Those stamps must describe the files as they
were read: a list being written while the job reads it (an editor truncates, then writes)
would otherwise give a state made from half a file, stamped as the whole one, and never
made again. So the job stamps what it knows of before reading, and gives up (to start
again at once) if any of it changed by the time the state's stamps are taken.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from missive.app.batch_store import Stamp, stamps_of, still_current
from missive.errors import InputError, MissiveError
from missive.load import load_letter
from missive.load.serials import registry_path
from missive.model import Letter


class InterruptedRenderError(MissiveError):
    """An input changed while the letter was read or drawn, or the renderer's parent is gone."""


def project_folders(letter_path: Path) -> list[Path]:
    root = letter_path.resolve().parent.parent
    return [root / name for name in ("letters", "templates", "signatories", "recipients")]


def letter_files(letter_path: Path) -> list[Path]:
    """The letter's file, its list, templates and serial registry, and the project's
    folders: what is known before the list is read (the letter's own file alone, and the
    folders, if the letter cannot be read)."""
    found = [letter_path, *project_folders(letter_path)]
    try:
        letter: Letter = load_letter(letter_path)
    except InputError:
        return found
    return [*found, letter.recipients_path, letter.templates_dir, registry_path(letter)]


def watched_files(letter: Letter, files: Iterable[Path], letter_path: Path) -> list[Path]:
    """The files a change of which may change a PDF or a hash (the batch's input `files`
    among them), and the folders they are in (a file added to a folder changes its time)."""
    inputs = list(files)
    return [
        letter_path,
        registry_path(letter),
        *project_folders(letter_path),
        *inputs,
        *{path.parent for path in inputs},
    ]


def stamped_as_read(before: tuple[Stamp, ...], paths: Iterable[Path]) -> tuple[Stamp, ...]:
    """The stamps of `paths` now; InterruptedRenderError if a file stamped `before` the
    reading changed since (what was read may be a mix of two versions)."""
    stamps = stamps_of(paths)
    if not still_current(before):
        raise InterruptedRenderError("an input changed while the letter was read")
    return stamps
