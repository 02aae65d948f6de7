"""The e-mail that carries one recipient's letter: MIME structure, headers, optional DKIM.

Decisions:
- Display names, subjects and the attachment name are encoded per RFC 2047 / RFC 2231 so the
  message stays 7-bit and passes any relay.
- A domain is always written in its IDNA (A-label) form. An address whose *local part* is not
  ASCII cannot be written in 7-bit at all, so such a message is built under RFC 6532 (UTF-8
  headers) and must travel with SMTPUTF8; `BuiltMessage.smtputf8` tells the sender.
- The Message-ID is a hash of (batch, recipient): a retry, or a re-run of the same batch,
  carries the same id, so receivers and the journal can recognise a duplicate.
- The Date is the moment the message is spooled; the spooled bytes are what is sent, every time.
- MIME boundaries are derived from the Message-ID so building twice gives the same bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.policy
import hashlib
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

import idna

from missive.deliver.signing import DkimKey, dkim_signed
from missive.errors import MessageError
from missive.model import ComposedLetter, Language, MailSettings
from missive.storage import reuse

# Characters that would end or fold a header line if they reached one.
_FORBIDDEN = frozenset("\r\n\x00\x0b\x0c\x85\u2028\u2029")

# Bodies are 7-bit (base64 or quoted-printable, 76-column lines) so any relay carries them;
# they are encoded under the 78-column policy. Headers are then written under a 998-column
# policy: folding inside an encoded display name makes common parsers (Python's email package
# among them) insert a space into the name, so each name stays one encoded-word.
_BODY_POLICY = email.policy.SMTP.clone(cte_type="7bit")
_POLICY = _BODY_POLICY.clone(max_line_length=998)
_UTF8_POLICY = email.policy.SMTPUTF8.clone(cte_type="7bit", max_line_length=998)

# ValueError and TypeError are the email package's own refusals.
_REFUSALS = (MessageError, ValueError, TypeError)
# What `check_message` builds when it must build a message whole: no batch or date yet.
TRIAL_BATCH = "check"
TRIAL_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)

# Any run of white space, line breaks included, but the no-break spaces.
_BREAKABLE_SPACE = re.compile(r"[^\S\u00a0\u202f]+")


@dataclass(frozen=True)
class BuiltMessage:
    data: bytes  # CRLF line endings, ready for DATA
    message_id: str  # with angle brackets
    sender: str  # envelope MAIL FROM
    recipients: tuple[str, ...]  # envelope RCPT TO: the addressee first, then the cc
    smtputf8: bool


def load_dkim_key(mail: MailSettings) -> DkimKey | None:
    """Read the letter's DKIM key once per batch, or None when the letter does not sign."""
    if mail.dkim_key_path is None:
        return None
    if not mail.dkim_selector:
        raise MessageError("mail.dkim_key_path is set but mail.dkim_selector is not")
    try:
        key = Path(mail.dkim_key_path).read_bytes()
    except OSError as exc:
        raise MessageError(f"cannot read the DKIM key {mail.dkim_key_path}: {exc}") from exc
    domain = split_address(mail.from_address)[1]
    return DkimKey(selector=mail.dkim_selector, domain=domain, private_key=key)


def message_id_for(batch_id: str, recipient_id: str, from_address: str, revision: int = 0) -> str:
    """`revision` counts address corrections: the message to a corrected address is a new
    message, so a late bounce quoting the old Message-ID never lands on the new one."""
    key = f"{batch_id}\x00{recipient_id}" + (f"\x00{revision}" if revision else "")
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{split_address(from_address)[1]}>"


def split_address(address: str) -> tuple[str, str]:
    """(local part, IDNA domain) of an address; the local part is kept as written."""
    _guard(address, "address")
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        raise MessageError(f"not an e-mail address: {address!r}")
    try:
        ascii_domain = _ascii_domain(domain)
    except idna.IDNAError as exc:
        raise MessageError(f"invalid internationalised domain in {address!r}: {exc}") from exc
    return local, ascii_domain


@reuse.memo(maxsize=4096)  # a list's addresses share a few thousand domains at most
def _ascii_domain(domain: str) -> str:
    return idna.encode(domain, uts46=True).decode("ascii")


def build_message(
    composed: ComposedLetter,
    pdf: bytes,
    *,
    mail: MailSettings,
    batch_id: str,
    date: dt.datetime,
    dkim_key: DkimKey | None = None,
    revision: int = 0,
) -> BuiltMessage:
    recipient = composed.recipient
    try:
        message_id = message_id_for(batch_id, recipient.id, mail.from_address, revision)
        return _build(composed, pdf, mail=mail, message_id=message_id, date=date, dkim_key=dkim_key)
    except _REFUSALS as exc:
        raise MessageError(str(exc), recipient_id=recipient.id) from exc


