"""Every input checked at the boundary (issue 24, findings 2, 4, 5 and part of 8): a request
the workspace cannot read is a 4xx with a problem document, never a 500, and even a 500
carries the security headers and no internals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from web_fixtures import LETTER, Workspace, make_workspace

from missive.web.bodies import MAX_DEPTH

SURROGATE = '{"at": "2030-01-01 09:00", "to_self": "a\\ud800@x.org"}'


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    workspace = make_workspace(tmp_path_factory.mktemp("boundary"), render=True)
    yield workspace


def problem_of(reply: object, status: int) -> dict[str, object]:
    from httpx import Response as Reply

    assert isinstance(reply, Reply)
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    body = reply.json()
    assert body["status"] == status and body["type"] == "about:blank"
    assert isinstance(body, dict)
    return body


def test_a_lone_surrogate_is_refused_and_the_send_pages_still_work(ws: Workspace) -> None:
    """Finding 2: one request used to break /api/v1/jobs and the send page for everyone."""
    client, token = ws.login("omar")
    headers = {"X-CSRF-Token": token, "content-type": "application/json"}
    for field in ("to_self", "groups"):
        body = SURROGATE if field == "to_self" else '{"groups": ["x\\udfff"]}'
        reply = client.post(f"/api/v1/letters/{LETTER}/jobs", content=body, headers=headers)
        assert "lone surrogate" in str(problem_of(reply, 400)["detail"])
    for path in ("/api/v1/jobs", f"/api/v1/letters/{LETTER}", f"/letters/{LETTER}/send"):
        assert client.get(path).status_code == 200, path
    admin, _ = ws.login("root")
    assert admin.get("/audit").status_code == 200


@pytest.mark.parametrize("verb", ["cancel", "release"])
def test_a_job_id_too_large_for_the_journal_is_404(ws: Workspace, verb: str) -> None:
    """Finding 4: /jobs/99999999999999999999/cancel was an OverflowError (500)."""
    client, token = ws.login("omar")
    url = f"/api/v1/jobs/99999999999999999999/{verb}"
    problem_of(client.post(url, headers={"X-CSRF-Token": token}), 404)
    page = client.post(f"/jobs/99999999999999999999/{verb}", data={"csrf_token": token})
    assert page.status_code == 404 and "frame-ancestors" in page.headers["content-security-policy"]


@pytest.mark.parametrize("query", ["r=%C2%B2", "page=%C2%B2", "r=%EF%BC%91"])
def test_unicode_digits_in_a_review_query_are_404(ws: Workspace, query: str) -> None:
    """Finding 4: '²'.isdigit() is true, and int('²') raised (500)."""
    client, _ = ws.login("nadia")
    assert client.get(f"/letters/{LETTER}/review/ar?{query}").status_code == 404


def test_deep_nesting_is_400_even_without_a_login(ws: Workspace) -> None:
    """Finding 4: deeply nested JSON reached the parser's recursion (500), with no login."""
    client = ws.client()
    headers = {"content-type": "application/json"}
    deep = "[" * 30_000 + "]" * 30_000
    problem_of(client.post("/api/v1/session", content=deep, headers=headers), 400)
    nested = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    problem_of(client.post("/api/v1/session", content=nested, headers=headers), 400)
    brackets_in_text = '{"username": "' + "[" * 50 + '", "password": "x"}'
    problem_of(client.post("/api/v1/session", content=brackets_in_text, headers=headers), 401)


@pytest.mark.parametrize(
    "body",
    [
        '{"username": "a\\ud800", "password": "x"}',
        b'{"username": "\xff", "password": "x"}',
        '{"username": "a", "password": NaN}',
        '{"username": "a", "password": 1e400}',
        '{"username": "a", "password": ' + "9" * 5000 + "}",
        "not json",
    ],
)
def test_bodies_that_are_not_valid_json_text_are_400(ws: Workspace, body: str | bytes) -> None:
    reply = ws.client().post(
        "/api/v1/session", content=body, headers={"content-type": "application/json"}
    )
    problem_of(reply, 400)


def test_numbers_out_of_range_are_4xx(ws: Workspace) -> None:
    client, token = ws.login("omar")
    url = f"/api/v1/letters/{LETTER}/jobs"
    headers = {"X-CSRF-Token": token}
    for limit in (2**53 + 1, 10**12, True, 0):
        reply = client.post(url, json={"limit": limit}, headers=headers)
        assert reply.status_code in {400, 422}, (limit, reply.text)


