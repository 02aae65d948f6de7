"""Start a new letter: its YAML, one body and one cover template per language, an empty list.

Nothing is overwritten: if any of the files exists, nothing is written. Every open place is
marked, and `check` refuses the letter until each is written (see `missive.load.skeleton`).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from missive.errors import InputError, Problem
from missive.load import load_letter
from missive.load.letter import template_paths
from missive.load.skeleton import (
    body_skeleton,
    cover_skeleton,
    letter_skeleton,
    recipients_header,
)
from missive.model import Language, Letter

# The key names the YAML file, the templates and the list, and is typed on command lines.
_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


@dataclass(frozen=True)
class NewLetterRequest:
    root: Path  # the project root: the folder holding letters/, templates/, recipients/
    key: str
    languages: tuple[Language, ...]
    like: str | None = None  # key of an existing letter whose settings to take
    today: dt.date | None = None


@dataclass(frozen=True)
class NewLetter:
    letter_path: Path
    written: tuple[Path, ...]  # every file written, the letter first
    like: Letter | None


def start_letter(request: NewLetterRequest) -> NewLetter:
    """Write the skeleton of a new letter; raises `InputError` (nothing written) if it cannot."""
    letter_path = request.root / "letters" / f"{request.key}.yaml"
    problems = _request_problems(request, letter_path)
    like = _like(request) if request.like else None
    files = _files(request, letter_path, like)
    problems += [Problem(path, 1, 1, "already exists: choose another key") for path in files
                 if path.exists()]  # fmt: skip
    if problems:
        raise InputError(problems)
    for path, text in files.items():
        _write_new(path, text)
    return NewLetter(letter_path, tuple(files), like)


def _request_problems(request: NewLetterRequest, letter_path: Path) -> list[Problem]:
    problems: list[Problem] = []
    if not _KEY.fullmatch(request.key):
        message = (
            f"key '{request.key}': use lower-case letters, digits and '-' (e.g. annual-report)"
        )
        problems.append(Problem(letter_path, 1, 1, message))
    if not request.languages:
        problems.append(Problem(letter_path, 1, 1, "at least one language is needed"))
    return problems


def _like(request: NewLetterRequest) -> Letter:
    assert request.like is not None
    path = request.root / "letters" / f"{request.like}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in (request.root / "letters").glob("*.yaml"))
        message = f"--like {request.like}: no such letter; letters here: {', '.join(known)}"
        raise InputError([Problem(path, 1, 1, message)])
    return load_letter(path)


def _files(request: NewLetterRequest, letter_path: Path, like: Letter | None) -> dict[Path, str]:
    today = request.today or dt.date.today()
    files = {letter_path: letter_skeleton(request.key, request.languages, today, like)}
    templates = request.root / "templates"
    for language in request.languages:
        body, cover = template_paths(templates, request.key, language)
        files[body] = body_skeleton(language)
        files[cover] = cover_skeleton(language)
    grouped = like is not None and bool(like.groups)
    files[request.root / "recipients" / f"{request.key}.csv"] = recipients_header(grouped)
    return files


def _write_new(path: Path, text: str) -> None:
    """Write atomically, and never over a file that appeared meanwhile."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)
        os.link(temporary, path)  # fails if `path` exists
    finally:
        Path(temporary).unlink(missing_ok=True)
