"""In a real headless Chromium: a reviewer opens a language while it renders and sees the
progress; once it is drawn, the list changes under them, and their approval is refused, in
the page, with what changed; they look again and approve the letters as they now are.

`send.py serve` runs as its own process, with the renderer it starts; the renderer is
paused (SIGSTOP) while the reviewer looks at the progress, so that what the page shows does
not depend on the machine's speed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browser import chromium, save_screenshot
from playwright.sync_api import expect
from test_render_job import grow_the_list
from test_web_browser import WAIT, free_port, image_width, log_in, process
from test_workspace import edit_a_french_row
from web_fixtures import LETTER, Workspace, make_workspace

from missive.app.batch_store import RenderState, load_state, store_of
from missive.model import Language

RECIPIENTS = 600


def descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *descendants(int(child))]
    return found


@contextmanager
def serving(ws: Workspace) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`send.py serve` on a free port (it starts its renderer), once it answers."""
    port = free_port()
    argv = ["serve", "--journal", str(ws.journal), "--letters", str(ws.root / "letters")]
    with process([*argv, "--port", str(port)], ws.root / "serve.log") as server:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            assert server.poll() is None, (ws.root / "serve.log").read_text()
            try:
                urllib.request.urlopen(f"{base}/login", timeout=5).close()
                break
            except OSError:
                time.sleep(0.1)
        yield base, server


@contextmanager
def paused(server_pid: int) -> Iterator[None]:
    """The renderer `serve` started, and its render processes, stopped for the block."""
    renderers = descendants(server_pid)
    assert renderers, "serve started no renderer"
    for pid in renderers:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in renderers:
            os.kill(pid, signal.SIGCONT)


@pytest.mark.slow
def test_a_reviewer_sees_the_progress_then_a_stale_approval_is_refused(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "project")
    (ws.root / "letters" / "egov-survey-reminder.yaml").unlink()
    grow_the_list(ws.root, RECIPIENTS)
    store = store_of(ws.journal) / LETTER
    with serving(ws) as (base, server), chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        log_in(page, base, "nadia")
        for _ in range(WAIT // 10):  # until the renderer has drawn a few Arabic letters
            state = load_state(store)
            part = state.part(Language.AR) if state else None
            if part is not None and 0 < part.done < part.total:
                break
            page.wait_for_timeout(10)
        with paused(server.pid):
            page.goto(f"{base}/")
            expect(page.get_by_role("status")).to_contain_text("Rendering:")
            save_screenshot(page, tmp_path, "letters-while-rendering", full_page=False)
            page.goto(f"{base}/letters/{LETTER}/review/ar")
            expect(page.locator("#language-progress")).to_contain_text("letters drawn")
            expect(page.get_by_role("status")).to_contain_text("Rendering:")
            expect(page.locator("#approve")).to_have_count(0)  # no decision before the end
            assert image_width(page, "page-image") > 800  # a letter drawn already
            save_screenshot(page, tmp_path, "review-while-rendering", full_page=False)
        # The page reloads itself when the render is done, with the decision and its hash.
        expect(page.locator("#approve")).to_be_visible(timeout=WAIT * 5)
        seen = page.locator("#language-hash").inner_text()
        edit_a_french_row(ws.root)  # meanwhile, the list changes
        page.get_by_label("Comment (kept with the decision)").fill("Checked the Arabic letters.")
        page.locator("#approve").click()
        refused = page.get_by_role("alert")
        expect(refused).to_contain_text("Not recorded: ar changed since you opened it")
        expect(refused).to_contain_text("recipients/wsis20-stakeholders.csv")
        save_screenshot(page, tmp_path, "review-approval-refused")
        # Look again once the letters are drawn anew, and approve them as they are now.
        for _ in range(WAIT // 100):
            page.goto(f"{base}/letters/{LETTER}/review/ar")
            if page.locator("#approve").count():
                break
            page.wait_for_timeout(100)
        assert page.locator("#language-hash").inner_text() != seen
        page.locator("#approve").click()
        expect(page.locator("#review-state")).to_have_text("approved", timeout=WAIT)
        save_screenshot(page, tmp_path, "review-approved-at-the-new-hash", full_page=False)
    state = load_state(store)
    assert state is not None and state.state is RenderState.DONE
