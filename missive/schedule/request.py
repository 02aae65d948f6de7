"""What a job asks the worker to send: typed data, versioned, validated both ways.

A job stores `SendJob.to_json()` (a frozen dataclass as JSON with its `version`), never a
command line: the worker reads it back with `SendJob.from_json`, which refuses anything
that is not exactly what `to_json` writes (unknown keys, wrong types, out-of-range
numbers, a relay given as a URL), and calls the application layer with it. A relay is
named, never given: the URL and the credentials are the worker's configuration.

Jobs stored by an older missive as `send` arguments are read by `from_arguments`, a strict
reader of the few options `schedule` wrote; anything else makes the job unreadable, and
an unreadable job is shown as failed, never run.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

from missive.errors import JobRequestError
from missive.model import Language

VERSION = 1
RELAY_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
WINDOW = re.compile(r"\d{2}:\d{2}-\d{2}:\d{2}")
RATE = re.compile(r"\d{1,7}(\.\d{1,3})?/(s|sec|second|min|minute|h|hour)")
GROUP = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
MAX_LIMIT = 10_000_000
MAX_CONNECTIONS = 64
MAX_TEXT = 320  # an e-mail address or a path


@dataclass(frozen=True)
class SendJob:
    relay: str | None = None  # a name in the worker's configuration; None: its default
    recipients: str | None = None  # another list than the letter's (a path)
    languages: tuple[Language, ...] = ()
    groups: tuple[str, ...] = ()
    limit: int | None = None
    rate: str | None = None
    connections: int | None = None
    window: str | None = None  # HH:MM-HH:MM
    to_self: str | None = None  # one sample per language to this address
    resend_ambiguous: bool = False

    def __post_init__(self) -> None:
        check(self)

    def to_json(self) -> str:
        data = {**asdict(self), "languages": [lang.value for lang in self.languages]}
        data["groups"] = list(self.groups)
        return json.dumps({"version": VERSION, **data}, sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> SendJob:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise JobRequestError(f"the job's request is not JSON: {exc}") from exc
        if not isinstance(data, dict) or data.pop("version", None) != VERSION:
            raise JobRequestError(f"the job's request is not of version {VERSION}")
        names = {f.name for f in fields(cls)}
        if set(data) - names:
            raise JobRequestError(
                f"unknown fields in the job: {', '.join(sorted(set(data) - names))}"
            )
        return cls(**_typed(data))

    def describe(self) -> tuple[str, ...]:
        """The request as short words, for lists and the audit log (`relay main`, `lang fr`)."""
        words = [f"relay {self.relay or 'default'}"]
        simple = (
            ("recipients", self.recipients),
            ("limit", self.limit),
            ("rate", self.rate),
            ("connections", self.connections),
            ("window", self.window),
            ("to self", self.to_self),
        )
        words += [f"{name} {value}" for name, value in simple if value is not None]
        words += [f"lang {lang.value}" for lang in self.languages]
        words += [f"group {group}" for group in self.groups]
        return (*words, *(["resend ambiguous"] if self.resend_ambiguous else []))


def _typed(data: dict[str, Any]) -> dict[str, Any]:
    def strings(name: str) -> tuple[str, ...]:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise JobRequestError(f"{name}: a list of strings")
        return tuple(value)

    try:
        languages = tuple(Language(code) for code in strings("languages"))
    except ValueError as exc:
        raise JobRequestError(f"languages: {exc}") from exc
    return {**data, "languages": languages, "groups": strings("groups")}


def check(job: SendJob) -> None:
    """Every field of the right type and within its bounds, else JobRequestError."""
    patterns = (("relay", RELAY_NAME), ("window", WINDOW), ("rate", RATE))
    for name, pattern in patterns:
        value = getattr(job, name)
        if value is not None and (not isinstance(value, str) or not pattern.fullmatch(value)):
            raise JobRequestError(f"{name}: {str(value)[:40]!r} is not a valid {name}")
    for name in ("recipients", "to_self"):
        value = getattr(job, name)
        if value is not None and (not isinstance(value, str) or not 0 < len(value) <= MAX_TEXT):
            raise JobRequestError(f"{name}: a string of 1 to {MAX_TEXT} characters")
    for name, top in (("limit", MAX_LIMIT), ("connections", MAX_CONNECTIONS)):
        value = getattr(job, name)
        if value is not None and (type(value) is not int or not 1 <= value <= top):
            raise JobRequestError(f"{name}: an integer from 1 to {top:,}")
    if not all(isinstance(lang, Language) for lang in job.languages):
        raise JobRequestError("languages: language codes")
    if not all(isinstance(g, str) and GROUP.fullmatch(g) for g in job.groups):
        raise JobRequestError("groups: group keys of the letter")
    if type(job.resend_ambiguous) is not bool:
        raise JobRequestError("resend_ambiguous: true or false")


_VALUED = {
    "--recipients": "recipients",
    "--limit": "limit",
    "--rate": "rate",
    "--connections": "connections",
    "--window": "window",
    "--to-self": "to_self",
}


def from_arguments(options: Sequence[str]) -> SendJob:
    """A job an older missive stored as `send` arguments; JobRequestError for anything else.

    Its `--smtp` URL is dropped: relays are now the worker's, and such a job uses the
    worker's default relay.
    """
    found: dict[str, Any] = {"languages": [], "groups": []}
    items = iter(options)
    for option in items:
        if option == "--resend-ambiguous":
            found["resend_ambiguous"] = True
            continue
        value = next(items, None)
        if value is None:
            raise JobRequestError(f"the job's option {option[:40]!r} has no value")
        if option == "--smtp":
            continue
        if option in ("--lang", "--group"):
            found["languages" if option == "--lang" else "groups"].append(value)
        elif option in _VALUED:
            found[_VALUED[option]] = (
                _number(value) if option in ("--limit", "--connections") else value
            )
        else:
            raise JobRequestError(f"the job's option {option[:40]!r} is not one `schedule` writes")
    return SendJob(**_typed(found))


def _number(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise JobRequestError(f"{text[:20]!r} is not a whole number")
    return int(text)
