"""The mailboxes bounces come back to: a Maildir, an mbox file, or an IMAP folder.

Each is read without changing it (IMAP with BODY.PEEK, so nothing is marked read); a message
is moved out only when asked (`--move-processed`), copied to the destination before it is
removed from the source, so a crash in between leaves a duplicate (harmless: recording is
idempotent), never a lost notice. IMAP credentials come from the environment only, and no
error names them.
"""

from __future__ import annotations

import imaplib
import mailbox
import ssl
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from missive.errors import MailboxError

IMAP_USERNAME = "MISSIVE_IMAP_USERNAME"
IMAP_PASSWORD = "MISSIVE_IMAP_PASSWORD"
IMAPS_PORT = 993


class MailboxKind(StrEnum):
    MAILDIR = "maildir"
    MBOX = "mbox"
    IMAP = "imap"


@dataclass(frozen=True)
class MailboxSpec:
    kind: MailboxKind
    location: str  # a folder, a file, or an imaps:// URL


@dataclass(frozen=True)
class ImapCredentials:
    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class StoredMessage:
    key: str
    data: bytes


class Mailbox(Protocol):
    description: str  # safe to print: never a credential

    def messages(self) -> Iterator[StoredMessage]: ...

    def move(self, key: str, folder: str) -> None: ...

    def close(self) -> None: ...


def imap_credentials(environ: Mapping[str, str]) -> ImapCredentials:
    username = environ.get(IMAP_USERNAME, "")
    password = environ.get(IMAP_PASSWORD, "")
    if not username or not password:
        raise MailboxError(f"IMAP needs {IMAP_USERNAME} and {IMAP_PASSWORD} in the environment")
    return ImapCredentials(username, password)


class MaildirBox:
    """A Maildir; processed messages move to its Maildir++ subfolder `.FOLDER`."""

    def __init__(self, path: Path) -> None:
        if not (path / "cur").is_dir() or not (path / "new").is_dir():
            raise MailboxError(f"not a Maildir (no cur/ and new/): {path}")
        self.description = f"Maildir {path}"
        self._box = mailbox.Maildir(path, create=False)

    def messages(self) -> Iterator[StoredMessage]:
        for key in sorted(self._box.keys()):
            try:
                yield StoredMessage(key, self._box.get_bytes(key))
            except KeyError:
                continue  # taken by another reader meanwhile

    def move(self, key: str, folder: str) -> None:
        try:
            target = self._box.add_folder(folder)
            target.add(self._box.get_bytes(key))
            self._box.remove(key)
        except (OSError, KeyError, mailbox.Error) as exc:
            raise MailboxError(f"{self.description}: cannot move {key} to {folder}: {exc}") from exc

    def close(self) -> None:
        self._box.close()


class MboxBox:
    """An mbox file; processed messages move to the mbox file FOLDER (beside it if relative)."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise MailboxError(f"no mbox file at {path}")
        self.description = f"mbox {path}"
        self._path = path
        self._box = mailbox.mbox(path, create=False)
        self._moves: dict[str, list[str]] = {}
        self._keys: dict[str, str] = {}

    def messages(self) -> Iterator[StoredMessage]:
        # mbox keys are numbers at run time (typeshed says str): keep the originals.
        self._keys = {str(key): key for key in self._box.iterkeys()}
        for name, key in self._keys.items():
            yield StoredMessage(name, self._box.get_bytes(key))

    def move(self, key: str, folder: str) -> None:
        # An mbox is rewritten to remove a message: all moves are done once, at close.
        self._moves.setdefault(folder, []).append(key)

    def close(self) -> None:
        try:
            if self._moves:
                self._apply_moves()
        except (OSError, KeyError, mailbox.Error) as exc:
            raise MailboxError(
                f"{self.description}: cannot move processed messages: {exc}"
            ) from exc
        finally:
            self._box.close()

    def _apply_moves(self) -> None:
        self._box.lock()
        try:
            for folder, keys in self._moves.items():
                target = mailbox.mbox(self._path.parent / folder, create=True)
                target.lock()
                try:
                    for key in keys:
                        target.add(self._box.get_bytes(self._keys[key]))
                    target.flush()
                finally:
                    target.unlock()
                    target.close()
            for keys in self._moves.values():
                for key in keys:
                    self._box.remove(self._keys[key])
            self._box.flush()
        finally:
            self._box.unlock()


@dataclass(frozen=True)
class ImapAddress:
    host: str
    port: int
    folder: str


def parse_imap_url(url: str) -> ImapAddress:
    """imaps://host[:port]/FOLDER; credentials in the URL are refused (the URL gets printed)."""
    parts = urlsplit(url)
    if parts.scheme != "imaps":
        raise MailboxError("--imap takes imaps://host[:port]/FOLDER (TLS only)")
    if "@" in parts.netloc:
        raise MailboxError(
            f"--imap: no credentials in the URL; set {IMAP_USERNAME} and {IMAP_PASSWORD}"
        )
    try:
        port = parts.port or IMAPS_PORT
    except ValueError as exc:
        raise MailboxError(f"--imap: bad port in {url}") from exc
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    if not parts.hostname or not folder.isascii():
        raise MailboxError(f"--imap: a host and an ASCII folder name are needed: {url}")
    return ImapAddress(parts.hostname, port, folder)


