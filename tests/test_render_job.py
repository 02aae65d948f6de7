"""The workspace's render job: a renderer killed half way loses no PDF and resumes; only the
languages whose hash changed are drawn again; the PDFs are those `render` draws."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from web_fixtures import LETTER, make_workspace

from missive.app.batch_store import PARTIAL, RenderState, load_state, stamps_of, store_of
from missive.app.render_batch import BatchOptions, RenderRequest, render_letters
from missive.app.render_inputs import InterruptedRenderError, letter_files, stamped_as_read
from missive.app.render_job import (
    RENDERER_NICENESS,
    RenderTarget,
    render_letter,
    render_pending,
    start_renderer,
    stop_renderer,
)
from missive.render import raster

REPO = Path(__file__).resolve().parent.parent
WAIT = 600.0  # seconds: the longest the test waits for the renderer (a busy machine)


def grow_the_list(root: Path, count: int) -> None:
    """The sample list's rows cycled to `count`, ids and addresses made unique."""
    path = root / "recipients" / "wsis20-stakeholders.csv"
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    header, body = rows[0], rows[1:]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(header)
        for index in range(count):
            row = list(body[index % len(body)])
            local, domain = row[1].split("@", 1)
            row[0], row[1], row[10] = f"{row[0]}-{index:04d}", f"{local}+{index}@{domain}", ""
            writer.writerow(row)


def drawn_so_far(store: Path) -> dict[Path, int]:
    """Every PDF a partial manifest lists, with its modification time."""
    found = {}
    for manifest in store.glob(f"{LETTER}/*/{PARTIAL}"):
        for line in manifest.read_text(encoding="utf-8").splitlines():
            with_pdf = manifest.parent / json.loads(line)["pdf"]
            found[with_pdf] = with_pdf.stat().st_mtime_ns
    return found


def test_a_renderer_killed_half_way_loses_nothing_and_resumes(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "project")
    (ws.root / "letters" / "egov-survey-reminder.yaml").unlink()
    grow_the_list(ws.root, 600)
    store = store_of(ws.journal)
    target = RenderTarget(ws.root / "letters", ws.journal, ws.config.cache_dir, jobs=2)
    code = (
        "import sys; from pathlib import Path;"
        "from missive.app.render_job import RenderTarget, run_renderer;"
        "run_renderer(RenderTarget(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), 2))"
    )
    args = [str(target.letters_dir), str(ws.journal), str(target.pages_dir)]
    renderer = subprocess.Popen([sys.executable, "-c", code, *args], start_new_session=True)
    deadline = time.monotonic() + WAIT
    try:
        while len(drawn_so_far(store)) < 60:
            assert renderer.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        os.killpg(renderer.pid, signal.SIGKILL)  # the renderer and its render processes
        renderer.wait()
    kept = drawn_so_far(store)
    state = load_state(store / LETTER)
    assert state is not None and state.state is RenderState.RENDERING
    assert 60 <= len(kept) < 600
    # The state is written once a second: its count may lag behind the PDFs listed, and a
    # resumed job counts from the partial manifests (stopped here after one more letter).
    assert state.done <= len(kept)
    letter = target.letters_dir / f"{LETTER}.yaml"
    with pytest.raises(InterruptedRenderError):
        render_letter(target, LETTER, letter, lambda: True)
    resumed = load_state(store / LETTER)
    assert resumed is not None and resumed.done >= len(kept)
    kept = drawn_so_far(store)
    assert render_pending(target) == [LETTER]
    state = load_state(store / LETTER)
    assert state is not None and state.state is RenderState.DONE and state.done == 600
    # Nothing drawn before the kill was drawn again.
    assert {path: path.stat().st_mtime_ns for path in kept} == kept
    # The PDFs are those `render` draws, byte for byte.
    out = tmp_path / "render"
    options = BatchOptions(jobs=1, persist_serials=False)
    render_letters(RenderRequest(target.letters_dir / f"{LETTER}.yaml", out, options))
    rendered = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    stored = {}
    for part in state.languages:
        manifest = store / LETTER / part.folder / "manifest.json"
        stored.update({e["recipient"]: e["sha256"] for e in json.loads(manifest.read_text())})
    assert stored == {e["recipient"]: e["sha256"] for e in rendered}


