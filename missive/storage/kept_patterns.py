"""Regular expressions compiled once and kept between runs, in the start-up cache.

A process that renders compiles some 230 regular expressions as it imports ReportLab,
email_validator, PyYAML, Jinja2, markdown-it and missive's own modules: 0.12 s of its
0.9 s start, 50 ms of it one case-insensitive URL pattern of ReportLab's paragraph module
(its character classes span the whole Basic Multilingual Plane). What Python's compiler
makes of a pattern depends only on the pattern, its flags and that Python, so `seed`
(called before those modules are imported) puts the compiled forms an earlier run kept
into `re`'s own cache, where `re.compile` finds them; `keep` (at the end of a command)
adds the patterns compiled since, each kept only if its form made again equals the
pattern compiled (`Pattern.__eq__` compares the code).

This reaches into `re`'s internals (`re._cache`, `re._parser`, `re._compiler._code`,
`_sre.compile`), which differ between Python versions: the entry is named by the exact
version, and if anything there is not as this module expects, nothing is seeded or kept
and every pattern is compiled as usual. With `MISSIVE_NO_REUSE=1`, nothing is read or
written (`startcache`).
"""

from __future__ import annotations

import importlib
import re
import sys
import warnings
from collections.abc import Iterable
from typing import Any

from missive.storage import reuse, startcache

_sre: Any = importlib.import_module("_sre")  # the regular expression engine: no stubs

KIND = "patterns"
MAX_KEPT = 2048
# Fewer new patterns than this are not worth writing the entry again: some libraries build
# a pattern from a set, whose order changes from run to run (ReportLab's rl_safe_eval, the
# e-mail header parser, Babel's number parser: some ten a run, never found again).
MIN_NEW = 16
# (pattern, flags asked) -> what `_sre.compile` is called with
Compiled = tuple[str | bytes, int, list[int], int, dict[str, int], tuple[str | None, ...]]
Key = tuple[type, str | bytes, int]

_seeded: set[Key] = set()  # the patterns of the entry this process read
reuse.register(f"{__name__}._seeded", _seeded.clear, lambda: len(_seeded), on_disk=True)


def _version() -> str:
    return f"patterns 1 {sys.version} sre {_sre.MAGIC} {_sre.CODESIZE}"


def _key() -> str:
    return startcache.fingerprint(_version().encode())


def seed() -> None:
    """Put the patterns kept by earlier runs into `re`'s cache (none if there are none)."""
    kept = startcache.load(KIND, _key(), _version())
    cache = getattr(re, "_cache", None)
    if not isinstance(kept, dict) or not isinstance(cache, dict):
        return
    room = getattr(re, "_MAXCACHE", 0) - len(cache)
    try:
        for key, compiled in list(kept.items())[: max(room, 0)]:
            cache.setdefault(key, _sre.compile(*compiled))
    except Exception:  # another shape than this Python's: compiled as usual
        return
    _seeded.update(kept)  # known to the entry, seeded or not: not kept again


def keep() -> None:
    """Add the patterns this process compiled that the entry it read lacks."""
    cache = getattr(re, "_cache", None)
    if not isinstance(cache, dict):
        return
    new = {key: cache[key] for key in list(cache) if key not in _seeded}
    with warnings.catch_warnings():  # a pattern's own warnings were given when it compiled
        warnings.simplefilter("ignore")
        found = dict(_compiled(new.items()))
    if len(found) < MIN_NEW:
        return

    def added(stored: Any) -> dict[Key, Compiled]:
        before = stored if isinstance(stored, dict) else {}
        return {**before, **found} if len(before) + len(found) <= MAX_KEPT else found

    startcache.update(KIND, _key(), _version(), added)


def _compiled(patterns: Iterable[tuple[Key, Any]]) -> Iterable[tuple[Key, Compiled]]:
    """What `_sre.compile` was called with for each pattern, made again as
    `re._compiler.compile` makes it; only those it gives back equal."""
    for key, live in patterns:
        kind, pattern, flags = key
        if kind not in (str, bytes) or not isinstance(flags, int):
            continue
        try:
            parsed = re._parser.parse(pattern, flags)
            code = [int(op) for op in re._compiler._code(parsed, flags)]  # type: ignore[attr-defined]
            state = parsed.state
            groups = state.groupdict
            index: list[str | None] = [None] * state.groups
            for name, number in groups.items():
                index[number] = name
            made = (pattern, flags | state.flags, code, state.groups - 1, groups, tuple(index))
            if _sre.compile(*made) == live:
                yield key, made
        except Exception:  # not as this module expects: not kept
            continue
