"""Render a whole letter: every selected recipient -> `DIR/<id>.pdf` + `DIR/manifest.json`.

Recipients are streamed from the CSV and results streamed to the manifest, so memory stays
flat whatever the length of the list (only the id -> serial table is held, as the serial
registry requires). Work is spread over `jobs` processes; each loads the fonts and builds
its `Composer` once, in the pool initializer. Files are written to a temporary directory
next to `DIR` and moved into place only when every letter rendered, so a failure leaves
no half-written set.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import IO

from missive.app.check import CheckReport, CheckRequest, check_letter
from missive.app.progress import Meter, OnProgress, Stage
from missive.compose.composer import Composer, CoverMode
from missive.errors import RenderError
from missive.load import id_problem, iter_recipients, load_letter
from missive.load.serials import assign_serials_over_list
from missive.model import Language, Letter, PageSize, Recipient
from missive.render.pdf import Renderer

CHUNK_SIZE = 16
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


class _Worker:
    """Per-process state: fonts, composer and renderer are built once."""

    def __init__(
        self, letter: Letter, serials: Mapping[str, int], options: BatchOptions, out: Path
    ) -> None:
        self.letter = letter
        self.composer = Composer(letter, serials, covers=CoverMode.NONE)
        self.renderer = Renderer(options.page_size)
        self.out = out

    def __call__(self, recipient: Recipient) -> ManifestEntry:
        composed = self.composer.compose(recipient)
        pdf = self.renderer.render(composed, created=self.letter.date)
        name = pdf_name(recipient.id)
        (self.out / name).write_bytes(pdf.data)
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


_worker: _Worker | None = None


def _init_worker(
    letter: Letter, serials: Mapping[str, int], options: BatchOptions, out: Path
) -> None:
    global _worker  # noqa: PLW0603 (one worker state per pool process)
    _worker = _Worker(letter, serials, options, out)


def _work(recipient: Recipient) -> ManifestEntry:
    assert _worker is not None, "pool initializer did not run"
    return _worker(recipient)


def pdf_name(recipient_id: str) -> str:
    if id_problem(recipient_id):
        raise RenderError(f"recipient id {recipient_id!r} cannot name a file")
    return f"{recipient_id}.pdf"


def select(
    recipients: Iterator[Recipient], letter: Letter, options: BatchOptions
) -> Iterator[Recipient]:
    count = 0
    for recipient in recipients:
        if options.limit is not None and count >= options.limit:
            return
        if recipient.language not in letter.languages:
            continue
        if options.languages and recipient.language not in options.languages:
            continue
        if options.groups and recipient.group not in options.groups:
            continue
        count += 1
        yield recipient


@dataclass(frozen=True)
class RenderRequest:
    letter_path: Path
    out_dir: Path
    options: BatchOptions = BatchOptions()
    recipients_path: Path | None = None


def render_letters(request: RenderRequest, on_progress: OnProgress | None = None) -> Manifest:
    """Check the letter and its recipients (nothing is written on a problem), then render."""
    report = check_letter(CheckRequest(request.letter_path, request.recipients_path, covers=False))
    return render_batch(
        request.letter_path,
        request.out_dir,
        request.options,
        recipients_path=request.recipients_path,
        on_progress=on_progress,
        expected=expected_count(report, request.options),
    )


def expected_count(report: CheckReport, options: BatchOptions) -> int:
    """How many letters the selection renders, from the check's counts."""
    languages, groups = options.languages, options.groups
    total = sum(
        report.count(language, group)
        for language in report.letter.languages
        for group in report.groups
        if (not languages or language in languages) and (not groups or group in groups)
    )
    return total if options.limit is None else min(total, options.limit)


def render_batch(
    letter_path: Path,
    out_dir: Path,
    options: BatchOptions,
    recipients_path: Path | None = None,
    *,
    on_progress: OnProgress | None = None,
    expected: int | None = None,
) -> Manifest:
    if out_dir.exists() and not out_dir.is_dir():
        raise RenderError(f"{out_dir} exists and is not a folder")
    letter = load_letter(letter_path)
    source = recipients_path or letter.recipients_path
    serials = assign_serials_over_list(letter, source, persist=options.persist_serials)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would carry over to the published directory
    try:
        recipients = select(iter_recipients(source, letter), letter, options)
        with (staging / MANIFEST).open("w", encoding="utf-8") as manifest:
            counts, total = _run(
                letter=letter,
                serials=serials,
                options=options,
                staging=staging,
                recipients=recipients,
                manifest=manifest,
                meter=Meter(Stage.RENDERING, expected, on_progress),
            )
        _publish(staging, out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Manifest(
        out_dir=out_dir,
        path=out_dir / MANIFEST,
        letters=sum(counts.values()),
        per_language=dict(counts),
        total_bytes=total,
    )


def _run(
    *,
    letter: Letter,
    serials: Mapping[str, int],
    options: BatchOptions,
    staging: Path,
    recipients: Iterator[Recipient],
    manifest: IO[str],
    meter: Meter,
) -> tuple[Counter[Language], int]:
    counts: Counter[Language] = Counter()
    total = 0
    jobs = options.jobs or os.cpu_count() or 1
    manifest.write("[")
    with _results((letter, serials, options, staging), recipients, jobs) as results:
        for entry in results:
            manifest.write(
                ("\n" if not counts.total() else ",\n")
                + json.dumps(asdict(entry), ensure_ascii=False)
            )
            counts[Language(entry.language)] += 1
            total += entry.bytes
            meter.step(entry.recipient)
    manifest.write("\n]\n")
    meter.finish()
    return counts, total


class _results:  # noqa: N801 (a context manager used like a function)
    """Results in recipient order, from this process (jobs=1) or from a pool."""

    def __init__(
        self,
        args: tuple[Letter, Mapping[str, int], BatchOptions, Path],
        recipients: Iterator[Recipient],
        jobs: int,
    ) -> None:
        self.args = args
        self.recipients = recipients
        self.jobs = jobs
        self.pool: multiprocessing.pool.Pool | None = None

    def __enter__(self) -> Iterator[ManifestEntry]:
        if self.jobs == 1:
            worker = _Worker(*self.args)
            return (worker(recipient) for recipient in self.recipients)
        context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
        self.pool = context.Pool(self.jobs, initializer=_init_worker, initargs=self.args)
        # Loaded recipients carry read-only mapping proxies, which do not pickle.
        portable = (replace(r, extra=dict(r.extra)) for r in self.recipients)
        return self.pool.imap(_work, portable, chunksize=CHUNK_SIZE)

    def __exit__(self, error: type[BaseException] | None, *rest: object) -> None:
        if self.pool is not None:
            if error is None:
                self.pool.close()
            else:
                self.pool.terminate()
            self.pool.join()


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
