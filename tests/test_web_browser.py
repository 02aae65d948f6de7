"""The workspace in a real headless Chromium: the two stories of a reviewer and an operator.

`send.py serve` and `send.py worker` run as their own processes, as in production; the
operator's send goes to the embedded SMTP server (missive/deliver/sink.py). Screenshots are
saved (and copied to out/screenshots/) for people to look at.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browser import chromium, save_screenshot
from playwright.sync_api import Page, expect
from web_fixtures import LETTER, PASSWORD, Workspace, make_workspace

from missive.app.letters import LetterShelf
from missive.deliver.sink import maildir_sink
from missive.review.approvals import Decision, record_decision

REPO = Path(__file__).resolve().parent.parent
SEND_PY = REPO / "send.py"
WAIT = 120_000  # ms: the longest a story waits for the server (first render, the send)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def process(argv: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, str(SEND_PY), *argv],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "MISSIVE_SESSION_SECRET": "a browser test secret of 32 chars+"},
        )
        try:
            yield child
        finally:
            child.terminate()
            child.wait(timeout=30)


@contextmanager
def workspace_server(ws: Workspace) -> Iterator[str]:
    port = free_port()
    argv = [
        "serve",
        "--journal",
        str(ws.journal),
        "--letters",
        str(ws.root / "letters"),
        "--port",
        str(port),
    ]
    with process(argv, ws.root / "serve.log") as child:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            assert child.poll() is None, (ws.root / "serve.log").read_text()
            try:
                urllib.request.urlopen(f"{base}/login", timeout=5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base


def log_in(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Letters")).to_be_visible(timeout=WAIT)


def image_width(page: Page, element_id: str) -> int:
    """The natural width of an image once loaded (polled: the CSP forbids eval in the page)."""
    image = page.locator(f"#{element_id}")
    expect(image).to_be_visible(timeout=WAIT)
    for _ in range(WAIT // 100):
        width: int = image.evaluate("img => img.complete ? img.naturalWidth : -1")
        if width >= 0:
            return width
        page.wait_for_timeout(100)
    raise AssertionError(f"#{element_id} never finished loading")


@pytest.mark.slow
def test_a_reviewer_compares_arabic_with_english_and_approves(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "project", render=True)
    with workspace_server(ws) as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        log_in(page, base, "nadia")
        # Both sample letters check now, and each offers "Review ar": the invitation's.
        letter = page.get_by_role("region", name=LETTER)
        letter.get_by_role("link", name="Review ar").click()
        expect(page.get_by_role("heading", name=f"Review {LETTER} in ar")).to_be_visible()
        assert image_width(page, "page-image") > 800  # the first page, rasterised from the PDF
        save_screenshot(page, tmp_path, "review-ar", full_page=False)
        page.get_by_label("Beside it").select_option("en")
        page.get_by_role("button", name="Show").click()
        assert image_width(page, "page-image") > 800
        assert image_width(page, "compare-image") > 800
        expect(page.locator("figcaption").nth(1)).to_contain_text("en")
        review = save_screenshot(page, tmp_path, "review-ar-en", full_page=False)
        page.get_by_label("Comment (kept with the decision)").fill(
            "Checked every Arabic page against the English."
        )
        # With the keyboard: from the comment, Tab reaches "Approve ar", Enter presses it.
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.id") == "approve"
        page.keyboard.press("Enter")
        expect(page.locator("#review-state")).to_have_text("approved", timeout=WAIT)
        expect(page.get_by_text("approved by nadia")).to_be_visible()
        save_screenshot(page, tmp_path, "review-approved")
        # At 200% zoom (half the CSS width, twice the pixels) nothing needs a sideways scroll.
        zoomed = browser.new_context(
            viewport={"width": 700, "height": 900},
            device_scale_factor=2,
            storage_state=page.context.storage_state(),
        ).new_page()
        zoomed.goto(page.url)
        assert image_width(zoomed, "page-image") > 800
        overflow = "() => document.documentElement.scrollWidth - window.innerWidth"
        assert zoomed.evaluate(overflow) <= 0
        save_screenshot(zoomed, tmp_path, "review-zoom200", full_page=False)
    assert review.stat().st_size > 50_000
    client, _ = ws.login("sec")
    letter = client.get(f"/api/v1/letters/{LETTER}").json()
    assert letter["approvals"]["ar"]["approved_by"] == ["nadia"]


@pytest.mark.slow
def test_an_operator_sends_now_and_watches_62_sent(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "project", render=True)
    digest = LetterShelf(ws.root / "letters", ws.journal, tmp_path / "cache").digest(LETTER)
    assert digest is not None
    record_decision(
        ws.journal,
        digest,
        reviewer="language services",
        decision=Decision.APPROVED,
    )
    with (
        maildir_sink(tmp_path / "maildir") as sink,
        workspace_server(ws) as base,
        # The relay is the worker's, never the web server's or the job's.
        process(
            ["worker", "--journal", str(ws.journal), "--poll", "0.5", "--smtp", sink.url],
            tmp_path / "worker.log",
        ),
        chromium() as browser,
    ):
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        log_in(page, base, "omar")
        page.locator(f'a[href="/letters/{LETTER}/send"]').click()
        expect(page.get_by_role("heading", name="Dry run")).to_be_visible()
        save_screenshot(page, tmp_path, "send-preview")
        page.get_by_label("Rate").fill("6000/min")
        page.get_by_role("button", name="Send now (as a job)").click()
        expect(page.locator("#sent")).to_have_text("62", timeout=WAIT)
        expect(page.locator("#failed")).to_have_text("0")
        expect(page.locator("[id^=job-][id$=-state]").first).to_have_text("done", timeout=WAIT)
        expect(page.get_by_role("button", name="Cancel job 1")).to_have_count(0)
        save_screenshot(page, tmp_path, "send-done")
    assert sink.handler.count >= 62, (tmp_path / "worker.log").read_text()
