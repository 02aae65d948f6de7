"""The relays a worker may send through: its own configuration, never a request's.

A job names a relay (or none: the default); the URL, the credentials and whether they may
cross a connection without TLS are the worker's: flags (`--smtp URL` for the default,
`--relay NAME=URL`), the environment (`MISSIVE_RELAYS="NAME=URL NAME=URL"`) or a TOML file
(`--relays FILE`):

    [relays.main]
    url = "smtp+starttls://relay.example.int:587"
    username_env = "MISSIVE_SMTP_USERNAME"      # the defaults
    password_env = "MISSIVE_SMTP_PASSWORD"

    [relays.local]
    url = "smtp://127.0.0.1:2525"
    plain_auth = true                           # loopback only: credentials without TLS

Credentials are never sent over plain `smtp://` unless the relay says `plain_auth` and its
host is a loopback address: `credentials_for` refuses, before anything connects.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from missive.deliver.settings import Credentials, Security, SmtpEndpoint
from missive.errors import DeliveryError
from missive.model import is_loopback

DEFAULT = "default"
NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
USERNAME_ENV = "MISSIVE_SMTP_USERNAME"
PASSWORD_ENV = "MISSIVE_SMTP_PASSWORD"
RELAYS_ENV = "MISSIVE_RELAYS"


@dataclass(frozen=True)
class RelayConfig:
    name: str
    endpoint: SmtpEndpoint
    plain_auth: bool = False  # credentials over plain smtp://, allowed for loopback only
    username_env: str = USERNAME_ENV
    password_env: str = PASSWORD_ENV


@dataclass(frozen=True)
class Relays:
    by_name: Mapping[str, RelayConfig]

    def get(self, name: str | None) -> RelayConfig:
        """The relay a job names (None: the default), or DeliveryError."""
        wanted = name or DEFAULT
        found = self.by_name.get(wanted)
        if found is None:
            known = ", ".join(sorted(self.by_name)) or "none"
            raise DeliveryError(
                f"no relay named {wanted!r} in the worker's configuration ({known})"
            )
        return found


def relay_name(text: str) -> str:
    if not NAME.fullmatch(text):
        raise DeliveryError(
            f"bad relay name {text[:40]!r}: a lower-case letter, then letters, digits, _ or -"
        )
    return text


def configure(
    default_url: str | None,
    named: Sequence[str] = (),
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Relays:
    """Relays from a file, the environment and flags (later ones win, by name)."""
    env = os.environ if environ is None else environ
    found: dict[str, RelayConfig] = {}
    if config_file is not None:
        found.update(_from_file(config_file))
    for item in env.get(RELAYS_ENV, "").split():
        found.update([_from_pair(item)])
    for item in named:
        found.update([_from_pair(item)])
    if default_url is not None:
        found[DEFAULT] = RelayConfig(DEFAULT, SmtpEndpoint.parse(default_url))
    for relay in found.values():
        if relay.plain_auth and not is_loopback(relay.endpoint.host):
            raise DeliveryError(
                f"relay {relay.name}: plain_auth (credentials without TLS) is for a loopback"
                f" relay only, not {relay.endpoint.host}"
            )
    return Relays(found)


def _from_pair(item: str) -> tuple[str, RelayConfig]:
    name, sep, url = item.partition("=")
    if not sep:
        raise DeliveryError(f"a relay is NAME=URL, not {item[:60]!r}")
    name = relay_name(name)
    return name, RelayConfig(name, SmtpEndpoint.parse(url))


def _from_file(path: Path) -> dict[str, RelayConfig]:
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DeliveryError(f"{path}: cannot read the relays: {exc}") from exc
    relays = table.get("relays")
    if not isinstance(relays, dict):
        raise DeliveryError(f"{path}: no [relays.NAME] table")
    found: dict[str, RelayConfig] = {}
    for name, entry in relays.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
            raise DeliveryError(f'{path}: relays.{name} needs url = "smtp...://host:port"')
        unknown = set(entry) - {"url", "plain_auth", "username_env", "password_env"}
        if unknown:
            raise DeliveryError(f"{path}: relays.{name}: unknown keys {', '.join(sorted(unknown))}")
        found[relay_name(name)] = RelayConfig(
            name,
            SmtpEndpoint.parse(entry["url"]),
            plain_auth=entry.get("plain_auth") is True,
            username_env=str(entry.get("username_env", USERNAME_ENV)),
            password_env=str(entry.get("password_env", PASSWORD_ENV)),
        )
    return found


def credentials_for(
    relay: RelayConfig, environ: Mapping[str, str] | None = None
) -> Credentials | None:
    """The relay's credentials from the environment, or None; never for plain SMTP unless
    the relay allows it (loopback only)."""
    env = os.environ if environ is None else environ
    username = env.get(relay.username_env, "")
    password = env.get(relay.password_env, "")
    if not username and not password:
        return None
    if not username or not password:
        raise DeliveryError(f"set both {relay.username_env} and {relay.password_env}, or neither")
    guard_plain_auth(relay.endpoint, plain_auth=relay.plain_auth)
    return Credentials(username, password)


def guard_plain_auth(endpoint: SmtpEndpoint, *, plain_auth: bool) -> None:
    """Refuse to send credentials over a connection without TLS, unless allowed (loopback)."""
    if endpoint.security is not Security.PLAIN:
        return
    if plain_auth and is_loopback(endpoint.host):
        return
    raise DeliveryError(
        f"credentials are never sent without TLS: {endpoint} is plain SMTP. Use"
        " smtp+starttls:// or smtps://, or, for a relay on this machine, allow it explicitly"
        " (plain_auth in the worker's relay configuration, --plain-auth for `send`)"
    )
