"""Values that flow along the pipeline: load -> compose -> render -> deliver.

Everything here is immutable and free of third-party types, so each stage can be
tested on values built by hand.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Language(StrEnum):
    """The six official languages of the United Nations."""

    AR = "ar"
    ZH = "zh"
    EN = "en"
    FR = "fr"
    RU = "ru"
    ES = "es"

    @property
    def is_rtl(self) -> bool:
        return self is Language.AR


class Group(StrEnum):
    """The built-in stakeholder groups, named in the catalogs of every language.

    A letter may list them in `groups:` or define its own keys with `group_names:`; a
    recipient's group is a plain key (`str`) either way.
    """

    GOVERNMENTS = "governments"
    PRIVATE_SECTOR = "private-sector"
    CIVIL_SOCIETY = "civil-society"
    ACADEMIA = "academia"
    INTERNATIONAL_ORGANIZATIONS = "international-organizations"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    UNSPECIFIED = "unspecified"


class Honorific(StrEnum):
    """How a recipient is styled, as a protocol list records it. What is printed before
    the name, the salutation and the closing are the catalogs' ("H.E. Mr", "S. E. M.",
    "معالي السيد", "阁下"; "Excellency,", "Monsieur le Ministre,", "صاحب المعالي،")."""

    EXCELLENCY = "excellency"  # styled His or Her Excellency (Arabic: سعادة)
    MINISTER = "minister"  # a minister, styled Excellency (Arabic: معالي)
    AMBASSADOR = "ambassador"  # an ambassador or permanent representative, styled Excellency
    DOCTOR = "doctor"
    PROFESSOR = "professor"


class Voice(StrEnum):
    """The person a letter is written in ("I have the honour", "We are pleased"): its
    closing agrees with it ("ma/notre haute considération")."""

    SINGULAR = "singular"
    PLURAL = "plural"


class LetterKind(StrEnum):
    """A circular goes to every stakeholder alike; a personal letter names its addressee."""

    CIRCULAR = "circular"
    PERSONAL = "personal"


class PageSize(StrEnum):
    A4 = "A4"
    LETTER = "Letter"


# Text given once per language, e.g. {Language.ES: "Ginebra (Suiza)", ...}.
Localized = Mapping[Language, str]


@dataclass(frozen=True)
class Recipient:
    id: str
    email: str
    language: Language
    group: str  # a key of the letter's groups; "" when the letter has no distribution list
    name: str
    gender: Gender
    position: str
    organization: str
    country: str  # ISO 3166-1 alpha-2, upper case
    honorific: Honorific | None = None
    cc: tuple[str, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)
    line: int = 0  # line of the row in its CSV file, for error messages


@dataclass(frozen=True)
class Signatory:
    key: str  # file stem in signatories/
    name: Localized
    title: Localized  # may contain line breaks
    organization: Localized
    signature_image: Path | None = None
    # With a gender, the name (given without courtesy title) takes the catalogs' courtesy
    # title for signatures ("Ms {name}"; none in Chinese); without, it is printed as given.
    gender: Gender | None = None


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    email: str


@dataclass(frozen=True)
class Event:
    start: dt.date
    end: dt.date
    place: Localized


@dataclass(frozen=True)
class MailSettings:
    """Envelope settings for the delivery stage."""

    from_address: str
    from_name: Localized
    reply_to: str | None = None
    dkim_key_path: Path | None = None
    dkim_selector: str | None = None
    # Envelope sender for delivery status notifications, in VERP form (see deliver/verp.py).
    bounce_address: str | None = None


@dataclass(frozen=True)
class Letter:
    path: Path  # the letter's YAML file
    key: str  # the YAML file stem, e.g. "annual-forum-invitation"
    kind: LetterKind
    date: dt.date
    organization: Localized  # letterhead
    reference: Localized
    serial_pattern: str | None  # e.g. "{reference}/{serial:04d}"
    contact: Contact
    event: Event | None  # None: correspondence about no event
    deadline: dt.date | None
    links: Mapping[str, str]  # name -> URL, reachable from templates as links.<name>
    subject: Localized  # a Jinja2 string per language
    signatories: tuple[Signatory, ...]
    groups: tuple[str, ...]  # the distribution list: built-in or own group keys; may be empty
    languages: tuple[Language, ...]  # languages offered
    template: str  # templates/<template>.<lang>.md.j2 (body) and cover.<lang>.md.j2
    templates_dir: Path
    recipients_path: Path
    locales: Mapping[Language, str]  # Babel locale per language, e.g. en -> en_GB
    mail: MailSettings
    voice: Voice  # the person the letter is written in; its closing agrees
    page_size: PageSize = PageSize.A4
    logo: Path | None = None
    # What the logo shows, per language (a tagged PDF's /Alt); None with a logo: the letter
    # said the logo is decorative (`logo_alt: decorative`), drawn as an artifact.
    logo_alt: Localized | None = None
    reviewers_required: int = 1
    variables: Mapping[str, str] = field(default_factory=dict)  # free values for templates
    group_names: Mapping[str, Localized] = field(default_factory=dict)  # the letter's own groups
    distribution_heading: Localized | None = None  # None: the catalogs' neutral heading


# --- The composed letter: what render and deliver consume ---------------------------


@dataclass(frozen=True)
class Run:
    """A run of inline text with one style; `href` makes it a link."""

    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]


@dataclass(frozen=True)
class BulletList:
    items: tuple[tuple[Run, ...], ...]


Block = Paragraph | BulletList


@dataclass(frozen=True)
class HeaderField:
    """A labelled line of the header, e.g. ("Tel.:", "+41 22 730 6240")."""

    label: str
    value: str
    href: str | None = None  # e.g. "mailto:secretariat@example.org"


@dataclass(frozen=True)
class ComposedSignatory:
    signed_marker: str  # "[Original signed]" in the letter's language
    name: str
    title_lines: tuple[str, ...]
    organization: str
    signature_image: Path | None = None


@dataclass(frozen=True)
class CoverNote:
    """The e-mail that carries the PDF."""

    subject: str
    text: str
    html: str  # autoescaped
    attachment_name: str  # localised PDF file name, e.g. "Invitación al Foro.pdf"


@dataclass(frozen=True)
class ComposedLetter:
    recipient: Recipient
    language: Language
    locale: str  # Babel locale used, e.g. "en_GB"
    lang_tag: str  # BCP 47 tag for the PDF /Lang, e.g. "zh-Hans"
    organization: str  # letterhead line
    date_text: str  # "31 de enero de 2024"
    reference: str  # with the recipient's serial if the letter has a serial pattern
    header_fields: tuple[HeaderField, ...]  # reference, contact, tel., e-mail
    addressee: tuple[str, ...]  # empty for a circular
    distribution_heading: str  # "" for a personal letter without distribution list
    distribution: tuple[str, ...]  # stakeholder group names, localised
    subject: str  # may contain line breaks
    salutation: str
    body: tuple[Block, ...]
    closing: str
    signatories: tuple[ComposedSignatory, ...]
    page_label: str  # e.g. "Page {page}" / "Página {page}"
    cover: CoverNote
    page_size: PageSize = PageSize.A4
    logo: Path | None = None
    logo_alt: str | None = None  # the logo's description; None: decorative (an artifact)
    # The subject on one line, its lines joined by the language's separator (the PDF's
    # title, as the cover note's subject); "": the subject's lines joined by a space.
    title: str = ""

    @property
    def is_rtl(self) -> bool:
        return self.language.is_rtl


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (localhost, 127.0.0.0/8, ::1): the workspace listens
    there without TLS by default, and a relay there may take a password over plain SMTP."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
