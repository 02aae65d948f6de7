"""Hand-built values for the delivery tests, independent of load/compose/render."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from missive.model import (
    ComposedLetter,
    CoverNote,
    Gender,
    Group,
    Language,
    MailSettings,
    Recipient,
)

# The smallest PDF a reader accepts: enough to check that the attachment survives the trip.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

MAIL = MailSettings(
    from_address="wsis-info@itu.int",
    from_name={
        Language.AR: "أمانة القمة العالمية لمجتمع المعلومات",
        Language.ZH: "国际电联信息社会世界峰会秘书处",
        Language.EN: "ITU WSIS Secretariat",
        Language.FR: "Secrétariat du SMSI, UIT",
        Language.RU: "Секретариат ВВУИО, МСЭ",
        Language.ES: "Secretaría de la CMSI, UIT",
    },
    reply_to="wsis-info@itu.int",
)

BATCH_DATE = dt.datetime(2024, 2, 1, 9, 0, tzinfo=dt.UTC)

SUBJECTS = {
    Language.AR: "دعوة إلى الحدث الرفيع المستوى",
    Language.ZH: "邀请参加信息社会世界峰会",
    Language.EN: "Invitation to the WSIS+20 Forum High-Level Event",
    Language.FR: "Invitation à la Manifestation de haut niveau",
    Language.RU: "Приглашение на Мероприятие высокого уровня",
    Language.ES: "Invitación al Evento de Alto Nivel",
}


def recipient(
    rid: str,
    email: str,
    *,
    name: str = "Ana García",
    language: Language = Language.ES,
    group: Group = Group.GOVERNMENTS,
    cc: tuple[str, ...] = (),
) -> Recipient:
    return Recipient(
        id=rid,
        email=email,
        language=language,
        group=group,
        name=name,
        gender=Gender.FEMALE,
        position="Ministra",
        organization="Ministerio",
        country="ES",
        cc=cc,
    )


def composed(
    person: Recipient,
    *,
    subject: str | None = None,
    attachment_name: str = "Invitación CMSI+20.pdf",
) -> ComposedLetter:
    language = person.language
    cover = CoverNote(
        subject=subject if subject is not None else SUBJECTS[language],
        text=f"{person.name},\n\nPlease find the letter attached.\n",
        html=f"<p>{person.name},</p><p>Please find the letter attached.</p>",
        attachment_name=attachment_name,
    )
    return ComposedLetter(
        recipient=person,
        language=language,
        locale=language.value,
        lang_tag=language.value,
        organization="ITU",
        date_text="31 January 2024",
        reference="REF/0001",
        header_fields=(),
        addressee=(),
        distribution_heading="",
        distribution=(),
        subject=subject or "Subject",
        salutation="Dear",
        body=(),
        closing="Yours",
        signatories=(),
        page_label="Page {page}",
        cover=cover,
    )


def people(count: int, domain: str = "example.org") -> list[Recipient]:
    languages = list(Language)
    return [
        recipient(f"r{i:05d}", f"user{i}@{domain}", language=languages[i % len(languages)])
        for i in range(count)
    ]


def write_pdf(folder: Path) -> Path:
    path = folder / "letter.pdf"
    path.write_bytes(TINY_PDF)
    return path
