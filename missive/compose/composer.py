"""Compose: one letter x one recipient -> a ComposedLetter, in the recipient's language.

A `Composer` is built once per letter and reused for every recipient: everything that
does not depend on the recipient (Babel locale, catalogs, compiled templates, header,
distribution list, signatories) is prepared per language up front. A body, subject or cover
template that reads nothing of the recipient (`LanguageKit.personal_*`) is rendered and
parsed once per language; a personal body is parsed once per distinct rendered text.
What a command needs of the e-mail cover note is a `CoverMode`: all of it (send, check),
or nothing (render).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

import jinja2

from missive.compose.catalogs import LOCALE_DIR, catalog_problems, po_path
from missive.compose.cover import CoverBodies, cover_line, shaped_cover_bodies
from missive.compose.cover_shapes import ReferenceShapes
from missive.compose.language_kit import LanguageKit, shown_path
from missive.compose.markup import (
    ParagraphCache,
    blocks_text,
    parse_blocks,
    parse_inline,
    runs_text,
)
from missive.compose.messages import RANK_OF, Rank
from missive.compose.typography import typeset_blocks
from missive.errors import InputError, Problem
from missive.model import (
    Block,
    ComposedLetter,
    CoverNote,
    Gender,
    Language,
    Letter,
    LetterKind,
    Recipient,
)
from missive.storage import reuse

_CACHE_LIMIT = 4096


class CoverMode(Enum):
    FULL = "full"  # send and check: subject, text and HTML bodies, attachment name
    NONE = "none"  # render: a PDF needs no e-mail; only the subject line is kept


class Composer:
    """Composes `letter` for any of its recipients; raises InputError on bad input."""

    def __init__(
        self,
        letter: Letter,
        serials: Mapping[str, int] | None = None,
        *,
        locale_dir: Path = LOCALE_DIR,
        covers: CoverMode = CoverMode.FULL,
    ) -> None:
        self.letter = letter
        self.serials: Mapping[str, int] = {} if serials is None else serials
        self.covers = covers
        problems = catalog_problems(letter.languages, locale_dir)
        self._kits: dict[Language, LanguageKit] = {}
        for language in letter.languages:
            if not po_path(language, locale_dir).exists():
                continue  # already reported by catalog_problems
            try:
                self._kits[language] = LanguageKit(letter, language, locale_dir)
            except InputError as exc:
                problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        self._bodies: dict[str, tuple[Block, ...]] = {}
        self._covers: dict[tuple[str, str], CoverBodies] = {}
        # A personal cover note differs from the next in a paragraph or two (the salutation,
        # a reference): the others are parsed once.
        self._cover_paragraphs = ParagraphCache(_CACHE_LIMIT)
        self._cover_shapes = ReferenceShapes(_CACHE_LIMIT)
        # Per language, the parts composed once: (kind, language) -> value.
        self._fixed: dict[tuple[str, Language], Any] = {}

    def compose(self, recipient: Recipient) -> ComposedLetter:
        kit = self._kits.get(recipient.language)
        if kit is None:
            where = Problem(
                self.letter.recipients_path,
                recipient.line or 1,
                1,
                f"recipient {recipient.id}: language {recipient.language} is not offered "
                "by the letter",
            )
            raise InputError([where])
        reference = self._reference(kit, recipient)
        rank, gender = self._address_form(recipient)
        salutation = kit.set(self._salutation(kit, recipient, rank, gender))
        closing = kit.set(kit.protocol.closing(rank, gender))
        context = kit.context(recipient, reference, salutation, closing)
        subject = self._once(kit, "subject", kit.personal_subject, self._subject, context)
        body = self._once(kit, "body", kit.personal_body, self._body, context)
        return ComposedLetter(
            recipient=recipient,
            language=kit.language,
            locale=str(kit.locale),
            lang_tag=kit.lang_tag,
            organization=kit.organization,
            date_text=kit.date_text,
            reference=kit.set(reference),
            header_fields=kit.header_fields(reference),
            addressee=kit.addressee(recipient) if self.letter.kind is LetterKind.PERSONAL else (),
            distribution_heading=kit.distribution_heading,
            distribution=kit.distribution,
            subject=subject,
            salutation=salutation,
            body=body,
            closing=closing,
            signatories=kit.signatories,
            page_label=kit.page_label,
            cover=self._cover(kit, context, subject),
            page_size=self.letter.page_size,
            logo=self.letter.logo,
            logo_alt=self.letter.logo_alt.get(kit.language) if self.letter.logo_alt else None,
            title=kit.set(kit.protocol.subject_line(subject)),
        )

    def _reference(self, kit: LanguageKit, recipient: Recipient) -> str:
        serial = self.serials.get(recipient.id)
        if self.letter.serial_pattern is None or serial is None:
            return kit.reference
        return self.letter.serial_pattern.format(reference=kit.reference, serial=serial)

    def _address_form(self, recipient: Recipient) -> tuple[Rank, Gender]:
        """How the recipient is addressed; a circular addresses everyone alike, whatever
        the row says."""
        if self.letter.kind is LetterKind.CIRCULAR:
            return Rank.COURTESY, Gender.UNSPECIFIED
        return RANK_OF[recipient.honorific], recipient.gender

    def _salutation(
        self, kit: LanguageKit, recipient: Recipient, rank: Rank, gender: Gender
    ) -> str:
        override = recipient.extra.get("salutation", "").strip()
        if override and self.letter.kind is LetterKind.PERSONAL:
            return override
        return kit.protocol.salutation(rank, gender, recipient.name)

    def _render(
        self,
        kit: LanguageKit,
        template: jinja2.Template,
        path: Path,
        context: Mapping[str, Any],
    ) -> str:
        try:
            return template.render(context)
        except jinja2.TemplateError as exc:
            raise InputError([kit.problem(exc, path)]) from exc

    def _subject(self, kit: LanguageKit, context: Mapping[str, Any]) -> str:
        try:
            text = kit.subject.render(context)
        except jinja2.TemplateError as exc:
            raise InputError([kit.subject_problem(exc)]) from exc
        return kit.set(runs_text(parse_inline(text, softbreak="\n")).strip())

    def _once(
        self,
        kit: LanguageKit,
        kind: str,
        personal: bool,
        make: Callable[[LanguageKit, Mapping[str, Any]], Any],
        context: Mapping[str, Any],
    ) -> Any:
        """`make(kit, context)`, kept for the whole language when it is not `personal`."""
        if personal:
            return make(kit, context)
        key = (kind, kit.language)
        if key not in self._fixed:
            self._fixed[key] = make(kit, context)
        return self._fixed[key]

    def _body(self, kit: LanguageKit, context: Mapping[str, Any]) -> tuple[Block, ...]:
        text = self._render(kit, kit.body, kit.body_path, context)
        blocks = self._bodies.get(text)
        if blocks is None:
            blocks = typeset_blocks(parse_blocks(text, shown_path(kit.body_path)), kit.language)
            if len(self._bodies) >= _CACHE_LIMIT:
                self._bodies.clear()
            self._bodies[text] = blocks
        return blocks

    def _cover(self, kit: LanguageKit, context: Mapping[str, Any], subject: str) -> CoverNote:
        one_line = cover_line(kit.set(kit.protocol.subject_line(subject)), kit.language)
        if self.covers is CoverMode.NONE:
            return CoverNote(subject=one_line, text="", html="", attachment_name="")
        if kit.cover_by_reference:
            key = (kit.language, context["salutation"], context["closing"], one_line)
            return self._cover_shapes.note(
                key, context, lambda values: self._written_cover(kit, values, one_line)
            )
        return self._written_cover(kit, context, one_line)

    def _written_cover(
        self, kit: LanguageKit, context: Mapping[str, Any], one_line: str
    ) -> CoverNote:
        text, name = self._once(kit, "cover", kit.personal_cover, self._cover_text, context)
        bodies = self._covers.get((text, one_line))
        if bodies is None:
            shaped = self._cover_paragraphs.shaped(text) or [
                (block, "") for block in parse_blocks(text, shown_path(kit.cover_path))
            ]
            blocks = typeset_blocks([block for block, _ in shaped], kit.language)
            shaped = [(block, digits) for block, (_, digits) in zip(blocks, shaped, strict=True)]
            bodies = shaped_cover_bodies(
                shaped, language=kit.language, lang_tag=kit.lang_tag, title=one_line
            )
            if len(self._covers) >= _CACHE_LIMIT:
                self._covers.clear()
            self._covers[(text, one_line)] = bodies
        return CoverNote(
            subject=one_line,
            text=bodies.text,
            html=bodies.html,
            attachment_name=cover_line(_file_name(name or self.letter.key), kit.language),
        )

    def _cover_text(self, kit: LanguageKit, context: Mapping[str, Any]) -> tuple[str, str]:
        """The cover template's markup and the attachment name it sets ("" if none)."""
        try:
            module = kit.cover.make_module(dict(context))
        except jinja2.TemplateError as exc:
            raise InputError([kit.problem(exc, kit.cover_path)]) from exc
        name = getattr(module, "attachment_name", None)
        return str(module), str(name) if name else ""


