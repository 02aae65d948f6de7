"""What missive keeps to reuse, in one registry, and the plain path that keeps nothing.

Rendering thousands of letters reuses what earlier letters computed: laid-out paragraphs,
drawn text, recorded endings, compressed streams, font subsets, and, between runs, the
start-up cache on disk (`startcache.py`). Every such cache registers here, by name
(`register`, or `memo` for a function's results), so that

- `clear_caches()` empties them all: the next letter is rendered as by a new process
  (what is on disk is read again when asked for); the tests do it before each test;
- `MISSIVE_NO_REUSE=1` in the environment of a process renders with none of them: no
  cache, replay or kept result is read or written, and the start-up cache is neither
  read nor written (`REUSE` is read once, when this module is imported). The bytes are
  the same (`tests/test_plain_path.py`): this path is what the reuse must equal.

Caches are kept per process and are not locked: rendering holds `RENDERING` (see
`render/pdf.py`), so that one thread renders at a time in a process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, TypeVar, cast

NO_REUSE_ENV = "MISSIVE_NO_REUSE"
REUSE: Final = os.environ.get(NO_REUSE_ENV, "") in ("", "0")
# One rendering thread at a time per process: the caches are shared and unlocked, and
# some of them hold platypus flowables, which laying out changes.
RENDERING = threading.RLock()

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Cache:
    """A registered cache: how to empty it, how many results it holds, and whether what
    it holds was read from disk (the start-up cache)."""

    name: str
    clear: Callable[[], None]
    size: Callable[[], int]
    on_disk: bool = False


_REGISTRY: dict[str, Cache] = {}


def register(
    name: str, clear: Callable[[], None], size: Callable[[], int], *, on_disk: bool = False
) -> None:
    """Register a cache under `name` (a module's name and the cache's)."""
    _REGISTRY[name] = Cache(name, clear, size, on_disk)


def memo(maxsize: int | None) -> Callable[[F], F]:
    """`functools.lru_cache(maxsize)`, registered; without `REUSE`, the function itself."""

    def decorate(function: F) -> F:
        if not REUSE:
            return function
        cached = lru_cache(maxsize=maxsize)(function)
        name = f"{function.__module__}.{function.__qualname__}"
        register(name, cached.cache_clear, lambda: cached.cache_info().currsize)
        return cast(F, cached)

    return decorate


def clear_caches() -> None:
    """Empty every registered cache: the next render is a new process's."""
    for cache in _REGISTRY.values():
        cache.clear()


def registered() -> tuple[Cache, ...]:
    return tuple(_REGISTRY.values())
