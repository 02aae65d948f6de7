"""What missive keeps to reuse, in one registry, and the plain path that keeps nothing.

Rendering thousands of letters reuses what earlier letters computed: laid-out paragraphs,
drawn text, recorded endings, compressed streams, font subsets, composed markup, checked
domains, and, between runs, the start-up cache on disk (`startcache.py`). Every such
cache of every stage registers here, by name: `memo` for a function's results, `Kept`
for a table of results by key, `register` for any other. So that

- `clear_caches()` empties them all: the next letter is rendered as by a new process
  (what is on disk is read again when asked for); the tests do it before each test;
- `MISSIVE_NO_REUSE=1` in the environment of a process renders with none of them: no
  cache, replay or kept result is read or written, and the start-up cache is neither
  read nor written (`REUSE` is read once, when this module is imported). The bytes are
  the same (`tests/test_plain_path.py`): this path is what the reuse must equal.

What a process loads once (`once`: a font file registered with ReportLab, a hyphenation
dictionary, the country table, the fingerprint of a file or of code) registers too, as
`loaded`: it is what the files shipped with missive say, not a result kept to save work
on the next letter, so the plain path loads it as well (once: reading a font file for
every glyph is no path at all) and `clear_caches()` leaves it. `tests/test_plain_path.py`
fails on a cache of any module that is not registered.

Caches are kept per process and are not locked: rendering holds `RENDERING` (see
`render/pdf.py`), so that one thread renders at a time in a process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, cast

if TYPE_CHECKING:
    from functools import _lru_cache_wrapper

NO_REUSE_ENV = "MISSIVE_NO_REUSE"
REUSE: Final = os.environ.get(NO_REUSE_ENV, "") in ("", "0")
# One rendering thread at a time per process: the caches are shared and unlocked, and
# some of them hold platypus flowables, which laying out changes.
RENDERING = threading.RLock()

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
V = TypeVar("V")


@dataclass(frozen=True)
class Cache:
    """A registered cache: how to empty it, how many results it holds, whether what it
    holds was read from disk (the start-up cache), and whether it is loaded once per
    process rather than kept for reuse."""

    name: str
    clear: Callable[[], None]
    size: Callable[[], int]
    on_disk: bool = False
    loaded: bool = False


_REGISTRY: dict[str, Cache] = {}


def register(
    name: str,
    clear: Callable[[], None],
    size: Callable[[], int],
    *,
    on_disk: bool = False,
    loaded: bool = False,
) -> None:
    """Register a cache under `name` (a module's name and the cache's); a name is
    registered once (two caches under one name would leave one of them unemptied)."""
    if name in _REGISTRY:
        raise ValueError(f"a cache is already registered as {name}")
    _REGISTRY[name] = Cache(name, clear, size, on_disk, loaded)


def _nothing() -> None:
    return None


def _none() -> int:
    return 0


def memo(maxsize: int | None, *, name: str | None = None) -> Callable[[F], F]:
    """`functools.lru_cache(maxsize)`, registered (under `name`, or the function's own);
    without `REUSE`, the function itself (registered as holding nothing)."""

    def decorate(function: F) -> F:
        called = name or f"{function.__module__}.{function.__qualname__}"
        if not REUSE:
            register(called, _nothing, _none)
            return function
        cached = lru_cache(maxsize=maxsize)(function)
        register(called, cached.cache_clear, lambda: cached.cache_info().currsize)
        return cast(F, cached)

    return decorate


def once(function: Callable[..., T]) -> _lru_cache_wrapper[T]:
    """`functools.cache` for what a process loads once (see the module's doc), registered
    as `loaded`, on the plain path too."""
    cached = cache(function)
    name = f"{function.__module__}.{function.__qualname__}"
    register(name, cached.cache_clear, lambda: cached.cache_info().currsize, loaded=True)
    return cached


class Kept(Generic[V]):
    """A table of results by key, registered as `name`, holding at most `limit`: when
    full, the result used least recently goes. A batch mixes its languages, and its
    letters add results of their own (a page with the recipient's name) among those its
    language shares; emptying the whole table when full made every language's shared
    results again (a mixed batch of 300 paid a tenth more than the same letters grouped
    by language). Without `REUSE` it keeps nothing: `get` finds nothing and a call
    makes its result again."""

    def __init__(self, name: str, limit: int) -> None:
        self.limit = limit
        self._done: dict[Hashable, V] = {}  # in order of use, the least recent first
        register(name, self._done.clear, lambda: len(self._done))

    def get(self, key: Hashable) -> V | None:
        found = self._done.pop(key, None)
        if found is not None:
            self._done[key] = found
        return found

    def put(self, key: Hashable, value: V) -> V:
        if REUSE:
            if key not in self._done and len(self._done) >= self.limit:
                del self._done[next(iter(self._done))]
            self._done[key] = value
        return value

    def __call__(self, key: Hashable, make: Callable[[], V]) -> V:
        found = self.get(key)
        return self.put(key, make()) if found is None else found

    def clear(self) -> None:
        self._done.clear()

    def __len__(self) -> int:
        return len(self._done)


def clear_caches() -> None:
    """Empty every registered cache kept for reuse (what is loaded once stays): the next
    render is a new process's."""
    for cache_ in _REGISTRY.values():
        if not cache_.loaded:
            cache_.clear()


def registered() -> tuple[Cache, ...]:
    return tuple(_REGISTRY.values())
