"""Render a whole letter: every selected recipient -> `DIR/<id>.pdf` + `DIR/manifest.json`.

Each recipient is composed once: the list is validated first (`scan_list`), then every
letter is composed, checked as `check` checks it, and drawn. A problem found on the way
stops the drawing, the rest of the selection is still checked, and every problem is
reported together; nothing is published.

Recipients are streamed from the CSV and results streamed to the manifest, so memory stays
flat whatever the length of the list (only the ids and their serials are held, as the
serial registry requires). Work is spread over `jobs` processes (`LanguagePool`, which
keeps each process to a few languages); each loads the fonts and builds its `Composer`
once. Files are written to a temporary directory next to `DIR` and moved into place only
when every letter rendered, so a failure leaves no half-written set.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import IO

from missive.app.check import ListScan, RecipientCheck, scan_list
from missive.app.progress import Meter, OnProgress, Stage
from missive.compose.composer import Composer, CoverMode
from missive.errors import InputError, MissiveError, Problem, RenderError
from missive.load import id_problem, iter_recipients
from missive.load.serials import assign_serials
from missive.model import Language, Letter, PageSize, Recipient
from missive.render.language_pool import LanguagePool
from missive.render.pdf import Renderer
from missive.review.digest import (
    Selection,
    iter_selected,
    require_known_groups,
    selected_counts,
)

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class ManifestEntry:
    recipient: str
    language: str
    group: str
    reference: str
    pdf: str  # file name inside the output directory
    sha256: str
    pages: int
    bytes: int


@dataclass(frozen=True)
class Manifest:
    """What a batch wrote (the entries themselves are in `path`, not in memory)."""

    out_dir: Path
    path: Path
    letters: int
    per_language: Mapping[Language, int]
    total_bytes: int


@dataclass(frozen=True)
class BatchOptions:
    languages: Collection[Language] = ()
    groups: Collection[str] = ()
    limit: int | None = None
    jobs: int | None = None  # None: every core
    page_size: PageSize | None = None
    persist_serials: bool = True

    @property
    def selection(self) -> Selection:
        return Selection(tuple(self.languages), tuple(self.groups), self.limit)


@dataclass(frozen=True)
class Refusal:
    """Why a recipient's letter was not drawn: its located problems (none if it was left
    undrawn because another letter had already failed)."""

    recipient: str
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Drawing:
    """What each drawing process needs: the letter, its serials, and where PDFs go."""

    letter: Letter
    serials: Mapping[str, int]
    options: BatchOptions
    folders: Mapping[Language, Path]  # each language's PDFs are written to its folder
    source: tuple[Path, tuple[str, ...]]  # the list's path and header: problems are located

    @classmethod
    def of(cls, scan: ListScan, options: BatchOptions, folders: Mapping[Language, Path]) -> Drawing:
        serials = assign_serials(scan.letter, scan.ids, persist=options.persist_serials)
        return cls(scan.letter, serials, options, folders, (scan.path, scan.header))


class _Worker:
    """Per-process state: fonts, composer and renderer are built once."""

    def __init__(self, drawing: Drawing) -> None:
        self.letter = letter = drawing.letter
        composer = Composer(letter, drawing.serials, covers=CoverMode.NONE)
        self.checks = RecipientCheck(letter, *drawing.source, composer)
        self.renderer = Renderer(drawing.options.page_size)
        self.folders = drawing.folders
        self.failed = False  # once a letter is refused, the others are only checked

    def close(self) -> None:
        """After the last letter: keep what the letters shared for the next run."""
        if not self.failed:
            self.renderer.keep_layouts()

    def __call__(self, recipient: Recipient) -> ManifestEntry | Refusal:
        composed, problems = self.checks.compose(recipient)
        if composed is None or problems or self.failed:
            self.failed = self.failed or bool(problems)
            return Refusal(recipient.id, tuple(problems))
        try:
            name = pdf_name(recipient.id)
            pdf = self.renderer.render(composed, created=self.letter.date)
        except MissiveError as error:
            self.failed = True
            refusal = self.checks.refused(recipient, f"render would refuse the letter: {error}")
            return Refusal(recipient.id, tuple(refusal))
        (self.folders[recipient.language] / name).write_bytes(pdf.data)
        return ManifestEntry(
            recipient=recipient.id,
            language=recipient.language.value,
            group=recipient.group,
            reference=composed.reference,
            pdf=name,
            sha256=pdf.sha256,
            pages=pdf.pages,
            bytes=len(pdf.data),
        )


def _language(recipient: Recipient) -> Language:
    return recipient.language


def pdf_name(recipient_id: str) -> str:
    if id_problem(recipient_id):
        raise RenderError(f"recipient id {recipient_id!r} cannot name a file")
    return f"{recipient_id}.pdf"


@dataclass(frozen=True)
class RenderRequest:
    letter_path: Path
    out_dir: Path
    options: BatchOptions = BatchOptions()
    recipients_path: Path | None = None


def render_letters(request: RenderRequest, on_progress: OnProgress | None = None) -> Manifest:
    """Validate the list, then compose, check and draw each letter once.

    Raises `InputError` with every problem found, and then publishes nothing.
    """
    return render_batch(
        request.letter_path,
        request.out_dir,
        request.options,
        recipients_path=request.recipients_path,
        on_progress=on_progress,
    )


def expected_count(
    letter: Letter, counts: Mapping[tuple[Language, str], int], selection: Selection
) -> int:
    """How many letters the selection renders, from the list's counts."""
    total = selected_counts(letter, counts, selection).total()
    return total if selection.limit is None else min(total, selection.limit)