def test_json_sent_as_text_plain_is_415(ws: Workspace) -> None:
    """Finding 8: the API took JSON sent as text/plain (what a cross-site form can send)."""
    client = ws.client()
    body = '{"username": "omar", "password": "a long enough password"}'
    reply = client.post("/api/v1/session", content=body, headers={"content-type": "text/plain"})
    problem_of(reply, 415)
    assert client.post("/api/v1/session", content=body).status_code == 415


def test_a_large_body_is_413_before_it_is_read(ws: Workspace) -> None:
    """Finding 5: a 30 MB JSON body to /api/v1/session, no login, was read and parsed."""
    client = ws.client()
    big = b'{"username": "' + b"a" * 30_000_000 + b'", "password": "x"}'
    headers = {"content-type": "application/json"}
    problem_of(client.post("/api/v1/session", content=big, headers=headers), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"username": "'
        for _ in range(100):
            yield b"a" * 10_000
        yield b'", "password": "x"}'

    problem_of(client.post("/api/v1/session", content=chunks(), headers=headers), 413)
    page = client.post("/login", content=big, headers={"content-type": "text/plain"})
    assert page.status_code == 413


def test_a_long_user_name_is_refused_and_kept_short(ws: Workspace) -> None:
    """Finding 5: a 1 MB user name was stored in the audit log and the failures table."""
    import sqlite3

    name = "x" * 60_000
    reply = ws.client().post("/api/v1/session", json={"username": name, "password": "y" * 10})
    problem_of(reply, 401)
    with sqlite3.connect(ws.journal) as conn:
        longest_actor = conn.execute("SELECT max(length(actor)) FROM audit").fetchone()[0]
        longest_target = conn.execute("SELECT max(length(target)) FROM audit").fetchone()[0]
        longest_failure = conn.execute(
            "SELECT max(length(username)) FROM login_failures"
        ).fetchone()[0]
    assert longest_actor <= 80 and longest_target <= 200 and longest_failure <= 80


def test_an_unknown_host_is_400_and_a_foreign_origin_403(ws: Workspace) -> None:
    """Finding 8: no Host check (DNS rebinding reaches a loopback server)."""
    client = ws.client()
    reply = client.get("/api/v1/openapi.json", headers={"host": "rebound.attacker.example"})
    problem_of(reply, 400)
    assert client.get("/api/v1/openapi.json", headers={"host": "localhost:8000"}).status_code == 200
    form = {"username": "omar", "password": "a long enough password"}
    cross = client.post("/login", data=form, headers={"origin": "https://evil.example"})
    assert cross.status_code == 403


def test_unknown_routes_and_methods_answer_problem_documents(ws: Workspace) -> None:
    client = ws.client()
    problem_of(client.get("/api/v1/nothing"), 404)
    problem_of(client.get("/api/v1/session"), 405)


def test_an_unexpected_error_is_a_500_with_the_headers_and_no_internals(tmp_path: object) -> None:
    """Finding 4: 500s came without the security headers; the last-resort handler gives them."""
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    workspace = make_workspace(tmp_path)

    async def boom(request: Request) -> Response:
        raise RuntimeError("secret internals /etc/missive")

    workspace.app.router.routes.append(Route("/api/v1/boom", boom))
    workspace.app.router.routes.append(Route("/boom", boom))
    client = workspace.client()
    client_no_raise = type(client)(
        workspace.app, base_url="http://127.0.0.1", raise_server_exceptions=False
    )
    body = problem_of(client_no_raise.get("/api/v1/boom"), 500)
    assert "internals" not in str(body)
    page = client_no_raise.get("/boom")
    assert page.status_code == 500 and "internals" not in page.text
    assert page.headers["x-frame-options"] == "DENY"


def test_downloads_name_their_file_safely(ws: Workspace) -> None:
    """Finding 8: Content-Disposition was built from the recipient id unescaped."""
    from missive.web.views import attachment

    assert attachment('a"; filename=evil.exe; x="') == (
        'attachment; filename="a___filename_evil.exe__x__"; '
        "filename*=UTF-8''a%22%3B%20filename%3Devil.exe%3B%20x%3D%22"
    )
    client, _ = ws.login("nadia")
    reply = client.get(f"/letters/{LETTER}/pdf/ar-gov-01")
    assert reply.headers["content-disposition"] == (
        f"attachment; filename=\"{LETTER}-ar-gov-01.pdf\"; filename*=UTF-8''{LETTER}-ar-gov-01.pdf"
    )
