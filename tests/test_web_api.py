"""The JSON API over HTTP (Starlette's TestClient): every route, the role x action matrix,
sessions, CSRF, throttling, disabled users and the security headers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient
from web_fixtures import (
    LETTER,
    PASSWORD,
    START,
    USERS,
    Workspace,
    login_fields,
    make_workspace,
)

from missive.app.people import Origin, disable_user
from missive.schedule.jobs import hold_stale
from missive.web import api

ROLES = [*USERS, "anonymous"]


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    yield make_workspace(tmp_path_factory.mktemp("workspace"), render=True)


@pytest.fixture(autouse=True)
def reset_clock(ws: Workspace) -> None:
    ws.clock.now = START


def client_for(ws: Workspace, who: str) -> tuple[TestClient, dict[str, str]]:
    if who == "anonymous":
        return ws.client(), {}
    client, token = ws.login(who)
    return client, {"X-CSRF-Token": token}


def test_security_headers_on_every_response(ws: Workspace) -> None:
    client = ws.client()
    for path in ("/api/v1/openapi.json", "/api/v1/letters", "/login", "/static/workspace.css"):
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "unsafe-inline" not in headers["content-security-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"


def test_the_openapi_schema_describes_every_api_route(ws: Workspace) -> None:
    schema = ws.client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in schema["paths"].items() for method in ops}
    for route in api.ROUTES:
        assert isinstance(route, Route)
        path = route.path.replace("{id:int}", "{id}")
        for method in route.methods or ():
            if method != "HEAD":
                assert (path, method.lower()) in documented, (path, method)


def test_log_in_sets_a_strict_httponly_cookie_and_returns_a_csrf_token(ws: Workspace) -> None:
    reply = ws.client().post("/api/v1/session", json={"username": "omar", "password": PASSWORD})
    assert reply.status_code == 200
    assert len(reply.json()["csrf_token"]) >= 32
    cookie = reply.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=3600" in cookie
    assert PASSWORD not in reply.text
    wrong = ws.client().post("/api/v1/session", json={"username": "omar", "password": "nope!"})
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json() == {
        "type": "about:blank",
        "title": "Unauthorized",
        "status": 401,
        "detail": "wrong user name or password",
    }
    assert ws.client().post("/api/v1/session", json=["omar"]).status_code == 400


@pytest.mark.parametrize("who", ROLES)
def test_reading_needs_a_session_and_any_role(ws: Workspace, who: str) -> None:
    client, _ = client_for(ws, who)
    expected = 401 if who == "anonymous" else 200
    for path in (
        "/api/v1/letters",
        f"/api/v1/letters/{LETTER}",
        f"/api/v1/letters/{LETTER}/status",
        "/api/v1/jobs",
    ):
        assert client.get(path).status_code == expected, path


def test_a_letter_shows_check_counts_hash_approvals_jobs_and_send(ws: Workspace) -> None:
    client, _ = ws.login("sec")
    letter = client.get(f"/api/v1/letters/{LETTER}").json()
    assert letter["check"] == {"ok": True, "state": "done", "problems": []}
    assert letter["render"]["state"] == "done"
    assert letter["render"]["done"] == letter["render"]["total"] == 62
    assert all(len(a["hash"]) == 64 for a in letter["approvals"].values())
    assert letter["recipients"] == 62
    assert sum(c["recipients"] for c in letter["counts"] if c["language"] == "ar") == 11
    assert len(letter["batch_hash"]) == 64
    assert set(letter["approvals"]) == {"ar", "zh", "en", "fr", "ru", "es"}
    assert letter["send"]["total"] == 0 and isinstance(letter["jobs"], list)
    listed = client.get("/api/v1/letters").json()["letters"]
    # Every letter of letters/ (the repository has two samples).
    assert [entry["key"] for entry in listed] == ["egov-survey-reminder", LETTER]


@pytest.mark.parametrize("who", ROLES)
def test_only_a_reviewer_of_the_language_approves(ws: Workspace, who: str) -> None:
    client, headers = client_for(ws, who)
    body = {"language": "ar", "decision": "approve", "comment": "checked"}
    body["hash"] = ws.hash_of(LETTER, "ar")
    reply = client.post(f"/api/v1/letters/{LETTER}/approvals", json=body, headers=headers)
    expected = {"nadia": 201, "anonymous": 401}.get(who, 403)
    assert reply.status_code == expected, reply.text
    if expected == 201:
        assert reply.json()["reviewer"] == "nadia" and reply.json()["decision"] == "approved"


def test_a_reviewer_decision_needs_the_csrf_token_and_names_the_login(ws: Workspace) -> None:
    client, token = ws.login("li")
    url = f"/api/v1/letters/{LETTER}/approvals"
    body = {"language": "zh", "decision": "reject", "comment": "the date line is wrong"}
    body["hash"] = ws.hash_of(LETTER, "zh")
    assert client.post(url, json=body).status_code == 403
    assert client.post(url, json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert (
        client.post(
            url, json={**body, "language": "ar"}, headers={"X-CSRF-Token": token}
        ).status_code
        == 403
    )
    assert (
        client.post(
            url, json={**body, "decision": "maybe"}, headers={"X-CSRF-Token": token}
        ).status_code
        == 422
    )
    reply = client.post(url, json=body, headers={"X-CSRF-Token": token})
    assert reply.status_code == 201
    letter = client.get(f"/api/v1/letters/{LETTER}").json()
    assert letter["approvals"]["zh"]["state"] == "rejected"
    assert letter["approvals"]["zh"]["rejected_by"] == [
        {"reviewer": "li", "comment": "the date line is wrong"}
    ]
    admin, _ = ws.login("root")
    audit = admin.get("/audit")
    assert audit.status_code == 200 and "rejected zh" in audit.text and "testclient" in audit.text


@pytest.mark.parametrize("who", ROLES)
def test_only_operators_schedule_cancel_and_release(ws: Workspace, who: str) -> None:
    client, headers = client_for(ws, who)
    operator, op_headers = client_for(ws, "omar")
    url = f"/api/v1/letters/{LETTER}/jobs"
    at = {"at": "2026-03-03 10:00", "tz": "Europe/Zurich"}
    reply = client.post(url, json=at, headers=headers)
    expected = {"omar": 201, "anonymous": 401}.get(who, 403)
    assert reply.status_code == expected, reply.text
    job = operator.post(url, json=at, headers=op_headers).json()
    assert job["state"] == "queued" and job["due_at"] == "2026-03-03T09:00:00+00:00"
    assert job["options"] == ["relay default"]
    cancel = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=headers)
    expected_change = {"omar": 200, "anonymous": 401}.get(who, 403)
    assert cancel.status_code == expected_change
    held = operator.post(url, json=at, headers=op_headers).json()
    hold_stale(
        ws.journal,
        START + dt.timedelta(days=2),
        grace=dt.timedelta(hours=1),
        lease=dt.timedelta(minutes=5),
    )
    release = client.post(f"/api/v1/jobs/{held['id']}/release", headers=headers)
    assert release.status_code == expected_change
    if who == "omar":
        assert release.json()["state"] == "queued"
        again = client.post(f"/api/v1/jobs/{held['id']}/release", headers=headers)
        assert again.status_code == 409


def test_job_requests_are_validated(ws: Workspace) -> None:
    client, token = ws.login("omar")
    headers = {"X-CSRF-Token": token}
    url = f"/api/v1/letters/{LETTER}/jobs"
    assert client.post(url, json={"at": "yesterday"}, headers=headers).status_code == 422
    assert client.post(url, json={"languages": ["xx"]}, headers=headers).status_code == 422
    assert client.post(url, json={"limit": -1}, headers=headers).status_code == 422
    assert client.post(url, json={"at": "2020-01-01 10:00"}, headers=headers).status_code == 409
    assert client.post(url, json={}).status_code == 403
    now = client.post(url, json={"languages": ["fr"], "rate": "60/min"}, headers=headers)
    assert now.status_code == 201
    assert now.json()["options"] == ["relay default", "rate 60/min", "lang fr"]
    # Finding 1: a job names a relay of the worker's, never a URL.
    for body in ({"smtp": "ftp://x", "to_self": "me@example.org"},
                 {"relay": "smtp://evil.example:25"}, {"relay": "Bulk relay"}):  # fmt: skip
        reply = client.post(url, json=body, headers=headers)
        assert reply.status_code == 422, (body, reply.text)
    named = client.post(url, json={"relay": "bulk", "to_self": "me@example.org"}, headers=headers)
    assert named.status_code == 201 and named.json()["options"][0] == "relay bulk"
    # Finding 9: values are data, checked, never command-line flags.
    flags: list[dict[str, object]] = [
        {"rate": "--no-dry-run"}, {"limit": True}, {"window": "--lang"}, {"groups": ["--smtp"]}
    ]  # fmt: skip
    for flag in flags:
        assert client.post(url, json=flag, headers=headers).status_code == 422, flag
    # ... and the API asks the confirmation the page asks before resending ambiguous messages.
    ambiguous = client.post(url, json={"resend_ambiguous": True}, headers=headers)
    assert ambiguous.status_code == 422 and "confirm" in ambiguous.json()["detail"]
    confirmed = {"resend_ambiguous": True, "confirm": True}
    assert client.post(url, json=confirmed, headers=headers).json()["options"][-1] == (
        "resend ambiguous"
    )
    assert now.json()["due_at"] == "2026-03-02T09:00:01+00:00"


def test_unknown_letters_and_jobs_are_404_without_touching_files(ws: Workspace) -> None:
    client, token = ws.login("omar")
    headers = {"X-CSRF-Token": token}
    for key in ("nope", "..", "%2e%2e%2fetc", "wsis20-invitation.serials", "a" * 200):
        assert client.get(f"/api/v1/letters/{key}").status_code == 404, key
        assert client.get(f"/api/v1/letters/{key}/status").status_code == 404, key
    assert client.post("/api/v1/jobs/999/cancel", headers=headers).status_code == 404
    assert client.post("/api/v1/jobs/x/cancel", headers=headers).status_code == 404


def test_an_expired_session_is_refused(ws: Workspace) -> None:
    client, _ = ws.login("sec")
    assert client.get("/api/v1/jobs").status_code == 200
    ws.clock.now = START + dt.timedelta(minutes=61)
    assert client.get("/api/v1/jobs").status_code == 401
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_a_disabled_user_cannot_log_in_and_loses_their_session(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    client, _ = ws.login("omar")
    disable_user(ws.journal, "omar", Origin("os:admin", "cli"), START)
    assert client.get("/api/v1/jobs").status_code == 401
    reply = ws.client().post("/api/v1/session", json={"username": "omar", "password": PASSWORD})
    assert reply.status_code == 401


def test_ten_failures_are_throttled_with_429_until_the_window_passes(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    client = ws.client()
    wrong = {"username": "nadia", "password": "not the password"}
    assert [client.post("/api/v1/session", json=wrong).status_code for _ in range(10)] == [401] * 10
    right = {"username": "nadia", "password": PASSWORD}
    throttled = client.post("/api/v1/session", json=right)
    assert throttled.status_code == 429
    assert 0 < int(throttled.headers["retry-after"]) <= 900
    page = client.post("/login", data={**login_fields(client), **right})
    assert page.status_code == 429 and "too many failed attempts" in page.text
    assert 0 < int(page.headers["retry-after"]) <= 900  # finding 8: the form's 429 had none
    ws.clock.now = START + dt.timedelta(minutes=15, seconds=1)
    assert client.post("/api/v1/session", json=right).status_code == 200


def test_serve_refuses_to_listen_beyond_loopback_without_tls_or_a_proxy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from missive.cli import main

    journal = str(tmp_path / "journal.sqlite")
    assert main(["serve", "--journal", journal, "--host", "0.0.0.0"]) == 1
    assert "--tls-cert and --tls-key" in capsys.readouterr().err
    assert main(["serve", "--journal", journal, "--host", "10.0.0.5", "--tls-cert", "c.pem"]) == 1
    assert "both --tls-cert and --tls-key" in capsys.readouterr().err