def render_batch(
    letter_path: Path,
    out_dir: Path,
    options: BatchOptions,
    recipients_path: Path | None = None,
    *,
    on_progress: OnProgress | None = None,
) -> Manifest:
    if out_dir.exists() and not out_dir.is_dir():
        raise RenderError(f"{out_dir} exists and is not a folder")
    scan = scan_list(letter_path, recipients_path)
    require_known_groups(scan.letter, options.groups)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would carry over to the published directory
    try:
        drawing = Drawing.of(scan, options, dict.fromkeys(scan.letter.languages, staging))
        with (staging / MANIFEST).open("w", encoding="utf-8") as manifest:
            writer = _ManifestWriter(manifest)
            counts = draw_letters(drawing, scan, record=writer.write, on_progress=on_progress)
            writer.close()
        _publish(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Manifest(
        out_dir=out_dir,
        path=out_dir / MANIFEST,
        letters=sum(counts.values()),
        per_language=dict(counts),
        total_bytes=writer.bytes,
    )


class _ManifestWriter:
    """`manifest.json` written entry by entry, as the letters are drawn."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.entries = self.bytes = 0
        stream.write("[")

    def write(self, entry: ManifestEntry) -> None:
        separator = "\n" if not self.entries else ",\n"
        # Flat: no asdict copy.
        self.stream.write(separator + json.dumps(vars(entry), ensure_ascii=False))
        self.entries += 1
        self.bytes += entry.bytes

    def close(self) -> None:
        self.stream.write("\n]\n")


def draw_letters(
    drawing: Drawing,
    scan: ListScan,
    *,
    record: Callable[[ManifestEntry], None],
    skip: Collection[str] = frozenset(),
    on_progress: OnProgress | None = None,
) -> Counter[Language]:
    """Compose, check and draw each recipient the options select, except those in `skip`,
    each PDF into its language's folder; `record` is told of each letter drawn, in the
    list's order, until a letter is refused. Returns the letters drawn per language.

    The core of `render`, shared with the workspace's render job. Raises `InputError` with
    every problem found.
    """
    letter, selection = drawing.letter, drawing.options.selection
    listed = iter_selected(letter, iter_recipients(scan.path, letter), selection)
    recipients = (r for r in listed if r.id not in skip) if skip else listed
    shares = selected_counts(letter, scan.counts, selection)
    expected = expected_count(letter, scan.counts, selection)
    meter = Meter(Stage.RENDERING, max(0, expected - len(skip)), on_progress)
    counts: Counter[Language] = Counter()
    problems: set[Problem] = set()
    jobs = drawing.options.jobs or os.cpu_count() or 1
    with _results(drawing, recipients, jobs, shares) as results:
        for result in results:
            if isinstance(result, Refusal):
                problems.update(result.problems)
            elif not problems:
                record(result)
                counts[Language(result.language)] += 1
            meter.step(result.recipient, failed=isinstance(result, Refusal))
    if problems:
        raise InputError(problems)
    meter.finish()
    return counts


class _results:  # noqa: N801 (a context manager used like a function)
    """Results in recipient order, from this process (jobs=1) or from a pool."""

    def __init__(
        self,
        drawing: Drawing,
        recipients: Iterator[Recipient],
        jobs: int,
        shares: Mapping[Language, int],
    ) -> None:
        self.drawing = drawing
        self.recipients = recipients
        self.jobs = jobs
        self.shares = shares
        self.pool: LanguagePool[Recipient, Language, ManifestEntry | Refusal] | None = None
        self.worker: _Worker | None = None

    def __enter__(self) -> Iterator[ManifestEntry | Refusal]:
        if self.jobs == 1:
            self.worker = _Worker(self.drawing)
            return (self.worker(recipient) for recipient in self.recipients)
        make = partial(_Worker, self.drawing)
        self.pool = LanguagePool(self.jobs, make, _language, shares=self.shares)
        # Loaded recipients carry read-only mapping proxies, which do not pickle.
        portable = (replace(r, extra=dict(r.extra)) for r in self.recipients)
        return self.pool.map(portable)

    def __exit__(self, error: type[BaseException] | None, *rest: object) -> None:
        if self.worker is not None and error is None:
            self.worker.close()
        if self.pool is not None:
            if error is None:
                self.pool.close()
            else:
                self.pool.terminate()


def _publish(staging: Path, out_dir: Path) -> None:
    """Move the finished set into `out_dir`; the manifest goes last."""
    if out_dir.exists() and not any(out_dir.iterdir()):
        out_dir.rmdir()
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    for path in staging.iterdir():
        if path.name != MANIFEST:
            os.replace(path, out_dir / path.name)
    os.replace(staging / MANIFEST, out_dir / MANIFEST)
