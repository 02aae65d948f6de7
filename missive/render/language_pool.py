"""Worker processes that each keep to a few languages.

The first letter of a language is the dear one: it lays out the language's body, cuts its
font subsets and fills the caches every later letter of that language reuses, in that
process only (docs/render.md, "Speed"). A pool that hands any recipient to any process
makes every process pay that for every language. This one hands a process more of the
languages it has already started, a language no process has started when it has none
left, and any other language only when that is all there is, so each language's start is
paid about once and no process idles at the end. Given how many recipients each language
has (`shares`), the languages are dealt out before the first letter (largest first, each
to the least loaded process; one larger than a process's share goes to every process).

Each process reads its chunks from a pipe of its own and writes its results to another,
so that a process that fails can always tell the parent why.

Results come back in the recipients' order. At most `window` recipients are read and not
yet handed back, whether waiting for a process, being drawn, or drawn and waiting for an
earlier one (a process slow on one letter while the others draw on): memory stays flat
whatever the length of the list and however unevenly the processes go.
"""

from __future__ import annotations

import contextlib
import gc
import math
import multiprocessing
import os
import pickle
import signal
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Generic, TypeVar, cast

from missive.errors import RenderError

Item = TypeVar("Item")
Result = TypeVar("Result")
Key = TypeVar("Key", bound=Hashable)  # a language
Work = Callable[[Item], Result]

CHUNK_SIZE = 16
CHUNKS_IN_FLIGHT = 2  # per process: the next chunk waits while the parent writes results


def _serve(tasks: Connection, results: Connection, make: Callable[[], Work[Item, Result]]) -> None:
    """A process's loop: build its worker once, then draw each chunk it is sent."""
    # Ctrl-C reaches the whole process group: the parent alone answers it, by stopping us.
    # (The parent blocked SIGINT around the fork, so none is lost to a default handler.)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.name == "posix":
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    try:
        work = make()
        while (chunk := tasks.recv()) is not None:
            results.send([(seq, work(item)) for seq, item in chunk])
        finish = getattr(work, "close", None)  # a worker may have something to end
        if callable(finish):
            finish()
    except EOFError:  # the parent went away
        return
    except Exception as error:  # sent to the parent, which raises it
        results.send(_portable(error))


def _portable(error: Exception) -> Exception:
    """`error` if it survives pickling, else a `RenderError` that names it."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # any pickling failure
        return RenderError(f"a render process failed: {type(error).__name__}: {error}")
    return error


def deal(shares: Mapping[Key, int], jobs: int) -> list[set[Key]]:
    """Languages per process: largest first, each to the least loaded process; a language
    larger than a process's share of the whole goes to every process."""
    owned: list[set[Key]] = [set() for _ in range(jobs)]
    loads = [0.0] * jobs
    fair = sum(shares.values()) / jobs
    for language, count in sorted(shares.items(), key=lambda pair: -pair[1]):
        targets = list(range(jobs)) if count > fair else [loads.index(min(loads))]
        for worker in targets:
            owned[worker].add(language)
            loads[worker] += count / len(targets)
    return owned


