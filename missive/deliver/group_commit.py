"""Group commit: the journal writes of every connection share one fsync per turn of the loop.

Each message needs two durable writes (`sending` before DATA, the reply after), and with
`synchronous=FULL` each commit waits for the disk. Done one by one on the event loop, those
waits serialise every connection behind the disk. Here a write is queued and the caller
resumes only once the transaction holding it has committed, so the guarantee is unchanged
(`sending` is on disk before DATA goes out); but writes queued while the loop was busy, often
one from each connection, commit together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from missive.deliver.journal import Journal
from missive.errors import JournalError


class GroupCommit:
    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._pending: list[tuple[Callable[[], None], asyncio.Future[None]]] = []
        self._scheduled = False
        self.commits = 0  # transactions committed, for the tests and the curious

    async def write(self, operation: Callable[[], None]) -> None:
        """Run `operation` (journal calls) in the next group; return once it is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append((operation, future))
        if not self._scheduled:
            self._scheduled = True
            # call_soon, not now: writes of other connections already woken in this turn of
            # the loop join the same transaction.
            loop.call_soon(self._flush)
        await future

    def _flush(self) -> None:
        pending, self._pending, self._scheduled = self._pending, [], False
        refused: dict[int, JournalError] = {}
        try:
            with self._journal.group():
                for index, (operation, _) in enumerate(pending):
                    try:
                        operation()
                    except JournalError as exc:  # that row only: the others still commit
                        refused[index] = exc
        except Exception as exc:  # the commit itself failed: nothing of the group is durable
            for _, future in pending:
                if not future.done():
                    future.set_exception(exc)
            return
        self.commits += 1
        for index, (_, future) in enumerate(pending):
            if future.done():  # its caller was cancelled
                continue
            if index in refused:
                future.set_exception(refused[index])
            else:
                future.set_result(None)
