"""The workspace's render job: each letter's PDFs drawn once per input hash, off the web server.

`serve` starts one renderer process (`start_renderer`). It watches the letters folder and,
for each letter whose input files changed (or that is new), runs the render job: the list
read and validated once (`scan_list`); each language's input hash (`review/digest.py`); the
languages without a complete folder for their hash drawn by `draw_letters`, the core of
`render`, resuming what their folders hold, each PDF listed once written; their manifest
and digest; then `check`, the send page's sample (`compose`) and the proof. The job stops
as soon as an input changes again (its folders keep what was drawn) or the process that
started the renderer is gone. docs/workspace.md tells the whole of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import IO

from missive.app.batch_store import (
    PARTIAL,
    PROOF,
    LanguagePart,
    LetterState,
    Preview,
    RenderState,
    Stamp,
    append_entry,
    finish_folder,
    folder_name,
    letter_keys,
    load_digest,
    load_state,
    partial_entries,
    prune,
    read_json,
    save_state,
    stamps_of,
    still_current,
    store_of,
)
from missive.app.check import CheckRequest, ListScan, check_letter, scan_list
from missive.app.compose_one import ComposeRequest, compose_letter
from missive.app.list_readers import ListReaders
from missive.app.progress import Progress
from missive.app.proof import write_proof
from missive.app.render_batch import MANIFEST, BatchOptions, Drawing, ManifestEntry, draw_letters
from missive.app.render_inputs import (
    InterruptedRenderError,
    letter_files,
    stamped_as_read,
    watched_files,
)
from missive.errors import InputError, MissiveError
from missive.model import Language
from missive.render import raster
from missive.review.digest import BatchInputs, digest_batch

DEFAULT_JOBS = 2
POLL_SECONDS = 0.5
# The renderer (and the render processes it forks) yields the processor to the web server:
# a reviewer's request waits on no letter being drawn. Nothing else is slowed on a machine
# with processor time to spare; on a busy one, rendering waits rather than the people.
RENDERER_NICENESS = 10
# Seconds between two writes of the state while drawing. The state is progress only: what
# is drawn is in the partial manifests (a line per PDF, appended once it is written), which
# a resumed job reads, so a job killed between two writes loses no PDF.
SAVE_EVERY = 1.0


@dataclass(frozen=True)
class RenderTarget:
    """Where a workspace's letters are, and where their batches are kept."""

    letters_dir: Path
    journal_path: Path
    pages_dir: Path  # page images, by the PDF's sha256
    jobs: int = DEFAULT_JOBS

    @property
    def store(self) -> Path:
        return store_of(self.journal_path)


Stop = Callable[[], bool]


# --- the renderer: every letter of the folder -------------------------------------------


def render_pending(target: RenderTarget, stop: Stop = lambda: False) -> list[str]:
    """Run the render job of every letter whose state is missing or stale; their keys."""
    ran = []
    for key, path in letter_keys(target.letters_dir).items():
        if stop():
            break
        state = load_state(target.store / key)
        if state is not None and still_current(state.stamps) and state.checked:
            continue
        try:
            render_letter(target, key, path, stop)
        except InterruptedRenderError:
            pass  # rendered again at once, from what its folders hold
        except (MissiveError, OSError) as error:
            # A renderer outlives a letter it cannot render: the state says why.
            failed = LetterState(
                key, RenderState.FAILED, stamps_of([path]), (f"{path}: {error}",), checked=True
            )
            save_state(target.store / key, failed)
        ran.append(key)
    return ran


