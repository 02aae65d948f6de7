"""Run the workspace under uvicorn: loopback by default, TLS or a declared proxy otherwise."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from missive.errors import MissiveError
from missive.web.app import create_app
from missive.web.context import WorkspaceConfig

SECRET_VARIABLE = "MISSIVE_SESSION_SECRET"


class ExposureError(MissiveError):
    """The workspace would listen beyond this machine without TLS or a declared proxy."""


@dataclass(frozen=True)
class Listen:
    host: str = "127.0.0.1"
    port: int = 8000
    tls_cert: Path | None = None
    tls_key: Path | None = None
    behind_proxy: bool = False

    def check(self) -> None:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ExposureError("give both --tls-cert and --tls-key, or neither")
        if not is_loopback(self.host) and self.tls_cert is None and not self.behind_proxy:
            raise ExposureError(
                f"{self.host} is reachable from other machines: serve over TLS (--tls-cert and"
                " --tls-key) or declare the reverse proxy that does (--behind-proxy)"
            )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(config: WorkspaceConfig, listen: Listen) -> None:
    listen.check()
    secret = os.environ.get(SECRET_VARIABLE) or None
    app = create_app(
        WorkspaceConfig(
            journal_path=config.journal_path,
            letters_dir=config.letters_dir,
            smtp=config.smtp,
            secret=secret,
            session_lifetime=config.session_lifetime,
            secure_cookies=listen.tls_cert is not None or listen.behind_proxy,
        )
    )
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