def check_message(composed: ComposedLetter, *, mail: MailSettings) -> None:
    """Raise the `MessageError` that `build_message` would raise for `composed`, if any,
    without building the message (`check` asks this of every recipient).

    The header rules are `build_message`'s own (`_envelope`). What else refuses a message
    is the email package's: a Content-Disposition or Content-Language value it cannot
    write, tried on a part of its own once per distinct value (they are the same for a
    whole language), and text that no codec writes (a lone surrogate, which only a
    template or the letter's YAML can produce), for which the message is built whole, so
    that the refusal is the very one `send` would meet.
    """
    recipient = composed.recipient
    try:
        _envelope(composed, mail)
        if _writable(composed, mail):
            _try_attachment_name(composed.cover.attachment_name)
            _try_lang_tag(composed.lang_tag)
        else:
            message_id = message_id_for(TRIAL_BATCH, recipient.id, mail.from_address)
            _build(composed, b"", mail=mail, message_id=message_id, date=TRIAL_DATE, dkim_key=None)
    except _REFUSALS as exc:
        raise MessageError(str(exc), recipient_id=recipient.id) from exc


@dataclass(frozen=True)
class _Envelope:
    """A message's addresses and subject, each refused here if no header can carry it."""

    sender: Address
    to: Address
    cc: tuple[Address, ...]
    reply_to: Address | None
    subject: str
    smtputf8: bool


def _envelope(composed: ComposedLetter, mail: MailSettings) -> _Envelope:
    recipient = composed.recipient
    from_name = _localized_name(mail, composed.language)
    sender = _address(from_name, mail.from_address)
    to = _address(recipient.name, recipient.email)
    cc = tuple(_address("", a) for a in recipient.cc)
    reply_to = _address(from_name, mail.reply_to) if mail.reply_to else None
    everyone = (sender, to, *cc, *((reply_to,) if reply_to else ()))
    smtputf8 = any(not a.username.isascii() for a in everyone)
    subject = _one_line(composed.cover.subject)
    return _Envelope(sender, to, cc, reply_to, subject, smtputf8)


def _writable(composed: ComposedLetter, mail: MailSettings) -> bool:
    """Whether every text of the message can be written as UTF-8 (no lone surrogate)."""
    recipient, cover = composed.recipient, composed.cover
    texts = (
        _localized_name(mail, composed.language),
        mail.from_address,
        mail.reply_to or "",
        recipient.name,
        recipient.email,
        *recipient.cc,
        cover.subject,
        cover.text,
        cover.html,
        cover.attachment_name,
        composed.lang_tag,
    )
    try:
        for text in texts:
            text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@reuse.memo(maxsize=256)
def _try_attachment_name(name: str) -> None:
    _attach(EmailMessage(policy=_BODY_POLICY), b"", name)


@reuse.memo(maxsize=256)
def _try_lang_tag(lang_tag: str) -> None:
    _label(EmailMessage(policy=_BODY_POLICY), lang_tag)


def _build(
    composed: ComposedLetter,
    pdf: bytes,
    *,
    mail: MailSettings,
    message_id: str,
    date: dt.datetime,
    dkim_key: DkimKey | None,
) -> BuiltMessage:
    envelope = _envelope(composed, mail)
    sender, to, cc, reply_to = envelope.sender, envelope.to, envelope.cc, envelope.reply_to
    smtputf8, subject = envelope.smtputf8, envelope.subject
    policy = _UTF8_POLICY if smtputf8 else _POLICY

    msg = EmailMessage(policy=_BODY_POLICY)
    for name, value in (("From", sender), ("Reply-To", reply_to), ("To", to)):
        if value is not None:
            msg[name] = value
    if cc:
        msg["Cc"] = cc
    _add_headers(msg, subject=subject, date=date, message_id=message_id)
    _add_body(msg, composed, pdf)
    _fix_boundaries(msg, message_id)
    data = msg.as_bytes(policy=policy)
    if not smtputf8:
        addresses = {"From": (sender,), "Reply-To": (reply_to,) if reply_to else (), "To": (to,)}
        data = _rewrite_headers(
            data, {**addresses, "Cc": cc}, subject=None if subject.isascii() else subject
        )
    if dkim_key is not None:
        data = dkim_signed(data, dkim_key)
    recipients = (_envelope_address(to), *(_envelope_address(a) for a in cc))
    return BuiltMessage(
        data=data,
        message_id=message_id,
        sender=_envelope_address(sender),
        recipients=recipients,
        smtputf8=smtputf8,
    )


def _add_headers(msg: EmailMessage, *, subject: str, date: dt.datetime, message_id: str) -> None:
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"


