"""The probes of issue 24's ten findings, run against a real `send.py serve` on loopback.

    .venv/bin/python tools/security_probes.py

Copies the sample project to a temporary folder, adds one account per role with
`send.py users add`, starts `send.py serve` on a free loopback port and sends each probe
over HTTP, as the review that found them did. Prints a Markdown table: the finding, the
request, and what the server answers now (status, the header or field that matters). The
findings that need no server (a CSV cell, the terminal's approvals) are shown through the
command line. Nothing here is a test: tests/test_web_boundary.py, test_web_sessions.py,
test_audit.py, test_csv_formulas.py, test_relays.py and test_review_cli.py hold each answer.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "a long enough password"
LETTER = "wsis20-invitation"
ACCOUNTS = {"omar": ("operator", ""), "nadia": ("reviewer", "ar"), "root": ("admin", "")}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def field(self, name: str) -> str:
        try:
            return str(json.loads(self.body).get(name, ""))[:70]
        except (ValueError, AttributeError):
            return ""


@dataclass
class Server:
    port: int
    host: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        cookie: str | None = None,
    ) -> Reply:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        sent = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        if cookie:
            sent["Cookie"] = cookie
        connection.request(method, path, body=body, headers=sent)
        answer = connection.getresponse()
        reply = Reply(answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read())
        connection.close()
        return reply

    def login(self, name: str) -> tuple[str, str]:
        """The session cookie and CSRF token of `name`, through the API."""
        body = json.dumps({"username": name, "password": PASSWORD}).encode()
        reply = self.send("POST", "/api/v1/session", body, {"Content-Type": "application/json"})
        assert reply.status == 200, reply
        cookie = reply.headers["set-cookie"].split(";", 1)[0]
        return cookie, reply.field("csrf_token")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def send_py(root: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "send.py"), *args],
        cwd=root,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


@contextmanager
def workspace() -> Iterator[tuple[Path, Server]]:
    with tempfile.TemporaryDirectory(prefix="missive-probes-") as tmp:
        root = Path(tmp)
        for name in ("letters", "templates", "recipients", "signatories"):
            shutil.copytree(REPO / name, root / name)
        journal = root / "journal.sqlite"
        for name, (role, languages) in ACCOUNTS.items():
            extra = ["--languages", languages] if languages else []
            added = send_py(
                root,
                "users",
                "add",
                name,
                "--role",
                role,
                *extra,
                "--journal",
                str(journal),
                "--password-stdin",
                stdin=PASSWORD + "\n",
            )
            assert added.returncode == 0, added.stderr
        port = free_port()
        process = subprocess.Popen(
            [
                sys.executable,
                str(REPO / "send.py"),
                "serve",
                "--journal",
                str(journal),
                "--port",
                str(port),
                "--letters",
                str(root / "letters"),
            ],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            server = Server(port)
            for _ in range(300):
                try:
                    server.send("GET", "/login")
                    break
                except OSError:
                    time.sleep(0.1)
            yield root, server
        finally:
            process.terminate()
            process.wait(timeout=30)


def row(finding: str, probe: str, reply: Reply, *shown: str) -> str:
    parts = [str(reply.status)]
    for name in shown:
        value = reply.headers.get(name) or reply.field(name)
        parts.append(f"{name}: {value}" if value else f"no {name}")
    return f"| {finding} | `{probe}` | {'; '.join(parts)} |"


def probes(root: Path, server: Server) -> Iterator[str]:
    as_json = {"Content-Type": "application/json"}
    omar, omar_token = server.login("omar")
    changing = {**as_json, "X-CSRF-Token": omar_token}
    jobs = f"/api/v1/letters/{LETTER}/jobs"

    def post(path: str, body: bytes, headers: dict[str, str] = changing) -> Reply:
        return server.send("POST", path, body, headers, omar)

    yield row("1 relay", f"POST {jobs} smtp=ftp://x", post(jobs, b'{"smtp": "ftp://x"}'), "detail")
    yield row(
        "1 relay",
        "relay=evil (a name only: the worker fails the job)",
        post(jobs, b'{"relay": "evil"}'),
        "detail",
    )
    surrogate = b'{"at": "2030-01-01 09:00", "to_self": "a\\ud800@x.org"}'
    yield row("2 surrogate", "to_self a\\ud800@x.org", post(jobs, surrogate), "detail")
    listed = server.send("GET", "/api/v1/jobs", cookie=omar)
    yield row("2 surrogate", "GET /api/v1/jobs afterwards", listed)
    nadia, nadia_token = server.login("nadia")
    server.send("DELETE", "/api/v1/session", None, {"X-CSRF-Token": nadia_token}, nadia)
    yield row(
        "3 logout", "old cookie replayed", server.send("GET", "/api/v1/letters", cookie=nadia)
    )
    huge = "/api/v1/jobs/99999999999999999999/cancel"
    yield row("4 errors", f"POST {huge}", post(huge, b"{}"), "content-type", "x-frame-options")
    review = f"/letters/{LETTER}/review/en?r=%C2%B2"
    yield row("4 errors", f"GET {review}", server.send("GET", review, cookie=omar))
    nested = b"[" * 20_000 + b"]" * 20_000  # 40 KB: under the body limit
    reply = server.send("POST", "/api/v1/session", nested, as_json)
    yield row("4 errors", "JSON nested 20,000 deep, no login", reply, "title")
    big = b'{"username": "' + b"x" * 30_000_000 + b'"}'
    yield row(
        "5 size", "30 MB JSON, no login", server.send("POST", "/api/v1/session", big, as_json)
    )
    long_name = json.dumps({"username": "u" * 1_000_000, "password": "x"}).encode()
    reply = server.send("POST", "/api/v1/session", long_name, as_json)
    yield row("5 size", "1 MB user name", reply, "title")
    yield from header_probes(server)
    for name, value in (("rate", '"--no-dry-run"'), ("limit", "true")):
        yield row(
            "9 typed jobs",
            f"{name}: {value}",
            post(jobs, f'{{"{name}": {value}}}'.encode()),
            "detail",
        )
    reply = post(jobs, b'{"resend_ambiguous": true}')
    yield row("9 typed jobs", "resend_ambiguous without confirm", reply, "detail")
    yield from terminal_probes(root)


def header_probes(server: Server) -> Iterator[str]:
    as_json = {"Content-Type": "application/json"}
    cross = {"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"}
    form = b"username=omar&password=a+long+enough+password&login_token=x"
    reply = server.send("POST", "/login", form, cross)
    yield row("8 login CSRF", "cross-site POST /login", reply)
    rebound = server.send("GET", "/login", headers={"Host": "evil.example"})
    yield row("8 Host check", "Host: evil.example", rebound)
    plain = server.send("POST", "/api/v1/session", b"{}", {"Content-Type": "text/plain"})
    yield row("8 media type", "JSON as text/plain", plain)
    login = server.send("GET", "/login")
    yield row("8 headers", "GET /login", login, "content-security-policy", "set-cookie")
    bad = json.dumps({"username": "root", "password": "wrong"}).encode()
    for _ in range(12):
        throttled = server.send("POST", "/api/v1/session", bad, as_json)
    yield row("7/8 throttle", "12 wrong passwords", throttled, "retry-after")


def terminal_probes(root: Path) -> Iterator[str]:
    short = subprocess.run(
        [sys.executable, str(REPO / "send.py"), "serve", "--journal", str(root / "j.sqlite")],
        cwd=root,
        env={**os.environ, "MISSIVE_SESSION_SECRET": "short"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    message = (short.stderr.strip().splitlines() or [""])[-1][:90]
    probe = "`MISSIVE_SESSION_SECRET=short send.py serve`"
    yield f"| 8 secret | {probe} | exit {short.returncode}: {message} |"
    journal = str(root / "journal.sqlite")
    approve = send_py(
        root,
        "approve",
        LETTER,
        "--lang",
        "ar",
        "--user",
        "nadia",
        "--journal",
        journal,
        stdin="wrong password\n",
    )
    said = (approve.stderr.strip().splitlines() or [""])[-1][:90]
    probe = "`approve --user nadia` (wrong password)"
    yield f"| 10 terminal | {probe} | exit {approve.returncode}: {said} |"
    verify = send_py(root, "audit", "verify", "--journal", journal)
    said = (verify.stdout.strip().splitlines() or [""])[-1][:90]
    yield f"| 7 audit | `send.py audit verify` | exit {verify.returncode}: {said} |"


def main() -> int:
    print("| finding | probe | answer now |\n| --- | --- | --- |")
    with workspace() as (root, server):
        for line in probes(root, server):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
