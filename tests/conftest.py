"""The start-up cache of the whole test session lives in a folder of its own, never in the
user's: tests write templates, catalogs and letters of their own into temporary projects,
and each would otherwise leave entries behind. Tests that look at the cache itself point
it at their own folder.

Every test starts with the caches kept for reuse empty (`storage/reuse.py`), as a new
process would: what one test rendered is never what the next one reuses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from missive.storage import reuse, startcache


@pytest.fixture(autouse=True, scope="session")
def session_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("missive-cache")
    before = os.environ.get(startcache.CACHE_ENV)
    os.environ[startcache.CACHE_ENV] = str(folder)  # subprocesses inherit it too
    yield folder
    if before is None:
        os.environ.pop(startcache.CACHE_ENV, None)
    else:
        os.environ[startcache.CACHE_ENV] = before


@pytest.fixture(autouse=True)
def empty_caches() -> None:
    reuse.clear_caches()