class ImapBox:
    """An IMAP folder over TLS; processed messages move with UID MOVE (or COPY + delete)."""

    def __init__(self, conn: imaplib.IMAP4, address: ImapAddress, secrets: tuple[str, ...]):
        self._conn = conn
        self._address = address
        self._secrets = secrets
        self._deleted = False
        self._created: set[str] = set()
        self.description = f"IMAP {address.host}:{address.port}/{address.folder}"

    @classmethod
    def connect(
        cls, url: str, credentials: ImapCredentials, context: ssl.SSLContext | None = None
    ) -> ImapBox:
        address = parse_imap_url(url)
        secrets = (credentials.password, credentials.username)
        where = f"IMAP {address.host}:{address.port}"
        try:
            conn = imaplib.IMAP4_SSL(
                address.host,
                address.port,
                ssl_context=context or ssl.create_default_context(),
                timeout=60,
            )
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"{where}: cannot connect: {_scrub(exc, secrets)}") from None
        box = cls(conn, address, secrets)
        try:
            box._call("login", lambda: conn.login(credentials.username, credentials.password))
            box._call("select", lambda: conn.select(_quoted(address.folder)))
        except MailboxError:
            box.close()
            raise
        return box

    def messages(self) -> Iterator[StoredMessage]:
        _, data = self._call("search", lambda: self._conn.uid("SEARCH", "ALL"))
        for uid in (data[0] or b"").split():
            body = self._fetch(uid.decode("ascii"))
            if body is not None:
                yield StoredMessage(uid.decode("ascii"), body)

    def _fetch(self, uid: str) -> bytes | None:
        _, parts = self._call("fetch", lambda: self._conn.uid("FETCH", uid, "(BODY.PEEK[])"))
        body = next((p[1] for p in parts if isinstance(p, tuple)), None)
        return body if isinstance(body, bytes) else None

    def move(self, key: str, folder: str) -> None:
        target = _quoted(folder)
        self._ensure_folder(target)
        if b"MOVE" in self._capabilities():
            self._call("move", lambda: self._conn.uid("MOVE", key, target))
            return
        self._call("copy", lambda: self._conn.uid("COPY", key, target))
        self._call("store", lambda: self._conn.uid("STORE", key, "+FLAGS", r"(\Deleted)"))
        self._deleted = True

    def _ensure_folder(self, target: str) -> None:
        if target in self._created:
            return
        try:
            self._conn.create(target)  # NO when it exists already: that is fine
        except (OSError, imaplib.IMAP4.error) as exc:
            problem = _scrub(exc, self._secrets)
            raise MailboxError(f"{self.description}: create failed: {problem}") from None
        self._created.add(target)

    def close(self) -> None:
        try:
            if self._deleted:
                self._call("expunge", self._conn.expunge)
            self._conn.logout()
        except (OSError, imaplib.IMAP4.error):
            pass  # the session is over either way; nothing is lost by a failed logout

    def _capabilities(self) -> tuple[bytes, ...]:
        return tuple(c.encode() if isinstance(c, str) else c for c in self._conn.capabilities)

    def _call(self, what: str, action: Callable[[], tuple[str, Any]]) -> tuple[str, list[Any]]:
        try:
            kind, data = action()
        except (OSError, imaplib.IMAP4.error) as exc:
            # `from None`: the library's exception may carry the command line sent (LOGIN).
            problem = _scrub(exc, self._secrets)
            raise MailboxError(f"{self.description}: {what} failed: {problem}") from None
        if kind != "OK":
            said = b" ".join(d for d in data if isinstance(d, bytes)).decode("utf-8", "replace")
            raise MailboxError(f"{self.description}: {what} refused: {_scrub(said, self._secrets)}")
        return kind, list(data)


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _scrub(problem: object, secrets: tuple[str, ...]) -> str:
    text = str(problem)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text
