"""Sessions on the server (issue 24, finding 3 and the session half of finding 8): logging
out, a password change, disabling and an admin's revoke end a session at once; idle
sessions end; login forms carry a pre-session token; `__Host-` and HSTS under TLS."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from web_fixtures import LETTER, PASSWORD, START, Workspace, login_fields, make_workspace

from missive.app.people import Origin, change_password, disable_user
from missive.errors import MissiveError
from missive.web.app import create_app
from missive.web.context import WorkspaceConfig
from missive.web.server import Listen, served_config

ADMIN = Origin("os:admin", "cli")


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path)


def test_the_cookie_replayed_after_logout_is_refused(ws: Workspace) -> None:
    """Finding 3: the signed token stayed valid for 8 hours after logging out."""
    client, token = ws.login("nadia")
    cookie = dict(client.cookies)
    assert client.delete("/api/v1/session", headers={"X-CSRF-Token": token}).status_code == 204
    replay = ws.client()
    replay.cookies.update(cookie)
    assert replay.get(f"/api/v1/letters/{LETTER}").status_code == 401
    body = {"language": "ar", "decision": "approve", "comment": "replayed"}
    approval = replay.post(
        f"/api/v1/letters/{LETTER}/approvals", json=body, headers={"X-CSRF-Token": token}
    )
    assert approval.status_code == 401


def test_the_form_logout_ends_the_session_on_the_server(ws: Workspace) -> None:
    client = ws.form_login("sec")
    cookie = dict(client.cookies)
    page = client.get("/").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/logout", data={"csrf_token": token}).status_code == 200
    replay = ws.client()
    replay.cookies.update(cookie)
    assert replay.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("how", ["password", "disable", "revoke"])
def test_a_password_change_a_disable_or_a_revoke_ends_sessions_at_once(
    ws: Workspace, how: str
) -> None:
    client, _ = ws.login("omar")
    assert client.get("/api/v1/jobs").status_code == 200
    if how == "password":
        change_password(ws.journal, "omar", "another long password", ADMIN, START)
    elif how == "disable":
        disable_user(ws.journal, "omar", ADMIN, START)
    else:
        admin, token = ws.login("root")
        listed = admin.get("/api/v1/sessions").json()["sessions"]
        (theirs,) = [s for s in listed if s["user"] == "omar"]
        assert set(theirs) == {"id", "user", "address", "created_at", "last_seen_at", "expires_at"}
        reply = admin.post(
            f"/api/v1/sessions/{theirs['id']}/revoke", headers={"X-CSRF-Token": token}
        )
        assert reply.status_code == 200
        assert [s["user"] for s in admin.get("/api/v1/sessions").json()["sessions"]] == ["root"]
    assert client.get("/api/v1/jobs").status_code == 401


def test_only_admins_list_and_revoke_sessions(ws: Workspace) -> None:
    client, token = ws.login("omar")
    assert client.get("/api/v1/sessions").status_code == 403
    headers = {"X-CSRF-Token": token}
    assert client.post("/api/v1/sessions/x/revoke", headers=headers).status_code == 403
    admin = ws.form_login("root")
    page = admin.get("/sessions")
    assert page.status_code == 200 and "omar" in page.text and "(yours)" in page.text
    admin_api, admin_token = ws.login("root")
    reply = admin_api.post("/api/v1/sessions/nothing/revoke", headers={"X-CSRF-Token": admin_token})
    assert reply.status_code == 404


def test_a_session_ends_after_30_idle_minutes_and_at_its_lifetime(ws: Workspace) -> None:
    """Finding 8: no idle timeout."""
    client, _ = ws.login("sec")
    for minutes in (29, 58, 59):  # each request renews it
        ws.clock.now = START + dt.timedelta(minutes=minutes)
        assert client.get("/api/v1/jobs").status_code == 200
    ws.clock.now = START + dt.timedelta(minutes=61)  # the lifetime of the test app: 1 h
    assert client.get("/api/v1/jobs").status_code == 401
    idle, _ = ws.login("sec")
    ws.clock.now += dt.timedelta(minutes=30)
    assert idle.get("/api/v1/jobs").status_code == 401


def test_a_cross_site_login_post_is_refused(ws: Workspace) -> None:
    """Finding 8: login CSRF (a cross-site POST /login logged the victim in as the attacker)."""
    victim = ws.client()
    credentials = {"username": "omar", "password": PASSWORD, "next": "/"}
    forged = victim.post("/login", data=credentials, follow_redirects=False)
    assert forged.status_code == 403 and "missive_session" not in forged.headers.get(
        "set-cookie", ""
    )
    # A token from another browser's form does not fit this browser's cookie.
    other = ws.client()
    stolen = login_fields(other)
    assert victim.post("/login", data={**credentials, **stolen}).status_code == 403
    cross = other.post(
        "/login", data={**credentials, **stolen}, headers={"origin": "http://evil.example"}
    )
    assert cross.status_code == 403
    ok = other.post("/login", data={**credentials, **stolen}, follow_redirects=False)
    assert ok.status_code == 303


def test_under_tls_the_cookie_is_host_prefixed_and_hsts_is_sent(tmp_path: Path) -> None:
    """Finding 8: no Strict-Transport-Security under --tls-cert and no __Host- prefix."""
    base = make_workspace(tmp_path)
    listen = Listen("127.0.0.1", 8443, Path("cert.pem"), Path("key.pem"))
    config = served_config(base.config, listen, "x" * 32)
    assert config.secure_cookies and config.allowed_hosts == ("127.0.0.1", "localhost", "::1")
    from starlette.testclient import TestClient

    app = create_app(WorkspaceConfig(**{**vars(config), "clock": base.clock}))
    client = TestClient(app, base_url="https://127.0.0.1")
    reply = client.post("/api/v1/session", json={"username": "omar", "password": PASSWORD})
    assert reply.status_code == 200
    cookie = reply.headers["set-cookie"]
    assert cookie.startswith("__Host-missive_session=") and "Secure" in cookie
    assert "Path=/" in cookie and "Domain" not in cookie
    assert reply.headers["strict-transport-security"] == "max-age=31536000"
    assert "strict-transport-security" not in base.client().get("/login").headers


def test_a_short_session_secret_and_a_wildcard_without_a_host_are_refused(
    tmp_path: Path,
) -> None:
    """Finding 8: MISSIVE_SESSION_SECRET was accepted at any length."""
    base = make_workspace(tmp_path)
    with pytest.raises(MissiveError, match="at least 32"):
        served_config(base.config, Listen(), "short secret")
    with pytest.raises(MissiveError, match="--allowed-host"):
        Listen("0.0.0.0", 8443, Path("c.pem"), Path("k.pem")).check()
    named = Listen("0.0.0.0", 8443, Path("c.pem"), Path("k.pem"), allowed_hosts=("m.example",))
    assert served_config(base.config, named, None).allowed_hosts == ("m.example",)
