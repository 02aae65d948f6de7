"""Font subsets cut in one run, kept for the next.

Cutting a subset (ReportLab's `makeSubset` reads every glyph it needs from the font file,
in Python) is the costliest step of a language's first letter: the 300 letters of the
mixed sample cut 30 subsets, about 50 ms, in every run. A subset depends only on the font
file, ReportLab and the characters in it, which missive assigns in sorted order so that
letters drawing the same characters share a subset. At the end of a run, the subsets that
two letters or more drew are kept in the start-up cache (`storage/startcache.py`), in a
table per font file of at most `MAX_KEPT` subsets; the next run takes them from there.

What a process holds for this is bounded too: the last `MAX_NEW` subsets it cut per face.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import reportlab

from missive.storage import reuse, startcache

KIND = "subsets"
MAX_KEPT = 32
MAX_NEW = 64
_VERSION = f"reportlab {reportlab.Version} subsets 1"

Subset = tuple[int, ...]


@dataclass
class _Cut:
    data: bytes
    letters: int = 0  # that drew it


@dataclass
class _Face:
    digest: str  # of the font file
    kept: dict[Subset, bytes] | None = None  # read from the cache on first use
    new: OrderedDict[Subset, _Cut] = field(default_factory=OrderedDict)


@dataclass
class _State:
    faces: dict[str, _Face] = field(default_factory=dict)
    unread: bool = False  # set by `forget`: nothing kept is used in this process


_state = _State()
reuse.register(
    f"{__name__}._state",
    _state.faces.clear,  # read again from the cache when next asked for
    lambda: sum(len(face.new) + len(face.kept or ()) for face in _state.faces.values()),
    on_disk=True,
)


def cut(stem: str, digest: str, subset: Subset, make: Callable[[], bytes]) -> bytes:
    """The font program of `subset` of face `stem`: kept from an earlier run, or made."""
    face = _state.faces.setdefault(stem, _Face(digest))
    if face.kept is None:
        face.kept = {} if _state.unread else _read(digest)
    found = face.kept.get(subset)
    if found is not None:
        return found
    made = make()
    face.new[subset] = _Cut(made)
    if len(face.new) > MAX_NEW:
        face.new.popitem(last=False)
    return made


def drawn(stem: str, subset: Subset) -> None:
    """A letter draws `subset` (counted for the subsets this process cut)."""
    face = _state.faces.get(stem)
    made = face.new.get(subset) if face else None
    if made is not None:
        made.letters += 1


def keep() -> None:
    """Add the subsets two letters or more drew to the cache's tables."""
    for face in _state.faces.values():
        shared = {s: made.data for s, made in face.new.items() if made.letters >= 2}
        if shared:
            startcache.update(KIND, face.digest, _VERSION, _merged(shared))


def forget() -> None:
    """Use nothing kept from earlier runs in this process (renders from scratch)."""
    _state.unread = True
    _state.faces.clear()


def _merged(shared: dict[Subset, bytes]) -> Callable[[object], dict[Subset, bytes]]:
    def merge(stored: object) -> dict[Subset, bytes]:
        table = dict(stored) if isinstance(stored, dict) else {}
        for subset in shared:  # this run's go last, so that they are the ones kept
            table.pop(subset, None)
        table.update(shared)
        return dict(list(table.items())[-MAX_KEPT:])

    return merge


def _read(digest: str) -> dict[Subset, bytes]:
    stored = startcache.load(KIND, digest, _VERSION)
    return dict(stored) if isinstance(stored, dict) else {}
