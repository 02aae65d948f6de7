"""Schemathesis over every operation of /api/v1/openapi.json, logged in and not (issue 24):
no 500, and every reply conforms to the description (status, content type, headers, body).

Hypothesis draws a bounded number of requests per operation from a fixed seed, so the run
is the same every time and takes about a minute. Each mode has its own journal: the
anonymous run's failed logins would otherwise throttle the logged-in run's logins.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from web_fixtures import Workspace, make_workspace

from missive.web.openapi import SCHEMA

EXAMPLES = 20
BASE_URL = "http://127.0.0.1"  # a Host the workspace answers to
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Who is logged in for an operation: the role that may do it, so that requests get past
# the permission check and reach the use case.
ROLE_OF = {"approvals": "nadia", "jobs": "omar", "sessions": "root"}


@dataclass
class Mode:
    workspace: Workspace
    logged_in: bool
    tokens: dict[str, tuple[str, str]]  # user -> (cookie, CSRF token)

    def credentials(self, path: str, method: str) -> dict[str, str]:
        if not self.logged_in:
            return {}
        user = next((u for part, u in ROLE_OF.items() if part in path), "sec")
        # Logging out ends the session: every such request logs in afresh.
        if user not in self.tokens or (path == "/api/v1/session" and method == "DELETE"):
            client, csrf = self.workspace.login(user)
            self.tokens[user] = (client.cookies["missive_session"], csrf)
        cookie, csrf = self.tokens[user]
        return {"Cookie": f"missive_session={cookie}", "X-CSRF-Token": csrf}


@pytest.fixture(scope="module", params=["anonymous", "logged in"])
def mode(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Mode]:
    workspace = make_workspace(tmp_path_factory.mktemp("fuzz"), render=True)
    yield Mode(workspace, request.param == "logged in", {})


# The description as the app serves it (test_web_api keeps the two the same); each
# mode's app is set on it before the requests.
schema = schemathesis.openapi.from_dict(SCHEMA)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_description(case: Any, mode: Mode) -> None:
    path, method = case.operation.path, case.method.upper()
    if mode.logged_in and path == "/api/v1/session" and method == "POST":
        return  # logging in is the anonymous run's; its failures would throttle this run
    headers = dict(case.headers or {})
    credentials = mode.credentials(path, method)
    if "X-CSRF-Token" in headers and credentials:
        headers["X-CSRF-Token"] = credentials["X-CSRF-Token"]
    headers.update({k: v for k, v in credentials.items() if k == "Cookie"})
    case.headers = headers
    case.operation.schema.app = mode.workspace.app
    case.call_and_validate(base_url=BASE_URL, checks=CHECKS, app=mode.workspace.app)