class LanguagePool(Generic[Item, Key, Result]):
    """`jobs` processes, each running `make()`'s worker over chunks of one language."""

    def __init__(
        self,
        jobs: int,
        make: Callable[[], Work[Item, Result]],
        language_of: Callable[[Item], Key],
        *,
        shares: Mapping[Key, int] | None = None,
        window: int | None = None,
    ) -> None:
        self.language_of = language_of
        self.window = window or jobs * CHUNK_SIZE * 8
        self.pending: dict[Key, deque[tuple[int, Item]]] = {}
        self.waiting = 0  # items read and not yet sent
        self.ahead = 0  # items read and not yet handed back: at most `window`
        self.owned = deal(shares, jobs) if shares else [set() for _ in range(jobs)]
        self.in_flight = [0] * jobs
        self.tasks: list[Connection] = []
        self.results: list[Connection] = []
        self.processes: list[BaseProcess] = []
        self._start(jobs, make)

    def _start(self, jobs: int, make: Callable[[], Work[Item, Result]]) -> None:
        context = (
            multiprocessing.get_context("fork")
            if os.name == "posix"
            else multiprocessing.get_context("spawn")
        )
        # What the parent holds is never collected in the children: their collector would
        # otherwise walk it, and copy every page it touches.
        gc.freeze()
        blocked = os.name == "posix"
        if blocked:
            previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            for _ in range(jobs):
                task_in, task_out = context.Pipe(duplex=False)
                result_in, result_out = context.Pipe(duplex=False)
                process = context.Process(
                    target=_serve, args=(task_in, result_out, make), daemon=True
                )
                process.start()
                # Only the child keeps its ends, so each side sees EOF when the other ends.
                task_in.close()
                result_out.close()
                self.tasks.append(task_out)
                self.results.append(result_in)
                self.processes.append(process)
        finally:
            gc.unfreeze()
            if blocked:
                signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    def map(self, items: Iterable[Item]) -> Iterator[Result]:
        """Each item's result, in the items' order."""
        source = iter(items)
        done: dict[int, Result] = {}
        read = written = 0
        exhausted = False
        while True:
            while not exhausted and self.ahead < self.window:
                try:
                    item = next(source)
                except StopIteration:
                    exhausted = True
                    break
                self.pending.setdefault(self.language_of(item), deque()).append((read, item))
                self.waiting += 1
                self.ahead += 1
                read += 1
            for worker in range(len(self.tasks)):
                self._feed(worker, exhausted)
            while written in done:
                self.ahead -= 1
                yield done.pop(written)
                written += 1
            if exhausted and written == read:
                return
            if not exhausted and not any(self.in_flight):
                # Everything read was handed back before the window let more be read.
                continue
            self._receive(done)

    def _receive(self, done: dict[int, Result]) -> None:
        busy = [self.results[w] for w, chunks in enumerate(self.in_flight) if chunks]
        assert busy, "items are neither waiting, in flight nor done"
        for conn in wait(busy):
            assert isinstance(conn, Connection)
            worker = self.results.index(conn)
            done.update(self._result(worker))
            self.in_flight[worker] -= 1

    def _result(self, worker: int) -> list[tuple[int, Result]]:
        """The chunk `worker` sends back; raises what it sent instead, or its end."""
        try:
            message = self.results[worker].recv()
        except (EOFError, OSError) as error:
            process = self.processes[worker]
            process.join(timeout=1)
            detail = f"a render process ended unexpectedly (exit code {process.exitcode})"
            raise RenderError(detail) from error
        if isinstance(message, Exception):
            raise message
        return cast(list[tuple[int, Result]], message)

    def _feed(self, worker: int, exhausted: bool) -> None:
        while self.in_flight[worker] < CHUNKS_IN_FLIGHT and self.waiting:
            language = self._language_for(worker, exhausted)
            if language is None:
                return
            size = CHUNK_SIZE
            if exhausted:  # the last chunks shrink, so the processes finish together
                size = min(size, math.ceil(self.waiting / (2 * len(self.tasks))))
            queue = self.pending[language]
            chunk = [queue.popleft() for _ in range(min(size, len(queue)))]
            self.waiting -= len(chunk)
            try:
                self.tasks[worker].send(chunk)
            except OSError as error:  # the process stopped: what it sent last says why
                self._result(worker)
                detail = "a render process stopped taking work"
                raise RenderError(detail) from error
            self.in_flight[worker] += 1

    def _language_for(self, worker: int, exhausted: bool) -> Key | None:
        """The process's own language with the most recipients waiting; if none waits, a
        language nobody owns, else (sharing it from then on) the one with the most waiting,
        unless the list is all read and so few wait that its owner had better draw them."""
        waiting = {language: len(queue) for language, queue in self.pending.items() if queue}
        own = [language for language in waiting if language in self.owned[worker]]
        if own:
            return max(own, key=waiting.__getitem__)
        unowned = [lang for lang in waiting if not any(lang in s for s in self.owned)]
        shared = [lang for lang in waiting if not exhausted or waiting[lang] >= CHUNK_SIZE]
        if not (unowned or shared):
            return None
        language = max(unowned or shared, key=waiting.__getitem__)
        self.owned[worker].add(language)
        return language

    def close(self) -> None:
        """Let the processes finish and end."""
        for conn in self.tasks:
            with contextlib.suppress(OSError):  # already gone: join() still reaps it
                conn.send(None)
        for process in self.processes:
            process.join()
        self._release()

    def terminate(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.join()
        self._release()

    def _release(self) -> None:
        for conn in (*self.tasks, *self.results):
            conn.close()
        self.tasks.clear()
        self.results.clear()
