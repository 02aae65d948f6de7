"""The workspace's stored batches: each letter's PDFs, rendered once per input hash, on disk.

Beside the journal, in `<journal>.batches/<letter key>/`:

    proof.pdf                     the reviewers' proof, as `send.py proof` makes it
    state.json                    the letter's state, written whole (atomically) by the render
                                  job: the input files it was made from (size and time, to see
                                  a change without reading them), the check's problems and
                                  counts, each language's input hash, folder and progress
    <language>-<inputs hash>/     one render folder per language and input hash: `<id>.pdf`,
                                  `manifest.partial.jsonl` (a line per PDF, appended once the
                                  PDF is written), then `manifest.json` as `render` writes it
                                  and `digest.json`, the language's digest with its PDFs
    history/<language hash>.json  the digests of hashes rendered before: what changed since

A folder is named by the language's input hash, so whatever is in it was drawn from those
inputs: a render that stopped half way is resumed from its partial manifest.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from missive.app.render_batch import MANIFEST, ManifestEntry
from missive.model import Language
from missive.review.digest import InputFile, LanguageDigest

STATE = "state.json"
PROOF = "proof.pdf"
PARTIAL = "manifest.partial.jsonl"
DIGEST = "digest.json"
HISTORY = "history"
KEPT_HISTORY = 50  # digests of earlier hashes kept per letter


class RenderState(StrEnum):
    QUEUED = "queued"  # an input changed (or the letter is new): the render job will run
    RENDERING = "rendering"
    DONE = "done"
    FAILED = "failed"  # the letter does not check: see the problems


KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def store_of(journal_path: Path) -> Path:
    return journal_path.with_name(journal_path.name + ".batches")


def letter_keys(letters_dir: Path) -> dict[str, Path]:
    """The letters of a folder by key (the file's stem); a name no key can be is left out."""
    return {p.stem: p for p in sorted(letters_dir.glob("*.yaml")) if KEY.fullmatch(p.stem)}


@dataclass(frozen=True)
class Stamp:
    """A file or folder a state was made from, as the file system describes it."""

    path: str
    size: int
    mtime_ns: int


def stamps_of(paths: Iterable[Path | str]) -> tuple[Stamp, ...]:
    found = []
    for path in sorted({str(p) for p in paths}):
        try:
            info = os.stat(path)
        except OSError:
            found.append(Stamp(path, -1, -1))
        else:
            found.append(Stamp(path, info.st_size, info.st_mtime_ns))
    return tuple(found)


def still_current(stamps: Sequence[Stamp]) -> bool:
    """Whether none of the files changed since (a few `stat` calls: no file is read)."""
    return bool(stamps) and stamps_of(s.path for s in stamps) == tuple(stamps)


@dataclass(frozen=True)
class Sample:
    """A recipient a reviewer is shown first: the first of the language, the hard cases."""

    recipient: str
    name: str
    why: str  # "" for an ordinary recipient


@dataclass(frozen=True)
class LanguagePart:
    """One language of a letter: its input hash, its render folder and how far it is."""

    language: Language
    inputs_hash: str
    folder: str  # inside the letter's store
    total: int
    done: int
    samples: tuple[Sample, ...] = ()
    rendered: bool = False  # every PDF drawn, the manifest and digest written


@dataclass(frozen=True)
class Preview:
    """The send page's sample: the first recipient's cover e-mail, as `compose` makes it."""

    recipient: str
    name: str
    email: str
    language: Language
    subject: str
    cover: str
    sender: str


@dataclass(frozen=True)
class LetterState:
    key: str
    state: RenderState
    stamps: tuple[Stamp, ...] = ()
    problems: tuple[str, ...] = ()  # `path:line:col: message`, as `check` reports them
    counts: tuple[tuple[Language, str, int], ...] = ()  # (language, group, recipients)
    languages: tuple[LanguagePart, ...] = ()
    reviewers_required: int = 1
    started: float | None = None  # when this render began (time.time())
    updated: float = 0.0
    rate: float = 0.0  # letters per second drawn by this render
    preview: Preview | None = None
    checked: bool = False  # `check` ran on these inputs (its problems are `problems`)
    inputs: tuple[InputFile, ...] = ()  # the batch's input files, by label

    @property
    def done(self) -> int:
        return sum(part.done for part in self.languages)

    @property
    def total(self) -> int:
        return sum(part.total for part in self.languages)

    @property
    def eta_seconds(self) -> int | None:
        left = self.total - self.done
        if not left:
            return 0
        return round(left / self.rate) if self.rate > 0 else None

    def part(self, language: Language) -> LanguagePart | None:
        return next((p for p in self.languages if p.language is language), None)


# --- reading and writing -----------------------------------------------------------------


def write_json(path: Path, value: object) -> None:
    """`value` as JSON in `path`, replaced whole: a reader sees the old file or the new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    # json.dumps, not json.dump: dump encodes in Python, piece by piece (the state of a
    # letter being drawn, written every second, took 30-60 ms of processor time so).
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)


def read_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as stream:
            return json.load(stream)
    except (OSError, ValueError):
        return None


def save_state(folder: Path, state: LetterState) -> None:
    write_json(folder / STATE, state_to_json(replace(state, updated=time.time())))


def load_state(folder: Path) -> LetterState | None:
    data = read_json(folder / STATE)
    try:
        return state_from_json(data) if isinstance(data, dict) else None
    except (KeyError, TypeError, ValueError):
        return None  # written by another version: rendered again


def state_to_json(state: LetterState) -> dict[str, Any]:
    return {
        "key": state.key,
        "state": state.state.value,
        "stamps": [[s.path, s.size, s.mtime_ns] for s in state.stamps],
        "problems": list(state.problems),
        "counts": [[lang.value, group, n] for lang, group, n in state.counts],
        "languages": [
            {
                "language": p.language.value,
                "inputs_hash": p.inputs_hash,
                "folder": p.folder,
                "total": p.total,
                "done": p.done,
                "samples": [[s.recipient, s.name, s.why] for s in p.samples],
                "rendered": p.rendered,
            }
            for p in state.languages
        ],
        "reviewers_required": state.reviewers_required,
        "started": state.started,
        "updated": state.updated,
        "rate": state.rate,
        "preview": None if state.preview is None else _preview_json(state.preview),
        "checked": state.checked,
        "inputs": [
            [f.label, str(f.path), None if f.language is None else f.language.value]
            for f in state.inputs
        ],
    }


def _preview_json(preview: Preview) -> dict[str, str]:
    return {**vars(preview), "language": preview.language.value}


def state_from_json(data: Mapping[str, Any]) -> LetterState:
    preview = data.get("preview")
    return LetterState(
        key=str(data["key"]),
        state=RenderState(data["state"]),
        stamps=tuple(Stamp(str(p), int(s), int(m)) for p, s, m in data["stamps"]),
        problems=tuple(str(p) for p in data["problems"]),
        counts=tuple((Language(lang), str(g), int(n)) for lang, g, n in data["counts"]),
        languages=tuple(
            LanguagePart(
                language=Language(p["language"]),
                inputs_hash=str(p["inputs_hash"]),
                folder=str(p["folder"]),
                total=int(p["total"]),
                done=int(p["done"]),
                samples=tuple(Sample(str(i), str(n), str(w)) for i, n, w in p["samples"]),
                rendered=bool(p["rendered"]),
            )
            for p in data["languages"]
        ),
        reviewers_required=int(data["reviewers_required"]),
        started=data["started"],
        updated=float(data["updated"]),
        rate=float(data["rate"]),
        preview=None
        if preview is None
        else Preview(**{**preview, "language": Language(preview["language"])}),
        checked=bool(data["checked"]),
        inputs=tuple(
            InputFile(str(label), Path(path), None if lang is None else Language(lang))
            for label, path, lang in data["inputs"]
        ),
    )


# --- a language's render folder ---------------------------------------------------------


def folder_name(language: Language, inputs_hash: str) -> str:
    return f"{language.value}-{inputs_hash[:32]}"


def partial_entries(folder: Path) -> Iterator[dict[str, Any]]:
    """The entries of the PDFs written so far (a line cut short by a kill is skipped)."""
    try:
        stream = (folder / PARTIAL).open(encoding="utf-8")
    except OSError:
        return
    with stream:
        for line in stream:
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict) and (folder / str(entry.get("pdf"))).is_file():
                    yield entry


def append_entry(stream: Any, entry: ManifestEntry) -> None:
    stream.write(json.dumps(vars(entry), ensure_ascii=False) + "\n")
    stream.flush()


def finish_folder(folder: Path, ids: Sequence[str], digest: LanguageDigest) -> None:
    """The language is drawn: its `manifest.json` in the list's order, and its digest."""
    by_id = {str(e["recipient"]): e for e in partial_entries(folder)}
    with (folder / f".{MANIFEST}").open("w", encoding="utf-8") as stream:
        stream.write("[")
        for index, rid in enumerate(ids):
            separator = "\n" if not index else ",\n"
            stream.write(separator + json.dumps(by_id[rid], ensure_ascii=False))
        stream.write("\n]\n")
    os.replace(folder / f".{MANIFEST}", folder / MANIFEST)
    write_json(folder / DIGEST, digest_to_json(digest))
    write_json(folder.parent / HISTORY / f"{digest.hash}.json", digest_to_json(digest))


def digest_to_json(digest: LanguageDigest) -> dict[str, Any]:
    return {
        "language": digest.language.value,
        "hash": digest.hash,
        "inputs_hash": digest.inputs_hash,
        "files": dict(digest.files),
        "count": digest.count,
    }


def digest_from_json(data: Any) -> LanguageDigest | None:
    try:
        return LanguageDigest(
            Language(data["language"]),
            str(data["hash"]),
            str(data["inputs_hash"]),
            {str(k): str(v) for k, v in data["files"].items()},
            int(data["count"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def load_digest(folder: Path) -> LanguageDigest | None:
    return digest_from_json(read_json(folder / DIGEST))


def earlier_digest(letter_folder: Path, language_hash: str) -> LanguageDigest | None:
    """The digest of a language hash rendered before, if it is still kept."""
    if not language_hash.isalnum():
        return None
    return digest_from_json(read_json(letter_folder / HISTORY / f"{language_hash}.json"))


def prune(letter_folder: Path, state: LetterState) -> None:
    """Delete the render folders no language refers to, and the oldest history."""
    kept = {part.folder for part in state.languages}
    for path in letter_folder.iterdir():
        if path.is_dir() and path.name != HISTORY and path.name not in kept:
            shutil.rmtree(path, ignore_errors=True)
    history = letter_folder / HISTORY
    if history.is_dir():
        old = sorted(history.iterdir(), key=lambda p: p.stat().st_mtime_ns)[:-KEPT_HISTORY]
        for path in old:
            path.unlink(missing_ok=True)
