"""The one way tests open a real browser: the system's headless Chromium, driven by Playwright.

Use it as a context manager and save what a person should look at with `save_screenshot`:

    with chromium() as browser:
        page = browser.new_page()
        page.set_content(html)
        save_screenshot(page, tmp_path, "cover-ar")

The test is skipped, with the reason, when /usr/bin/chromium is missing. Playwright's wheel
carries its driver; no browser is ever downloaded (`playwright install` is never run).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox: CI runs as root in a container. The rest keeps a test run off the network and
# free of first-run work (updates, sync, QUIC probes).
LAUNCH_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
# Screenshots are copied here too, so people can open them after a run (out/ is gitignored).
SCREENSHOTS = Path(__file__).resolve().parent.parent / "out" / "screenshots"


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium for the duration of the block; skips the test without one."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run browser tests")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def save_screenshot(page: Page, tmp_path: Path, name: str, *, full_page: bool = True) -> Path:
    """Screenshot `page` as <tmp_path>/<name>.png, copy it to out/screenshots/, return it."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, SCREENSHOTS / path.name)
    return path