def _add_body(msg: EmailMessage, composed: ComposedLetter, pdf: bytes) -> None:
    msg.set_content(composed.cover.text, subtype="plain", charset="utf-8")
    msg.add_alternative(composed.cover.html, subtype="html", charset="utf-8")
    _attach(msg, pdf, composed.cover.attachment_name)
    # After the body: set_content() clears every Content-* header.
    _label(msg, composed.lang_tag)


def _attach(msg: EmailMessage, pdf: bytes, name: str) -> None:
    msg.add_attachment(
        pdf, maintype="application", subtype="pdf", filename=_guarded(name, "attachment name")
    )


def _label(msg: EmailMessage, lang_tag: str) -> None:
    msg["Content-Language"] = _guarded(lang_tag, "lang_tag")


def _encoded_address(address: Address) -> str:
    """One address with its display name as a single RFC 2047 encoded-word when not ASCII.

    Python's generator may end an encoded-word right against the next atom ("=?..?=0"),
    which no parser decodes; a whole-name encoded-word always reads back exactly.
    """
    spec = address.addr_spec
    name = address.display_name
    if not name:
        return spec
    if name.isascii():
        return formataddr((name, spec))
    encoded = base64.b64encode(name.encode("utf-8")).decode("ascii")
    return f"=?utf-8?b?{encoded}?= <{spec}>"


def _encoded_words(text: str) -> str:
    """RFC 2047 encoded-words of at most 75 characters, each holding whole characters.

    Long localised subjects (Arabic, Chinese, Russian) would otherwise become one encoded-word
    of hundreds of characters, which the RFC forbids and some relays truncate. Only
    unstructured headers are split: parsers join adjacent encoded-words there, but some put a
    space between them inside a display name.
    """
    words: list[str] = []
    chunk = ""
    for character in text:
        # 45 bytes of UTF-8 give 60 base64 characters: 60 + len("=?utf-8?b??=") <= 75.
        if chunk and len((chunk + character).encode("utf-8")) > 45:
            words.append(chunk)
            chunk = ""
        chunk += character
    words.append(chunk)
    encoded = (base64.b64encode(w.encode("utf-8")).decode("ascii") for w in words if w)
    return "\r\n ".join(f"=?utf-8?b?{word}?=" for word in encoded)


def _rewrite_headers(
    data: bytes, headers: dict[str, tuple[Address, ...]], *, subject: str | None = None
) -> bytes:
    """Replace the generator's address fields, and a non-ASCII Subject, with our own forms."""
    head, separator, body = data.partition(b"\r\n\r\n")
    fields: list[list[bytes]] = []
    for line in head.split(b"\r\n"):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1].append(line)  # a folded continuation of the previous field
        else:
            fields.append([line])
    out: list[bytes] = []
    for field_lines in fields:
        name = field_lines[0].split(b":", 1)[0].decode("ascii")
        if headers.get(name):
            value = ", ".join(_encoded_address(a) for a in headers[name])
            out.append(f"{name}: {value}".encode("ascii"))
        elif name == "Subject" and subject is not None:
            out.append(f"Subject: {_encoded_words(subject)}".encode("ascii"))
        else:
            out.extend(field_lines)
    return b"\r\n".join(out) + separator + body


def _localized_name(mail: MailSettings, language: Language) -> str:
    names = mail.from_name
    if language in names:
        return names[language]
    if Language.EN in names:
        return names[Language.EN]
    return next(iter(names.values()), "")


def _address(display_name: str, address: str) -> Address:
    local, domain = split_address(address)
    return Address(
        display_name=_guarded(display_name, "display name"), username=local, domain=domain
    )


def _envelope_address(address: Address) -> str:
    return f"{address.username}@{address.domain}"


def _guard(value: str, what: str) -> None:
    bad = _FORBIDDEN.intersection(value)
    if bad:
        shown = ", ".join(f"U+{ord(c):04X}" for c in sorted(bad))
        raise MessageError(f"{what} contains a line break or control character ({shown})")


def _guarded(value: str, what: str) -> str:
    _guard(value, what)
    return value


def _one_line(subject: str) -> str:
    # The letter's subject may span lines by design (a template's line break); in a header
    # any break is folded into one space, so no text can start a header of its own. The
    # no-break spaces of French typography ("Rappel\u00a0:") are kept: they break nothing.
    return _BREAKABLE_SPACE.sub(" ", subject.replace("\x00", " ")).strip(" ")


def _fix_boundaries(msg: EmailMessage, message_id: str) -> None:
    seed = hashlib.sha256(message_id.encode()).hexdigest()[:24]
    for index, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"=_missive_{seed}_{index}")
