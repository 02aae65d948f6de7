"""Run the workspace under uvicorn: loopback by default, TLS or a declared proxy otherwise."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from missive.access.sessions import MIN_SECRET
from missive.app.render_job import DEFAULT_JOBS, RenderTarget, start_renderer, stop_renderer
from missive.errors import MissiveError
from missive.model import is_loopback
from missive.web.app import create_app
from missive.web.context import LOOPBACK_NAMES, WorkspaceConfig

SECRET_VARIABLE = "MISSIVE_SESSION_SECRET"
WILDCARDS = frozenset({"0.0.0.0", "::", ""})


class ExposureError(MissiveError):
    """The workspace would listen beyond this machine without TLS or a declared proxy."""


@dataclass(frozen=True)
class Listen:
    host: str = "127.0.0.1"
    port: int = 8000
    tls_cert: Path | None = None
    tls_key: Path | None = None
    behind_proxy: bool = False
    allowed_hosts: tuple[str, ...] = ()  # names clients reach it by; default: the bound host

    def check(self) -> None:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ExposureError("give both --tls-cert and --tls-key, or neither")
        if not is_loopback(self.host) and self.tls_cert is None and not self.behind_proxy:
            raise ExposureError(
                f"{self.host} is reachable from other machines: serve over TLS (--tls-cert and"
                " --tls-key) or declare the reverse proxy that does (--behind-proxy)"
            )
        if not self.allowed_hosts and self.host in WILDCARDS:
            raise ExposureError(
                f"{self.host} is every address: name the host clients reach it by"
                " (--allowed-host NAME)"
            )

    def hosts(self) -> tuple[str, ...]:
        """The names this server answers to: as given, else the address it listens on."""
        if self.allowed_hosts:
            return self.allowed_hosts
        return LOOPBACK_NAMES if is_loopback(self.host) else (self.host,)


def served_config(config: WorkspaceConfig, listen: Listen, secret: str | None) -> WorkspaceConfig:
    """The configuration as served: the secret, the cookies and the names of this listener."""
    if secret is not None and len(secret) < MIN_SECRET:
        raise ExposureError(
            f"{SECRET_VARIABLE} is {len(secret)} characters: give at least {MIN_SECRET}"
            " (e.g. from `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    return replace(
        config,
        secret=secret,
        secure_cookies=listen.tls_cert is not None or listen.behind_proxy,
        allowed_hosts=listen.hosts(),
    )


def serve(config: WorkspaceConfig, listen: Listen, render_jobs: int = DEFAULT_JOBS) -> None:
    """Serve the workspace, with the renderer process that draws its letters beside it."""
    listen.check()
    app = create_app(served_config(config, listen, os.environ.get(SECRET_VARIABLE) or None))
    # Started before the server, from this one thread: the renderer is a fork of it.
    target = RenderTarget(config.letters_dir, config.journal_path, config.cache_dir, render_jobs)
    renderer = start_renderer(target)
    try:
        _run(app, listen)
    finally:
        stop_renderer(renderer)


def _run(app: Starlette, listen: Listen) -> None:
    uvicorn.run(
        app,
        host=listen.host,
        port=listen.port,
        ssl_certfile=str(listen.tls_cert) if listen.tls_cert else None,
        ssl_keyfile=str(listen.tls_key) if listen.tls_key else None,
        # Only behind a declared proxy is X-Forwarded-For believed (for the audit log
        # and the login throttle), and only from the proxy on this machine.
        proxy_headers=listen.behind_proxy,
        forwarded_allow_ips="127.0.0.1" if listen.behind_proxy else "",
        server_header=False,
        log_level="info",
    )
