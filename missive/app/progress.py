"""Progress of long work, as events any front end can show: a terminal bar, a browser page.

A use case that takes a while (rendering a batch, spooling it, sending it) calls its
`on_progress` callback with a `Progress` after each item. The event carries everything a
front end shows (counts, rate, the item just done), so the front ends keep no clock and no
counters of their own.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass


class Stage(enum.StrEnum):
    RENDERING = "rendering"
    SPOOLING = "spooling"
    SENDING = "sending"


@dataclass(frozen=True)
class Progress:
    stage: Stage
    done: int
    total: int | None  # None when the count is not known in advance
    failed: int = 0
    held: int = 0  # e.g. sends held as ambiguous
    rate: float = 0.0  # items per second since the stage started
    current: str | None = None  # the item just done (a recipient id)
    finished: bool = False  # the last event of the stage


OnProgress = Callable[[Progress], None]


class Meter:
    """Counts the items of one stage and emits a `Progress` for each."""

    def __init__(self, stage: Stage, total: int | None, on_progress: OnProgress | None) -> None:
        self.stage = stage
        self.total = total
        self.done = self.failed = self.held = 0
        self._on_progress = on_progress
        self._started = time.monotonic()
        self._current: str | None = None

    def step(self, current: str | None = None, *, failed: bool = False, held: bool = False) -> None:
        self.done += 1
        self.failed += failed
        self.held += held
        self._current = current
        self._emit(finished=False)

    def finish(self) -> None:
        self._emit(finished=True)

    def _emit(self, *, finished: bool) -> None:
        if self._on_progress is None:
            return
        elapsed = max(time.monotonic() - self._started, 1e-6)
        self._on_progress(
            Progress(
                stage=self.stage,
                done=self.done,
                total=self.total,
                failed=self.failed,
                held=self.held,
                rate=self.done / elapsed,
                current=self._current,
                finished=finished,
            )
        )
