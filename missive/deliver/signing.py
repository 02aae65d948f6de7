"""DKIM: the key a letter signs with, and the signature put in front of a built message."""

from __future__ import annotations

from dataclasses import dataclass, field

from missive.errors import MessageError

# The headers a receiver shows or threads by; a relay that rewrites one breaks the signature,
# which is what a receiver should learn.
SIGNED_HEADERS = (
    b"from",
    b"reply-to",
    b"to",
    b"cc",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"content-type",
    b"auto-submitted",
)


@dataclass(frozen=True)
class DkimKey:
    """A DKIM private key; its repr never shows the key."""

    selector: str
    domain: str
    private_key: bytes = field(repr=False)


def dkim_signed(data: bytes, key: DkimKey) -> bytes:
    """`data` (CRLF lines) with its DKIM-Signature header in front."""
    # Only letters that sign pay for loading dkimpy, which loads dnspython's resolver
    # (0.1-0.3 s); whether a letter signs is in its YAML, which no command line reads.
    import dkim  # noqa: PLC0415

    try:
        signature: bytes = dkim.sign(
            data,
            key.selector.encode("ascii"),
            key.domain.encode("ascii"),
            key.private_key,
            include_headers=list(SIGNED_HEADERS),
            linesep=b"\r\n",
        )
    except dkim.DKIMException as exc:
        raise MessageError(f"DKIM signing failed: {exc}") from exc
    return signature + data
