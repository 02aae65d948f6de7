"""The server-rendered pages over HTTP: log in, letters, review, send, report, audit."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from web_fixtures import LETTER, PASSWORD, Workspace, login_fields, make_workspace

from missive.app.status import CSV_COLUMNS


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    yield make_workspace(tmp_path_factory.mktemp("pages"), render=True)


def csrf(html: str) -> str:
    return hidden(html, "csrf_token")


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_log_in_with_the_form_then_out(ws: Workspace) -> None:
    client = ws.client()
    assert client.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
    form = client.get("/login")
    assert '<label for="username">' in form.text and '<label for="password">' in form.text
    wrong = client.post(
        "/login", data={**login_fields(client), "username": "sec", "password": "no"}
    )
    assert wrong.status_code == 401 and "wrong user name or password" in wrong.text
    reply = client.post(
        "/login",
        data={**login_fields(client, "//evil.example/"), "username": "sec", "password": PASSWORD},
        follow_redirects=False,
    )
    assert reply.status_code == 303 and reply.headers["location"] == "/"
    page = client.get("/")
    assert "Check passed: 62 recipients." in page.text
    assert client.post("/logout", data={}).status_code == 403
    client.post("/logout", data={"csrf_token": csrf(page.text)})
    assert client.get("/", follow_redirects=False).status_code == 303


def test_the_letters_page_shows_counts_hash_and_approvals(ws: Workspace) -> None:
    client = ws.client()
    ws.form_login("omar", client)
    page = client.get("/").text
    assert re.search(r'<code class="hash">[0-9a-f]{64}</code>', page)
    assert re.search(r'<th scope="row">ar</th>\s*(<td class="n">\d+</td>)+', page)
    assert "Last send: none yet." in page


def test_the_review_page_shows_real_pages_and_takes_a_decision(ws: Workspace) -> None:
    client = ws.client()
    ws.form_login("nadia", client)
    page = client.get(f"/letters/{LETTER}/review/ar?compare=en")
    assert page.status_code == 200
    images = re.findall(r'<img id="(\w+)-image" src="([^"]+)"', page.text)
    assert [name for name, _ in images] == ["page", "compare"]
    for _, src in images:
        png = client.get(src)
        assert (
            png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
        )
    pdf_link = re.search(r'href="(/letters/[^"]+/pdf/[^"]+)"', page.text)
    assert pdf_link is not None
    pdf = client.get(pdf_link.group(1))
    assert pdf.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) >= 1
    assert "longest name" in page.text
    proof = client.get(f"/letters/{LETTER}/proof.pdf")
    assert proof.headers["content-type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(proof.content)).pages) >= 8
    form = {
        "csrf_token": csrf(page.text),
        "hash": hidden(page.text, "hash"),
        "decision": "approve",
        "comment": "واضح",
    }
    assert (
        client.post(f"/letters/{LETTER}/review/ar", data={**form, "csrf_token": "x"}).status_code
        == 403
    )
    done = client.post(f"/letters/{LETTER}/review/ar", data=form)
    assert done.status_code == 200 and 'id="review-state">approved<' in done.text
    assert "approved by nadia" in done.text
    other = client.get(f"/letters/{LETTER}/review/zh")
    assert "Only a reviewer of zh can approve or reject it." in other.text


@pytest.mark.parametrize(
    "path",
    [
        f"/letters/{LETTER}/review/xx",
        f"/letters/{LETTER}/review/ar?page=99",
        f"/letters/{LETTER}/review/ar?page=0",
        f"/letters/{LETTER}/review/ar?r=999",
        f"/letters/{LETTER}/review/ar?r=-1",
        f"/letters/{LETTER}/review/ar?compare=ar",
        f"/letters/{LETTER}/pages/ar-gov-01/99",
        f"/letters/{LETTER}/pages/..%2fetc/1",
        f"/letters/{LETTER}/pdf/nobody",
        "/letters/nope/send",
        "/letters/nope/report",
    ],
)
def test_bad_parameters_are_404(ws: Workspace, path: str) -> None:
    client = ws.client()
    ws.form_login("sec", client)
    assert client.get(path).status_code == 404


def test_the_send_page_previews_and_schedules_jobs(ws: Workspace) -> None:
    client = ws.client()
    ws.form_login("omar", client)
    page = client.get(f"/letters/{LETTER}/send")
    assert "62 recipients" in page.text and "<dt>Subject</dt>" in page.text
    assert 'src="/static/progress.js"' in page.text and "<script>" not in page.text
    token = csrf(page.text)
    url = f"/letters/{LETTER}/send"
    refused = client.post(url, data={"csrf_token": token, "kind": "ambiguous"})
    assert refused.status_code == 422 and "confirmation" in refused.text
    later = {
        "csrf_token": token,
        "kind": "at",
        "date": "2026-03-04",
        "time": "08:30",
        "tz": "Europe/Zurich",
        "window": "08:00-18:00",
    }
    after = client.post(url, data=later)
    assert after.status_code == 200 and "2026-03-04 08:30 Europe/Zurich" in after.text
    assert "window 08:00-18:00" in after.text
    to_self = client.post(
        url, data={"csrf_token": token, "kind": "self", "to_self": "me@example.org"}
    )
    assert "to self me@example.org" in to_self.text
    job_id = re.search(r'id="job-(\d+)-state">queued<', after.text)
    assert job_id is not None
    cancelled = client.post(f"/jobs/{job_id.group(1)}/cancel", data={"csrf_token": token})
    assert f'id="job-{job_id.group(1)}-state">cancelled<' in cancelled.text
    reviewer = ws.client()
    ws.form_login("nadia", reviewer)
    rpage = reviewer.get(url)
    assert "Send now" not in rpage.text
    assert (
        reviewer.post(url, data={"csrf_token": csrf(rpage.text), "kind": "now"}).status_code == 403
    )


def test_report_csv_and_audit(ws: Workspace) -> None:
    client = ws.client()
    ws.form_login("sec", client)
    assert "Sending report" in client.get(f"/letters/{LETTER}/report").text
    csv_reply = client.get(f"/letters/{LETTER}/report.csv")
    assert csv_reply.text.splitlines()[0].startswith("batch,recipient_id,email")
    assert client.get("/audit").status_code == 403
    admin = ws.client()
    ws.form_login("root", admin)
    audit = admin.get("/audit")
    assert audit.status_code == 200 and "log in" in audit.text


def test_the_report_shows_bounces_delays_and_replies_with_their_diagnostics(
    tmp_path: Path,
) -> None:
    from missive.deliver.journal import BatchInfo, Journal, NewDelivery, SendState

    ws = make_workspace(tmp_path)
    outcomes = {
        "es-gov-01": ("bounced", "5.1.1", "unknown user"),
        "fr-gov-01": ("delayed", "4.4.1", "no answer from host"),
        "en-gov-01": ("replied", "", "Automatic reply: Invitation"),
    }
    with Journal.open(ws.journal) as journal:
        journal.ensure_batch(BatchInfo("b1", LETTER, f"letters/{LETTER}.yaml", "r.csv"))
        journal.enqueue(
            "b1",
            [
                NewDelivery(rid, f"{rid}@example.org", rid[:2], "governments", "s@itu.int",
                            (f"{rid}@example.org",), False, f"<{rid}@itu.int>", "0" * 64, "x")
                for rid in outcomes
            ],
        )  # fmt: skip
        for rid in outcomes:
            journal.mark_sending("b1", rid)
            journal.mark_outcome("b1", rid, SendState.SENT, code=250, text="queued")
    conn = journal.connect()
    for rid, (state, status, text) in outcomes.items():
        conn.execute(
            "UPDATE deliveries SET state = ?, notice_status = ?, notice_text = ? "
            "WHERE recipient_id = ?",
            (state, status, text, rid),
        )
    conn.close()
    client = ws.client()
    ws.form_login("sec", client)
    page = client.get(f"/letters/{LETTER}/report").text
    assert "After delivery: bounces, delays, replies" in page
    assert '<span class="state bounced">bounced</span>' in page and "unknown user" in page
    assert "4.4.1" in page and "Automatic reply: Invitation" in page
    table = client.get(f"/letters/{LETTER}/report.csv").text.splitlines()
    assert table[0] == ",".join(CSV_COLUMNS)  # the columns of `status --csv`
    assert any(line.startswith("b1,es-gov-01,") and "5.1.1,unknown user" in line for line in table)


def test_the_review_shows_what_changed_since_the_last_approval(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, render=True)
    client = ws.client()
    ws.form_login("nadia", client)
    page = client.get(f"/letters/{LETTER}/review/ar")
    form = {"csrf_token": csrf(page.text), "hash": hidden(page.text, "hash"), "decision": "approve"}
    assert client.post(f"/letters/{LETTER}/review/ar", data=form).status_code == 200
    template = ws.root / "templates" / "wsis20-invitation.ar.md.j2"
    text = template.read_text(encoding="utf-8")
    template.write_text(text + "\nسطر جديد للمراجعة\n", encoding="utf-8")
    assert LETTER in ws.render()  # its Arabic letters are drawn again
    after = client.get(f"/letters/{LETTER}/review/ar")
    assert 'id="review-state">changed<' in after.text
    assert "templates/wsis20-invitation.ar.md.j2" in after.text
    assert "+سطر جديد للمراجعة" in after.text