def run_renderer(target: RenderTarget, parent: int | None = None) -> None:
    """Render what is pending, again and again, until the parent process is gone."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if hasattr(os, "nice"):
        os.nice(RENDERER_NICENESS)

    def gone() -> bool:
        return parent is not None and os.getppid() != parent

    with contextlib.suppress(KeyboardInterrupt):
        while not gone():
            if not render_pending(target, gone):
                time.sleep(POLL_SECONDS)


def start_renderer(target: RenderTarget) -> BaseProcess:
    """The renderer in a process of its own (`stop_renderer` ends it)."""
    context = (
        multiprocessing.get_context("fork")
        if os.name == "posix"
        else multiprocessing.get_context("spawn")
    )
    process = context.Process(
        target=run_renderer, args=(target, os.getpid()), name="missive-renderer"
    )
    process.start()
    return process


def stop_renderer(process: BaseProcess) -> None:
    if process.is_alive() and process.pid is not None:
        os.kill(process.pid, signal.SIGTERM)
    process.join(timeout=30)
    if process.is_alive():
        process.kill()
        process.join()


# --- one letter ----------------------------------------------------------------------------


def render_letter(target: RenderTarget, key: str, letter_path: Path, stop: Stop) -> LetterState:
    """The letter's render job (see the module's docstring); the state it ends in."""
    folder = target.store / key
    before = stamps_of(letter_files(letter_path))
    readers = ListReaders()
    try:
        scan = scan_list(letter_path, on_recipient=readers.add)
    except InputError as error:
        return _failed(folder, key, letter_path, error, before)
    letter = scan.letter
    inputs = readers.inputs(letter, scan.path)
    files = (item.path for item in inputs.files)
    state = LetterState(
        key=key,
        state=RenderState.RENDERING,
        stamps=stamped_as_read(before, watched_files(letter, files, letter_path)),
        counts=tuple((lang, group, n) for (lang, group), n in sorted(scan.counts.items())),
        languages=_parts(folder, inputs, readers),
        reviewers_required=letter.reviewers_required,
        started=time.time(),
        inputs=inputs.files,
    )
    save_state(folder, state)
    job = _LetterJob(target, folder, scan, inputs, readers, stop)
    try:
        drawn = job.finish(job.draw(state))
    except InputError:
        # `render` refused a letter: `check` says so, with every other problem.
        return _save(folder, _check(folder, letter_path, scan, state))
    save_state(folder, drawn)  # reviewable now; `check` and the proof come next
    state = _save(folder, _check(folder, letter_path, scan, drawn))
    prune(folder, state)
    return state


def _save(folder: Path, state: LetterState) -> LetterState:
    save_state(folder, state)
    return state


def _failed(
    folder: Path, key: str, letter_path: Path, error: InputError, before: tuple[Stamp, ...]
) -> LetterState:
    """The letter does not check: `check`'s own problems (the e-mail cover notes too)."""
    try:
        check_letter(CheckRequest(letter_path))
    except InputError as found:
        error = found
    state = LetterState(
        key=key,
        state=RenderState.FAILED,
        stamps=stamped_as_read(before, letter_files(letter_path)),
        problems=tuple(str(p) for p in error.problems),
        checked=True,
    )
    save_state(folder, state)
    return state


def _parts(folder: Path, inputs: BatchInputs, readers: ListReaders) -> tuple[LanguagePart, ...]:
    plain = digest_batch(inputs, None)
    parts = []
    for language, digest in plain.languages.items():
        name = folder_name(language, digest.inputs_hash)
        total = len(readers.ids[language])
        kept = load_digest(folder / name)
        rendered = kept is not None and kept.inputs_hash == digest.inputs_hash
        done = total if rendered else sum(1 for _ in partial_entries(folder / name))
        samples = readers.samples(language)
        part = LanguagePart(language, digest.inputs_hash, name, total, min(done, total), samples)
        parts.append(replace(part, rendered=rendered))
    return tuple(parts)


@dataclass(frozen=True)
class _LetterJob:
    target: RenderTarget
    folder: Path
    scan: ListScan
    inputs: BatchInputs
    readers: ListReaders
    stop: Stop

    def draw(self, state: LetterState) -> LetterState:
        """Draw the languages not rendered at their input hash, resuming their folders."""
        stale = {p.language: self.folder / p.folder for p in state.languages if not p.rendered}
        if not stale:
            return state
        for path in stale.values():
            path.mkdir(parents=True, exist_ok=True)
        skip = {str(e["recipient"]) for path in stale.values() for e in partial_entries(path)}
        jobs = self.target.jobs
        options = BatchOptions(languages=tuple(stale), jobs=jobs, persist_serials=False)
        drawing = Drawing.of(self.scan, options, stale)
        first_pages = {_opened_first(part) for part in state.languages if part.samples}
        with _Recorder(self, stale, state, first_pages) as recorder:
            draw_letters(
                drawing, self.scan, record=recorder.record, skip=skip, on_progress=recorder.progress
            )
        return state

    def finish(self, state: LetterState) -> LetterState:
        """Every language drawn: its manifest and digest (one digest of the batch, PDFs
        included), the images of its samples' first pages; the state is `done`."""
        pdfs = {
            str(e["recipient"]): str(e["sha256"])
            for part in state.languages
            for e in _entries(self.folder / part.folder, part.rendered)
        }
        digest = digest_batch(self.inputs, sorted(pdfs.items()))
        parts = []
        for part in state.languages:
            if not part.rendered:
                ids = self.readers.ids[part.language]
                finish_folder(self.folder / part.folder, ids, digest.languages[part.language])
            _draw_sample_pages(self.target, self.folder / part.folder, part)
            parts.append(replace(part, done=part.total, rendered=True))
        elapsed = time.time() - (state.started or time.time())
        drawn = sum(p.total - p.done for p in state.languages)
        rate = drawn / elapsed if elapsed > 0 else 0.0
        return replace(state, state=RenderState.DONE, languages=tuple(parts), rate=rate)


