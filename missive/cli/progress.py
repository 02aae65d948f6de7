"""Progress events drawn as a bar on stderr (tqdm), only when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tqdm import tqdm

    from missive.app import Progress


class ProgressBars:
    """One bar per stage (rendering, spooling, sending) with its count, rate and ETA."""

    def __init__(self) -> None:
        self._bar: tqdm[Any] | None = None
        self._stage = ""
        self._problems = (0, 0)

    def __call__(self, event: Progress) -> None:
        bar = self._bar
        if bar is None or event.stage.value != self._stage:
            self.close()
            if event.done == 0:
                return  # a stage with nothing to do draws nothing
            if not sys.stderr.isatty():
                return  # logs and pipes get no bar, and a batch does not import tqdm
            from tqdm import tqdm

            self._stage = event.stage.value
            bar = self._bar = tqdm(
                desc=self._stage, total=event.total, unit=" letters", file=sys.stderr
            )
        if (event.failed, event.held) != self._problems:
            self._problems = (event.failed, event.held)
            bar.set_postfix(failed=event.failed, held=event.held, refresh=False)
        bar.update(event.done - bar.n)
        if event.finished:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar = None
        self._stage = ""
        self._problems = (0, 0)
