"""One SQLite connection per thread and file, lent to one piece of work at a time.

The workspace answers each request in a worker thread, and each request reads the journal
two to four times (its session, its account, the letter's approvals, its jobs). Opened for
each piece of work, a connection cost more processor time than the work itself: the switch
to WAL, the pragmas, each component's schema check. Here a thread keeps its connection to
a file (made by `schema.connect`: WAL, synchronous=FULL, the busy timeout) and lends it:

- the component's tables are checked once per connection (`apply_migrations`);
- work begun while the thread's connection is already lent (a use case inside another's
  transaction) gets a connection of its own, closed after it, as every piece of work did;
- a connection comes back out of any transaction (work that left one open is rolled
  back), and one that raised a SQLite error, or whose file was deleted or replaced since
  (another inode at the path), is closed and made again;
- a thread keeps at most `PER_THREAD` files' connections (the least recently used goes);
  the connections of threads that ended are closed when another thread opens its first;
- `close_all()` closes every one (`serve` at shutdown; `reuse.clear_caches()` too, as the
  registry of what missive keeps); a forked child forgets its parent's connections without
  touching them (SQLite connections do not cross `fork`).

With `MISSIVE_NO_REUSE=1` (the plain path, `reuse.py`) every piece of work opens and closes
its own connection.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from missive.storage import reuse
from missive.storage.schema import apply_migrations, connect

PER_THREAD = 4
RowFactory = Callable[[sqlite3.Cursor, Any], Any] | None


@dataclass
class _Kept:
    conn: sqlite3.Connection
    file: tuple[int, int]  # (device, inode) of the file it was opened on
    migrated: set[str] = field(default_factory=set)  # components checked on it
    lent: bool = True
    retired: bool = False  # closed when given back (a SQLite error, or `close_all`)


class _Threads:
    """Every thread's connections by file, so that they can be closed from elsewhere. Its
    lock guards every change of a thread's table and of a connection's `lent` flag (held
    for a few dictionary operations, never while SQLite works)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.local = threading.local()
        self.by_thread: dict[int, tuple[threading.Thread, OrderedDict[str, _Kept]]] = {}

    def mine(self) -> OrderedDict[str, _Kept]:
        """This thread's table (the lock held)."""
        found: OrderedDict[str, _Kept] | None = getattr(self.local, "kept", None)
        if found is None:
            found = self.local.kept = OrderedDict()
            for ident, (thread, kept) in list(self.by_thread.items()):
                if not thread.is_alive():
                    del self.by_thread[ident]
                    _retire(kept)
            self.by_thread[threading.get_ident()] = (threading.current_thread(), found)
        return found

    def close_all(self) -> None:
        with self.lock:
            for _, kept in self.by_thread.values():
                _retire(kept)

    def count(self) -> int:
        with self.lock:
            return sum(len(kept) for _, kept in self.by_thread.values())

    def forget(self) -> None:
        """In a forked child: the parent's connections are the parent's."""
        self.lock = threading.Lock()
        self.local = threading.local()
        self.by_thread = {}


def _retire(table: OrderedDict[str, _Kept], keep: int = 0) -> None:
    """Close the least recently used connections of `table` until it holds `keep`; one
    that is lent is closed when given back (the lock held)."""
    while len(table) > keep:
        _, kept = table.popitem(last=False)
        if kept.lent:
            kept.retired = True
        else:
            kept.conn.close()


_threads = _Threads()
reuse.register("missive.storage.connections._threads", _threads.close_all, _threads.count)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_threads.forget)


def close_all() -> None:
    """Close every thread's kept connection (a thread makes a new one when it next asks)."""
    _threads.close_all()


@contextmanager
def lent(
    path: Path, component: str, steps: Sequence[str], rows: RowFactory = sqlite3.Row
) -> Iterator[sqlite3.Connection]:
    """A connection to `path` for one piece of work, `component`'s tables at `steps`, its
    rows made by `rows`: the thread's own when it is free, else one of its own. SQLite
    errors pass through (callers say which journal failed)."""
    kept = _take(path) if reuse.REUSE else None
    if kept is None:
        conn = connect(path)
        try:
            conn.row_factory = rows
            apply_migrations(conn, component, steps)
            yield conn
        finally:
            conn.close()
        return
    try:
        kept.conn.row_factory = rows
        if component not in kept.migrated:
            apply_migrations(kept.conn, component, steps)
            kept.migrated.add(component)
        yield kept.conn
    except sqlite3.Error:
        kept.retired = True
        raise
    finally:
        _give_back(str(path), kept)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _take(path: Path) -> _Kept | None:
    """The thread's connection to `path`, lent; None if it is lent already (or the file
    went at once)."""
    name, file = str(path), _identity(path)
    with _threads.lock:
        mine = _threads.mine()
        kept = mine.get(name)
        if kept is not None and kept.lent:
            return None
        if kept is not None and file is not None and kept.file == file:
            mine.move_to_end(name)
            kept.lent = True
            return kept
        if kept is not None:  # the file was deleted or replaced: a stale connection
            del mine[name]
            kept.conn.close()
    conn = connect(path)  # outside the lock: it may wait for another's switch to WAL
    file = _identity(path)
    if file is None:
        conn.close()
        return None
    kept = _Kept(conn, file)
    with _threads.lock:
        mine = _threads.mine()
        _retire(mine, PER_THREAD - 1)
        mine[name] = kept
    return kept


def _give_back(name: str, kept: _Kept) -> None:
    if not kept.retired and kept.conn.in_transaction:
        try:
            kept.conn.execute("ROLLBACK")  # work that left a transaction open
        except sqlite3.Error:
            kept.retired = True
    with _threads.lock:
        kept.lent = False
        if kept.retired:
            mine = _threads.mine()
            if mine.get(name) is kept:
                del mine[name]
            kept.conn.close()
