"""The e-mail per recipient: structure, encodings, determinism, injection guards, DKIM."""

from __future__ import annotations

import base64
import email
import email.policy
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from email.header import decode_header
from email.message import EmailMessage
from pathlib import Path

import pytest
from delivery_fixtures import BATCH_DATE, MAIL, TINY_PDF, composed, recipient
from hypothesis import given, settings
from hypothesis import strategies as st

from missive.deliver.message import (
    BuiltMessage,
    build_message,
    check_message,
    load_dkim_key,
    message_id_for,
)
from missive.errors import MessageError
from missive.model import ComposedLetter, Language, MailSettings


def build(person_kwargs: dict[str, object] | None = None, **composed_kwargs: str) -> BuiltMessage:
    kwargs: dict[str, object] = {"rid": "r1", "email": "ana@example.org"}
    kwargs.update(person_kwargs or {})
    person = recipient(**kwargs)  # type: ignore[arg-type]
    letter = composed(person, **composed_kwargs)
    return build_message(letter, TINY_PDF, mail=MAIL, batch_id="b1", date=BATCH_DATE)


def parse(built: BuiltMessage) -> EmailMessage:
    parsed = email.message_from_bytes(built.data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


NAMES = {
    Language.AR: "معالي السيد عبد الله بن أحمد المنصوري",
    Language.ZH: "王小明 部长阁下",
    Language.RU: "Его Превосходительство Сергей Иванович Петров",
    Language.ES: "Excma. Sra. María José Núñez",
}


@pytest.mark.parametrize("language", list(NAMES))
def test_names_subject_and_attachment_round_trip(language: Language) -> None:
    built = build(
        {"name": NAMES[language], "language": language},
        attachment_name=f"{NAMES[language]} – CMSI+20.pdf",
    )
    assert built.data.isascii()  # 7-bit: RFC 2047 / RFC 2231 everywhere
    parsed = parse(built)
    assert parsed["To"].addresses[0].display_name == NAMES[language]
    assert parsed["From"].addresses[0].display_name == MAIL.from_name[language]
    assert parsed["Subject"] == composed(recipient("x", "x@y.z", language=language)).cover.subject
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == f"{NAMES[language]} – CMSI+20.pdf"
    assert attachment.get_content() == TINY_PDF
    assert b"filename*" in built.data  # RFC 2231 parameter encoding


@pytest.mark.parametrize("language", [Language.AR, Language.ZH, Language.RU])
def test_long_subject_is_split_into_encoded_words_of_75_characters(language: Language) -> None:
    letter = composed(recipient("x", "x@y.z", language=language))
    subject = (letter.cover.subject + " ") * 4  # far past one encoded-word
    long_subject = replace(letter.cover, subject=subject.strip())
    built = build_message(
        replace(letter, cover=long_subject),
        TINY_PDF,
        mail=MAIL,
        batch_id="b",
        date=BATCH_DATE,
    )
    head = built.data.split(b"\r\n\r\n", 1)[0].decode("ascii")
    subject_field = head.split("\r\nSubject: ", 1)[1].split("\r\n")
    words = [line.strip() for line in subject_field if line.startswith(("=?", " =?"))]
    assert len(words) > 1
    assert all(word.startswith("=?utf-8?b?") and len(word) <= 75 for word in words)
    assert parse(built)["Subject"] == subject.strip()


def test_structure_and_fixed_headers() -> None:
    parsed = parse(build({"cc": ("a@example.org", "b@example.org")}))
    assert parsed.get_content_type() == "multipart/mixed"
    body, attachment = parsed.iter_parts()
    assert body.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]
    assert attachment.get_content_type() == "application/pdf"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Reply-To"].addresses[0].addr_spec == "wsis-info@itu.int"
    assert [a.addr_spec for a in parsed["Cc"].addresses] == ["a@example.org", "b@example.org"]
    assert parsed["Date"].datetime == BATCH_DATE
    assert parsed["Message-ID"] == message_id_for("b1", "r1", "wsis-info@itu.int")


def test_envelope_lists_addressee_then_cc() -> None:
    built = build({"cc": ("c@example.org",)})
    assert built.sender == "wsis-info@itu.int"
    assert built.recipients == ("ana@example.org", "c@example.org")
    assert not built.smtputf8


def test_same_inputs_same_bytes_and_id_per_batch_and_recipient() -> None:
    assert build().data == build().data
    a = message_id_for("batch-1", "r1", "x@itu.int")
    assert a == message_id_for("batch-1", "r1", "x@itu.int")
    assert a != message_id_for("batch-2", "r1", "x@itu.int")
    assert a != message_id_for("batch-1", "r2", "x@itu.int")
    assert a.startswith("<") and a.endswith("@itu.int>")


def test_internationalised_domain_is_written_as_idna() -> None:
    built = build({"email": "ana@bücher.example"})
    assert built.recipients == ("ana@xn--bcher-kva.example",)
    assert not built.smtputf8
    assert parse(built)["To"].addresses[0].domain == "xn--bcher-kva.example"


def test_non_ascii_local_part_needs_smtputf8() -> None:
    built = build({"email": "софия@пример.рф", "name": "София"})
    assert built.smtputf8
    assert built.recipients == ("софия@xn--e1afmkfd.xn--p1ai",)
    # RFC 6532: the headers are UTF-8 text, so they are read back as text.
    parsed = email.message_from_string(built.data.decode("utf-8"), policy=email.policy.default)
    assert parsed["To"].addresses[0].username == "софия"


