"""Start-up work kept on disk between runs: parsed font files, hyphenation patterns and
the paragraphs every letter of a language shares, laid out (`render/keptlayout.py`); the
letter templates compiled and analysed (`compose/kept_templates.py`).

Every process that renders parses its font files (ReportLab reads each table of the 4 MB
Chinese face in Python) and its hyphenation dictionaries (pyphen compiles thousands of
patterns): about 0.4 s before the first letter, in each `render`, `proof` and `send`.
What they produce depends only on the file's bytes and the library's version, so it is
kept in the user's cache folder (`$MISSIVE_CACHE_DIR`, else `$XDG_CACHE_HOME/missive`,
else `~/.cache/missive`) under a key made of both, and read back with pickle.

Pickle runs what it reads, so the folder is used only if it is the user's own and nobody
else may write in it (made 0700; an entry must belong to the user too): whoever could
write there could already run code as them. Anything wrong with it (someone else's or
shared, unwritable, a truncated or stale entry) only means the work is done again; it
never stops a render.

With `MISSIVE_NO_REUSE=1` (`reuse.REUSE` false) nothing is read or written here.

An entry made by missive's code is known by that code: `code_fingerprint` hashes the
source of the modules that compute it and of every module of missive they import,
directly or not, found from the modules themselves when asked (no list to keep up).
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from missive.storage import reuse

CACHE_ENV = "MISSIVE_CACHE_DIR"
FORMAT = "1"  # bumped when what is stored changes shape

T = TypeVar("T")


def cache_dir() -> Path:
    explicit = os.environ.get(CACHE_ENV)
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "missive"


def fingerprint(source: bytes) -> str:
    """What an entry made from `source` is known by (with its kind and version)."""
    return hashlib.sha256(source).hexdigest()


@reuse.once
def file_fingerprint(path: Path) -> str:
    """`fingerprint` of a file shipped with missive (a font file), hashed once a process:
    the font's metrics and its shaping each key entries by it (the Chinese face is 4 MB)."""
    return fingerprint(path.read_bytes())


def code_fingerprint(*modules: str) -> str:
    """What results computed by `modules` are known by: the source of each of them and of
    every module of missive they import, directly or not (`imported`). A change in any
    of that code is another entry."""
    names = sorted(imported(modules))
    return fingerprint("\n".join(f"{name} {_source_digest(name)}" for name in names).encode())


def imported(modules: Iterable[str]) -> frozenset[str]:
    """`modules` and every module of missive they import, directly or not: the modules
    their names refer to (an imported function stands for its module). Imports inside
    functions are not seen; outside `missive.cli` there are none (ruff's PLC0415)."""
    found: set[str] = set()
    waiting = list(modules)
    while waiting:
        name = waiting.pop()
        if name in found:
            continue
        found.add(name)
        module = sys.modules.get(name) or importlib.import_module(name)
        waiting.extend(_missive_modules(vars(module).values()) - found)
    return frozenset(found)


def _missive_modules(values: Iterable[object]) -> set[str]:
    names = set()
    for value in values:
        if isinstance(value, ModuleType):
            name = value.__name__
        else:
            try:
                name = getattr(value, "__module__", None) or ""
            except Exception:  # an object whose attributes cannot be asked for
                continue
        if isinstance(name, str) and name.startswith("missive."):
            names.add(name)
    return names


@reuse.once
def _source_digest(module: str) -> str:
    path = getattr(sys.modules[module], "__file__", None)
    return fingerprint(Path(path).read_bytes()) if path else "-"


def entry_path(kind: str, source: bytes | str, version: str) -> Path:
    """`source`: the bytes the entry is made from, or their `fingerprint`."""
    printed = fingerprint(source) if isinstance(source, bytes) else source
    digest = hashlib.sha256("\0".join((FORMAT, version, printed)).encode())
    return cache_dir() / f"{kind}-{digest.hexdigest()[:24]}.pickle"


def kept(kind: str, source: bytes | str, version: str, build: Callable[[], T]) -> T:
    """`build()`, or what it returned for the same `source` and `version` before."""
    found: T | None = load(kind, source, version)
    if found is not None:
        return found
    value = build()
    store(kind, source, version, value)
    return value


def load(kind: str, source: bytes | str, version: str) -> Any:
    """The entry kept for `source` and `version`, or None."""
    if not reuse.REUSE:
        return None
    path = entry_path(kind, source, version)
    if not (_private(path.parent) and _private(path, folder=False)):
        return None
    try:
        with path.open("rb") as stream:
            return pickle.load(stream)
    except Exception:  # absent, unreadable, truncated, stale: built again
        return None


def store(kind: str, source: bytes | str, version: str, value: object) -> None:
    if not reuse.REUSE:
        return
    path = entry_path(kind, source, version)
    if _private(path.parent):
        _store(path, value)


def update(kind: str, source: bytes | str, version: str, change: Callable[[Any], object]) -> None:
    """Store `change(entry)` (the entry None if there is none), one process at a time, so
    that processes adding to the same entry do not write over each other's additions."""
    if not reuse.REUSE:
        return
    path = entry_path(kind, source, version)
    if not _private(path.parent):
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with path.with_suffix(".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            _store(path, change(load(kind, source, version)))
    except OSError:  # the cache is optional
        return


def _private(path: Path, *, folder: bool = True) -> bool:
    """Whether `path` belongs to this user and only they may write it (a folder that does
    not exist yet will be made so; an entry that does not exist is not read)."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return folder
    except OSError:
        return False
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


def _store(path: Path, value: object) -> None:
    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(temporary, path)  # readers see a whole entry or none
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    except Exception:  # a read-only home, a full disk: the cache is optional
        return