@reuse.memo(maxsize=_CACHE_LIMIT)  # the same name for a whole language, mostly
def _file_name(name: str) -> str:
    """A file name any mail client accepts: no path separators or control characters."""
    cleaned = "".join(
        "-" if c in '/\\:*?"<>|' or unicodedata.category(c).startswith("C") else c for c in name
    ).strip(" .")
    cleaned = cleaned or "letter"
    return cleaned if cleaned.lower().endswith(".pdf") else f"{cleaned}.pdf"


def _labelled(label: str, value: str) -> str:
    # A full-width colon (Chinese) already carries its own spacing.
    return f"{label}{value}" if label.endswith("：") else f"{label} {value}"


def format_composed_text(composed: ComposedLetter) -> str:
    """The composed letter as plain text, in logical (reading) order."""
    lines = [composed.organization, "", composed.date_text, ""]
    lines += [_labelled(field.label, field.value) for field in composed.header_fields]
    if composed.addressee:
        lines += ["", *composed.addressee]
    if composed.distribution_heading:
        lines += ["", composed.distribution_heading]
        lines += [f"- {group}" for group in composed.distribution]
    lines += ["", composed.subject, "", composed.salutation, ""]
    lines += [blocks_text(composed.body), "", composed.closing, ""]
    for signatory in composed.signatories:
        lines += [signatory.signed_marker, signatory.name, *signatory.title_lines]
        lines += [signatory.organization, ""]
    return "\n".join(lines).rstrip() + "\n"
