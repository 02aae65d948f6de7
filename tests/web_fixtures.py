"""A workspace on a copy of the sample project, with one user per role, for HTTP tests."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

from starlette.applications import Starlette
from starlette.testclient import TestClient

from missive.access.permissions import Role
from missive.app.people import NewUser, Origin, add_user
from missive.app.render_job import RenderTarget, render_pending
from missive.model import Language
from missive.web.app import create_app
from missive.web.context import WorkspaceConfig

REPO = Path(__file__).resolve().parent.parent
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
PASSWORD = "a long enough password"
LETTER = "wsis20-invitation"
USERS = {
    "sec": (Role.SECRETARIAT, ()),
    "nadia": (Role.REVIEWER, (Language.AR,)),
    "li": (Role.REVIEWER, (Language.ZH,)),
    "omar": (Role.OPERATOR, ()),
    "root": (Role.ADMIN, ()),
}


@dataclass
class Clock:
    now: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class Workspace:
    root: Path
    journal: Path
    clock: Clock
    config: WorkspaceConfig
    app: Starlette

    def client(self) -> TestClient:
        return TestClient(self.app, base_url="http://127.0.0.1")

    def login(self, name: str) -> tuple[TestClient, str]:
        """A client logged in as `name` and its CSRF token (one app per workspace)."""
        client = self.client()
        reply = client.post("/api/v1/session", json={"username": name, "password": PASSWORD})
        assert reply.status_code == 200, reply.text
        return client, str(reply.json()["csrf_token"])

    def render(self) -> list[str]:
        """Run the render job of every letter whose inputs changed, here and now (as the
        renderer process that `serve` starts does); the keys rendered."""
        config = self.config
        target = RenderTarget(config.letters_dir, self.journal, config.cache_dir, jobs=1)
        return render_pending(target)

    def served_from(self, letters_dir: Path) -> Workspace:
        """The same journal and people, serving the letters of another folder."""
        config = replace(self.config, letters_dir=letters_dir)
        return Workspace(self.root, self.journal, self.clock, config, create_app(config))

    def hash_of(self, letter: str, language: str) -> str:
        """The language hash an approval binds to, as the API gives it."""
        client, _ = self.login("sec")
        return str(client.get(f"/api/v1/letters/{letter}").json()["approvals"][language]["hash"])

    def form_login(self, name: str, client: TestClient | None = None) -> TestClient:
        """A client logged in through the login form, as a browser does it."""
        client = client or self.client()
        reply = client.post("/login", data={**login_fields(client), "username": name,
                                             "password": PASSWORD})  # fmt: skip
        assert reply.status_code == 200, reply.text
        return client


def login_fields(client: TestClient, next_path: str = "/") -> dict[str, str]:
    """The hidden fields of a fresh login form (its pre-session token), from the form."""
    form = client.get("/login").text
    found = re.search(r'name="login_token" value="([^"]+)"', form)
    assert found is not None
    return {"login_token": found.group(1), "next": next_path}


def make_workspace(root: Path, *, render: bool = False) -> Workspace:
    """A copy of the sample project served from `root`; with `render`, its letters rendered
    (as the renderer process that `serve` starts would)."""
    for name in ("letters", "templates", "recipients", "signatories"):
        shutil.copytree(REPO / name, root / name)
    journal = root / "out" / "journal.sqlite"
    journal.parent.mkdir()
    for name, (role, languages) in USERS.items():
        add_user(NewUser(journal, name, role, PASSWORD, languages), Origin("test", "-"), START)
    clock = Clock()
    config = WorkspaceConfig(
        journal_path=journal,
        letters_dir=root / "letters",
        secret="a test secret of at least thirty-two characters",
        session_lifetime=dt.timedelta(hours=1),
        clock=clock,
    )
    workspace = Workspace(root, journal, clock, config, create_app(config))
    if render:
        workspace.render()
    return workspace