@pytest.mark.parametrize(
    "field",
    [
        {"name": "Ana\r\nBcc: victim@example.org"},
        {"name": "Ana\nBcc: victim@example.org"},
        {"email": "ana@example.org\r\nBcc: victim@example.org"},
        {"cc": ("x@example.org\nBcc: victim@example.org",)},
    ],
)
def test_line_breaks_in_data_cannot_inject_a_header(field: dict[str, object]) -> None:
    with pytest.raises(MessageError) as caught:
        build(field)
    assert caught.value.recipient_id == "r1"


def test_line_break_in_attachment_name_is_refused() -> None:
    with pytest.raises(MessageError):
        build(attachment_name="a\r\nX-Evil: 1.pdf")


def test_subject_line_breaks_fold_into_one_header() -> None:
    parsed = parse(build(subject="Invitation\r\nBcc: victim@example.org\n27-31 May 2024"))
    assert parsed["Subject"] == "Invitation Bcc: victim@example.org 27-31 May 2024"
    assert parsed["Bcc"] is None


def display_name_as_written(built: BuiltMessage) -> str:
    """The To display name exactly as a decoder reads it from the bytes."""
    line = next(x for x in built.data.split(b"\r\n") if x.startswith(b"To: "))[4:].decode()
    if line.startswith("=?"):
        # decode_header gives the encoded-word's exact text; Python's address parser would
        # also collapse runs of whitespace (e.g. " \xa0") inside a display name.
        text, charset = decode_header(line)[0]
        assert isinstance(text, bytes) and charset == "utf-8"
        return text.decode("utf-8")
    return str(parse(built)["To"].addresses[0].display_name)


@settings(max_examples=100, deadline=None)
@given(
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\x85"),
        min_size=1,
        max_size=60,
    ).filter(lambda s: s == s.strip())
)
def test_any_display_name_is_written_exactly(name: str) -> None:
    assert display_name_as_written(build({"name": name})) == name


def test_encoded_word_is_never_glued_to_the_next_word() -> None:
    # Python's own folding wrote "=?utf-8?q?=5B_=C2=A0?=0" for this name: undecodable.
    built = build({"name": "[ \xa00"})
    assert b"To: =?utf-8?b?WyDCoDA=?= <ana@example.org>" in built.data
    assert display_name_as_written(built) == "[ \xa00"


def _dkim_key(folder: Path) -> tuple[Path, bytes]:
    key = folder / "dkim.pem"
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True, capture_output=True)
    public = subprocess.run(
        ["openssl", "rsa", "-in", str(key), "-pubout", "-outform", "DER"],
        check=True,
        capture_output=True,
    ).stdout
    return key, base64.b64encode(public)


def test_dkim_signature_verifies(tmp_path: Path) -> None:
    import dkim

    key_path, public = _dkim_key(tmp_path)
    mail = replace(MAIL, dkim_key_path=key_path, dkim_selector="missive")
    key = load_dkim_key(mail)
    assert key is not None and "PRIVATE" not in repr(key)
    person = recipient("r1", "ana@example.org", name="Ана")
    built = build_message(
        composed(person), TINY_PDF, mail=mail, batch_id="b", date=BATCH_DATE, dkim_key=key
    )
    assert built.data.startswith(b"DKIM-Signature:")

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"missive._domainkey.itu.int."
        return b"v=DKIM1; k=rsa; p=" + public

    assert dkim.verify(built.data, dnsfunc=dns)
    assert not dkim.verify(built.data.replace(b"ana@example.org", b"eve@example.org"), dnsfunc=dns)


# Values that `build_message` refuses, one rule or another, and some it takes: a line break,
# the separators only the email package refuses in a parameter (U+001C..U+001E), lone
# surrogates (from a template's or the YAML's escapes), a domain IDNA refuses, a non-ASCII
# local part, quotes and specials.
AWKWARD = (
    "",
    "a\nb",
    "a\x1cb",
    "\x1e",
    "ab \x1d",
    "a\ud800b",
    "a\udc80b",
    "x\u2028y",
    'Ana "la" García <x>',
    "=?utf-8?q?x?=",
    "\u200fمعالي",
    "é" * 120,
)


def message_outcome(check: bool, letter: object, mail: MailSettings) -> str:
    assert isinstance(letter, ComposedLetter)
    try:
        if check:
            check_message(letter, mail=mail)
        else:
            build_message(letter, TINY_PDF, mail=mail, batch_id="b", date=BATCH_DATE)
    except MessageError as error:
        assert error.recipient_id == letter.recipient.id
        return str(error)
    return "sent"


def awkward_messages() -> Iterator[tuple[str, ComposedLetter, MailSettings]]:
    for language in (Language.AR, Language.ES):
        letter = composed(recipient("r1", "ana@example.org", language=language))
        person, cover = letter.recipient, letter.cover
        for value in AWKWARD:
            yield "name", replace(letter, recipient=replace(person, name=value)), MAIL
            for address in (f"a{value}@example.org", f"ana@ex{value}.org"):
                yield "email", replace(letter, recipient=replace(person, email=address)), MAIL
                yield "cc", replace(letter, recipient=replace(person, cc=(address,))), MAIL
                yield "reply_to", letter, replace(MAIL, reply_to=address)
            for field in ("subject", "text", "html", "attachment_name"):
                yield field, replace(letter, cover=replace(cover, **{field: value})), MAIL
            yield "lang_tag", replace(letter, lang_tag=value), MAIL
            names = {lang: value for lang in MAIL.from_name}
            yield "from_name", letter, replace(MAIL, from_name=names)


def test_check_message_refuses_exactly_what_build_message_refuses() -> None:
    refused = 0
    for field, letter, mail in awkward_messages():
        expected = message_outcome(False, letter, mail)
        assert message_outcome(True, letter, mail) == expected, (field, letter)
        refused += expected != "sent"
    assert refused > 100