def test_only_the_languages_whose_hash_changed_are_drawn_again(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path / "project", render=True)
    store = store_of(ws.journal)
    before = load_state(store / LETTER)
    assert before is not None
    template = ws.root / "templates" / "wsis20-invitation.fr.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\nP.S.\n", encoding="utf-8")
    assert LETTER in ws.render()
    after = load_state(store / LETTER)
    assert after is not None and after.state is RenderState.DONE
    changed = {p.language.value for p in after.languages} - {
        p.language.value for p in after.languages if p in before.languages
    }
    assert changed == {"fr"}
    old_french = next(p for p in before.languages if p.language.value == "fr").folder
    assert not (store / LETTER / old_french).exists()  # no language refers to it any more


def test_a_list_written_while_the_job_reads_it_is_read_again(tmp_path: Path) -> None:
    """An editor truncates the list, then writes it: a job that read the half-written file
    must not stamp its state with the finished file's size and time (it would keep the
    half file's problems, or its recipients, as current, and never render again)."""
    ws = make_workspace(tmp_path / "project")
    letter = ws.root / "letters" / f"{LETTER}.yaml"
    listed = ws.root / "recipients" / "wsis20-stakeholders.csv"
    text = listed.read_text(encoding="utf-8")
    listed.write_text(text[: len(text) // 2], encoding="utf-8")  # read half-written
    before = stamps_of(letter_files(letter))
    listed.write_text(text, encoding="utf-8")  # then finished
    with pytest.raises(InterruptedRenderError):
        stamped_as_read(before, letter_files(letter))
    # The renderer starts again at once, and ends on the finished list.
    assert render_pending(RenderTarget(letter.parent, ws.journal, ws.config.cache_dir, 1))
    state = load_state(store_of(ws.journal) / LETTER)
    assert state is not None and state.state is RenderState.DONE and state.done == 62


def test_the_renderer_yields_the_processor_to_the_web_server(tmp_path: Path) -> None:
    """The renderer that `serve` starts runs at a lower priority than the server itself."""
    ws = make_workspace(tmp_path / "project")
    target = RenderTarget(ws.root / "letters", ws.journal, ws.config.cache_dir, jobs=1)
    process = start_renderer(target)
    try:
        assert process.pid is not None
        deadline = time.monotonic() + 60  # it sets its priority as it starts
        while os.getpriority(os.PRIO_PROCESS, process.pid) == os.getpriority(os.PRIO_PROCESS, 0):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        niceness = os.getpriority(os.PRIO_PROCESS, process.pid)
        assert niceness == min(19, os.getpriority(os.PRIO_PROCESS, 0) + RENDERER_NICENESS)
    finally:
        stop_renderer(process)


def test_the_page_each_review_opens_first_is_an_image_once_its_letter_is_listed(
    tmp_path: Path,
) -> None:
    """The first recipient's first page of each language is drawn while the language
    renders (the review page opens on it); the other samples' pages when first asked for."""
    ws = make_workspace(tmp_path / "project")
    (ws.root / "letters" / "egov-survey-reminder.yaml").unlink()
    assert ws.render() == [LETTER]
    state = load_state(store_of(ws.journal) / LETTER)
    assert state is not None and state.state is RenderState.DONE
    expected = set()
    for part in state.languages:
        manifest = store_of(ws.journal) / LETTER / part.folder / "manifest.json"
        sha = {e["recipient"]: e["sha256"] for e in json.loads(manifest.read_text())}
        expected.add(raster.page_path(sha[part.samples[0].recipient], 0, ws.config.cache_dir))
        hard_cases = [s for s in part.samples[1:] if s.why]
        for sample in hard_cases:
            assert not raster.page_path(sha[sample.recipient], 0, ws.config.cache_dir).exists()
    assert set(ws.config.cache_dir.glob("*.png")) == expected
    assert len(expected) == 6