def _entries(folder: Path, rendered: bool) -> Iterator[dict[str, object]]:
    if not rendered:
        yield from partial_entries(folder)
        return
    data = read_json(folder / MANIFEST)
    if isinstance(data, list):
        yield from (e for e in data if isinstance(e, dict))


def _opened_first(part: LanguagePart) -> str:
    """The recipient whose letter the review page of the language shows first (the first
    of the language): its first page is drawn as an image while the language renders, so
    that the page opens at once. The other samples' pages are drawn when first asked for
    (the web server's `LetterShelf.page_image`), as any other page."""
    return part.samples[0].recipient


def _draw_sample_pages(target: RenderTarget, folder: Path, part: LanguagePart) -> None:
    """The first page of the letter the review page shows first (if not drawn yet)."""
    if part.samples:
        _first_page(target, folder / f"{_opened_first(part)}.pdf")


def _first_page(target: RenderTarget, pdf: Path) -> None:
    with contextlib.suppress(OSError, MissiveError):
        data = pdf.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        if not raster.page_path(sha, 0, target.pages_dir).is_file():
            raster.page_png(data, 0, target.pages_dir)


def _check(folder: Path, letter_path: Path, scan: ListScan, state: LetterState) -> LetterState:
    """`check`'s problems (the command line's own use case), the send page's sample (as
    `compose` makes it) and the reviewers' proof (as `proof` makes it)."""
    try:
        check_letter(CheckRequest(letter_path))
    except InputError as error:
        problems = tuple(str(p) for p in error.problems)
        return replace(state, state=RenderState.FAILED, problems=problems, checked=True)
    if state.state is not RenderState.DONE:  # refused by `render` alone
        problems = ("render refused a letter that check passes: see `send.py render`",)
        return replace(state, state=RenderState.FAILED, problems=problems, checked=True)
    first = scan.ids[0]
    composed = compose_letter(ComposeRequest(letter_path, first)).composed
    recipient = composed.recipient
    preview = Preview(
        recipient=first,
        name=recipient.name,
        email=recipient.email,
        language=recipient.language,
        subject=composed.cover.subject,
        cover=composed.cover.text,
        sender=scan.letter.mail.from_address,
    )
    write_proof(letter_path, folder / PROOF)
    return replace(state, problems=(), checked=True, preview=preview)


class _Recorder:
    """Appends each PDF drawn to its language's partial manifest, and keeps the state's
    progress (written at most every `SAVE_EVERY` seconds); stops the drawing when the
    inputs change or the renderer's parent is gone."""

    def __init__(
        self,
        job: _LetterJob,
        stale: Mapping[Language, Path],
        state: LetterState,
        first_pages: Collection[str],
    ) -> None:
        self.folder, self.state, self.stop = job.folder, state, job.stop
        self.target, self.first_pages = job.target, first_pages
        self.streams: dict[Language, IO[str]] = {}
        self.paths = stale
        self.done: Counter[Language] = Counter({p.language: p.done for p in state.languages})
        self.saved = time.monotonic()
        self.rate = 0.0

    def __enter__(self) -> _Recorder:
        for language, path in self.paths.items():
            self.streams[language] = (path / PARTIAL).open("a", encoding="utf-8")
        return self

    def __exit__(self, *error: object) -> None:
        for stream in self.streams.values():
            stream.close()

    def record(self, entry: ManifestEntry) -> None:
        language = Language(entry.language)
        if entry.recipient in self.first_pages:
            # The page a reviewer is shown first is drawn as an image before the PDF is
            # listed (and so shown): the web server need not draw it.
            _first_page(self.target, self.paths[language] / entry.pdf)
        append_entry(self.streams[language], entry)
        self.done[language] += 1

    def progress(self, event: Progress) -> None:
        self.rate = event.rate
        if time.monotonic() - self.saved < SAVE_EVERY and not event.finished:
            return
        self.saved = time.monotonic()
        if self.stop() or not still_current(self.state.stamps):
            raise InterruptedRenderError("an input changed while the letter was drawn")
        parts = tuple(
            replace(p, done=min(self.done[p.language], p.total)) for p in self.state.languages
        )
        save_state(self.folder, replace(self.state, languages=parts, rate=self.rate))
