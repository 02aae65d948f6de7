"""The one exception tree of missive.

Every error raised on purpose by missive derives from `MissiveError` and carries
structured fields; only `missive.cli` turns them into messages for people.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in the secretariat's input (1-based line and column)."""

    path: Path
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class MissiveError(Exception):
    """Root of every error missive raises on purpose."""


class InputError(MissiveError):
    """Bad input: carries every problem found, so they are reported all at once."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems)))
        super().__init__("\n".join(str(p) for p in self.problems))


class CoverageError(MissiveError):
    """A character of a letter has no glyph in the font of that letter's language."""

    def __init__(self, recipient_id: str, field: str, character: str, font: str) -> None:
        self.recipient_id = recipient_id
        self.field = field
        self.character = character
        self.font = font
        super().__init__(
            f"recipient {recipient_id}: field {field}: character {character!r} "
            f"(U+{ord(character):04X}) has no glyph in font {font}"
        )


class RenderError(MissiveError):
    """A PDF could not be produced."""


class DeliveryError(MissiveError):
    """An SMTP exchange failed; `transient` says whether a later retry may succeed."""

    def __init__(
        self,
        message: str,
        *,
        recipient_id: str | None = None,
        code: int | None = None,
        transient: bool = False,
    ) -> None:
        self.recipient_id = recipient_id
        self.code = code
        self.transient = transient
        super().__init__(message)


class AuthenticationError(DeliveryError):
    """The relay refused our credentials: the whole batch pauses."""


class JournalError(MissiveError):
    """The send journal is unusable or inconsistent."""


class ApprovalError(MissiveError):
    """A batch is not approved, at the current hash, for every language it sends.

    `missing` lists languages nobody approved at that hash, `changed` maps a language
    approved earlier to the input files that changed since, `rejected` the languages
    a reviewer rejected at that hash.
    """

    def __init__(
        self,
        message: str,
        *,
        batch_hash: str = "",
        missing: tuple[str, ...] = (),
        changed: Mapping[str, tuple[str, ...]] | None = None,
        rejected: tuple[str, ...] = (),
    ) -> None:
        self.batch_hash = batch_hash
        self.missing = missing
        self.changed: Mapping[str, tuple[str, ...]] = dict(changed or {})
        self.rejected = rejected
        super().__init__(message)


class StaleHashError(MissiveError):
    """A decision names a language hash that is not the language's current one: the letter
    changed since the reviewer saw it (`changed`: the files, and the PDFs, that differ), or
    the language is still being rendered (`current_hash` is then None)."""

    def __init__(
        self,
        message: str,
        *,
        language: str,
        seen_hash: str,
        current_hash: str | None,
        changed: tuple[str, ...] = (),
    ) -> None:
        self.language = language
        self.seen_hash = seen_hash
        self.current_hash = current_hash
        self.changed = changed
        super().__init__(message)


class ScheduleError(MissiveError):
    """A scheduled job cannot be stored, found or changed as asked."""


class JobRequestError(ScheduleError):
    """What a job asks for is not valid: a bad rate, window, relay name, group or number."""


class MessageError(MissiveError):
    """A recipient's e-mail cannot be built safely (e.g. a line break in a header value)."""

    def __init__(self, message: str, *, recipient_id: str | None = None) -> None:
        self.recipient_id = recipient_id
        super().__init__(message)


class AccessError(MissiveError):
    """People and permissions: an unknown or duplicate user, a bad password or role."""


class LoginRefusedError(AccessError):
    """Wrong user name or password, or a disabled account (one message for all three)."""

    def __init__(self) -> None:
        super().__init__("wrong user name or password")


class LoginThrottledError(AccessError):
    """Too many failed logins for this user name or address; `retry_after` in seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed attempts: try again in {retry_after} s")


class PermissionDeniedError(AccessError):
    """The actor's role (or languages) does not allow the action."""

    def __init__(self, actor: str, action: str, language: str | None = None) -> None:
        self.actor = actor
        self.action = action
        self.language = language
        where = f" for {language}" if language else ""
        super().__init__(f"{actor} may not {action}{where}")


class NotFoundError(MissiveError):
    """No such letter, language, recipient, page or job in this workspace."""


class MailboxError(MissiveError):
    """A mailbox cannot be opened, read or changed; the message never names a credential."""


class SelectionError(MissiveError):
    """A selection names something the letter does not have (e.g. `--group` of another letter)."""

    def __init__(self, unknown_groups: tuple[str, ...], known_groups: tuple[str, ...]) -> None:
        self.unknown_groups = unknown_groups
        self.known_groups = known_groups
        known = ", ".join(known_groups) if known_groups else "none (the letter has no groups:)"
        super().__init__(
            f"unknown group {', '.join(repr(g) for g in unknown_groups)}; "
            f"the letter's groups are {known}"
        )
