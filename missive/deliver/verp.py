"""VERP bounce addresses: an envelope sender that says which message came back.

With `mail.bounce_address: bounces@example.org` each message goes out with the envelope sender
`bounces+<digest>-<mac>@example.org`. Relays send their delivery status notifications to the
envelope sender, so the address a notification arrives at names the message, even when the
notification quotes nothing of it. `<digest>` is the digest in the message's Message-ID (the
journal finds the batch and the recipient by it) and `<mac>` an HMAC of batch, recipient and
Message-ID under a key kept in the journal's file: nobody without the journal can make an
address that marks a recipient bounced. Both parts are lower-case hex, which survives relays
that change the case of local parts.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
from dataclasses import dataclass

from missive.deliver.message import split_address
from missive.errors import JournalError, MessageError

DIGEST_CHARS = 20
MAC_CHARS = 16
_TOKEN = re.compile(
    rf"^(?P<base>.+)\+(?P<digest>[0-9a-f]{{{DIGEST_CHARS}}})-(?P<mac>[0-9a-f]{{{MAC_CHARS}}})$"
)
_MESSAGE_ID_DIGEST = re.compile(r"^<(?P<digest>[0-9a-f]+)@")


@dataclass(frozen=True)
class VerpToken:
    digest: str  # the start of the Message-ID's digest
    mac: str


def verp_key(conn: sqlite3.Connection) -> bytes:
    """The journal's VERP key, made (32 random bytes) the first time it is asked for."""
    try:
        conn.execute(
            "INSERT INTO verp_key (id, key) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
            (secrets.token_bytes(32),),
        )
        row = conn.execute("SELECT key FROM verp_key WHERE id = 1").fetchone()
    except sqlite3.Error as exc:
        raise JournalError(f"cannot read the bounce address key: {exc}") from exc
    return bytes(row[0])


def mac_for(key: bytes, batch_id: str, recipient_id: str, message_id: str) -> str:
    text = "\x00".join((batch_id, recipient_id, message_id)).encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()[:MAC_CHARS]


def verp_address(
    bounce_address: str, *, key: bytes, batch_id: str, recipient_id: str, message_id: str
) -> str:
    """The envelope sender for one message, e.g. bounces+3fa9...-9be0...@example.org."""
    local, domain = split_address(bounce_address)
    if not local.isascii():
        raise MessageError(f"mail.bounce_address must be ASCII: {bounce_address!r}")
    found = _MESSAGE_ID_DIGEST.match(message_id)
    if found is None or len(found["digest"]) < DIGEST_CHARS:
        raise MessageError(f"no digest in the Message-ID {message_id!r}")
    digest = found["digest"][:DIGEST_CHARS]
    mac = mac_for(key, batch_id, recipient_id, message_id)
    return f"{local}+{digest}-{mac}@{domain}"


def read_token(address: str) -> VerpToken | None:
    """The token of a VERP address, or None if the address carries none."""
    local, _, _ = address.strip().strip("<>").rpartition("@")
    found = _TOKEN.match(local.lower())
    return VerpToken(found["digest"], found["mac"]) if found else None


def digest_prefix(message_id: str) -> str | None:
    """The part of a Message-ID a VERP token carries, to look the delivery up by."""
    found = _MESSAGE_ID_DIGEST.match(message_id)
    return found["digest"][:DIGEST_CHARS] if found else None
