"""Everything about one letter in one language that does not depend on the recipient."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale, UnknownLocaleError

from missive.compose import messages as msg
from missive.compose.catalogs import Catalogs
from missive.compose.dates import mark_date
from missive.compose.environment import (
    UN_INTERVAL,
    BabelFilters,
    build_environment,
    error_message,
    template_problem,
)
from missive.compose.kept_babel import KeptLocaleResults
from missive.compose.kept_templates import TemplateFacts, template_facts, template_from_text
from missive.compose.protocol import Protocol
from missive.compose.typography import typeset
from missive.errors import InputError, Problem
from missive.model import (
    ComposedSignatory,
    HeaderField,
    Language,
    Letter,
    Recipient,
)

DEFAULT_LOCALES: Mapping[Language, str] = {
    Language.AR: "ar",
    Language.ZH: "zh_Hans_CN",
    Language.EN: "en_GB",  # UN style: "31 January 2024"
    Language.FR: "fr_FR",
    Language.RU: "ru",
    Language.ES: "es_ES",
}
# Globals of Jinja2's own that always give the same result for the same arguments.
_PURE_GLOBALS = frozenset({"range", "dict", "namespace", "joiner", "cycler"})
# Personal values that take a handful of forms for a whole list (one per courtesy form).
_FEW_VALUES = frozenset({"salutation", "closing"})


class _RememberingFilters(BabelFilters):
    """Dates and intervals asked of Babel once per value, and kept between runs
    (`kept_babel`): a cover note that prints the event's dates would otherwise ask Babel
    again for every recipient, and every process would read the locale's data."""

    def __init__(self, locale: Locale, language: Language) -> None:
        super().__init__(locale, language)
        self._kept = KeptLocaleResults(language, locale)
        self._dates: dict[tuple[dt.date, str], str] = {}
        self._intervals: dict[tuple[dt.date, dt.date, str], str] = {}

    def date(self, value: dt.date, format: str = "long") -> str:
        key = (value, format)
        if key not in self._dates:
            ask = partial(BabelFilters.date, self, value, format)
            self._dates[key] = self._kept.get(("date", *key), ask)
        return self._dates[key]

    def interval(self, start: dt.date, end: dt.date, skeleton: str = UN_INTERVAL) -> str:
        key = (start, end, skeleton)
        if key not in self._intervals:
            ask = partial(BabelFilters.interval, self, start, end, skeleton)
            self._intervals[key] = self._kept.get(("interval", *key), ask)
        return self._intervals[key]


def shown_path(path: Path) -> Path:
    """`path` as people type it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def _key_line(path: Path, key: str) -> int:
    """Line of a top-level `key:` in a YAML file, to point at it without a YAML parser.
    Read when a problem is found, never kept: a letter edited in a running workspace
    moves its keys."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except OSError:
        return 1
    for number, line in enumerate(lines, start=1):
        if line.startswith(f"{key}:"):
            return number
    return 1


def lang_tag(language: Language, locale: Locale) -> str:
    """BCP 47 tag for the PDF /Lang: the region matters for English spelling, the script
    for Chinese; the other languages are written alike wherever they are read."""
    if language is Language.EN and locale.territory:
        return f"en-{locale.territory}"
    if language is Language.ZH:
        return f"zh-{locale.script or 'Hans'}"
    return language.value


class LanguageKit:
    """One language of a letter: locale, catalogs, compiled templates, fixed parts."""

    def __init__(self, letter: Letter, language: Language, locale_dir: Path) -> None:
        self.letter = letter
        self.language = language
        self._problems: list[Problem] = []
        self.locale = self._locale()
        self.filters = _RememberingFilters(self.locale, language)
        self.catalogs = Catalogs(language, locale_dir)
        self.protocol = Protocol(self.catalogs, letter.voice)
        env = build_environment(letter.templates_dir, self.filters)
        self.body_path, body = self._template(env, f"{letter.template}.{language}.md.j2")
        self.cover_path, cover = self._template(env, f"{letter.template}.cover.{language}.md.j2")
        subject = self._subject_template(env)
        self.reference = self._localized(letter.reference, "reference")
        self.organization = self.set(self._localized(letter.organization, "organization"))
        self.lang_tag = lang_tag(language, self.locale)
        self.date_text = self.set(self.filters.date(letter.date))
        self._fixed_parts()
        self.signatories = self._signatories()
        self._base = self._base_context()
        if self._problems or body is None or cover is None or subject is None:
            raise InputError(self._problems)
        self.body: jinja2.Template = body
        self.cover: jinja2.Template = cover
        self.subject: jinja2.Template = subject
        # Parts that read nothing of the recipient are composed once for the language.
        body_facts = self._facts(env, self.body_path)
        self.personal_body = self._reads_recipient(body_facts.lookups)
        cover_facts = self._facts(env, self.cover_path)
        self.personal_cover = self._reads_recipient(cover_facts.lookups)
        self.cover_by_reference = self._by_reference(cover_facts)
        subject_facts = template_facts(env, self._localized_subject(), self._subject_place())
        self.personal_subject = self._reads_recipient(subject_facts.lookups)

    def set(self, text: str) -> str:
        """`text` in the language's typography (`typography.typeset`)."""
        return typeset(text, self.language)

    def _letter_problem(self, key: str, message: str) -> None:
        path = shown_path(self.letter.path)
        self._problems.append(Problem(path, _key_line(self.letter.path, key), 1, message))

    def _locale(self) -> Locale:
        name = self.letter.locales.get(self.language) or DEFAULT_LOCALES[self.language]
        try:
            return Locale.parse(name)
        except (UnknownLocaleError, ValueError):
            self._letter_problem("locales", f"unknown locale {name!r} for {self.language}")
            return Locale.parse(DEFAULT_LOCALES[self.language])

    def _template(self, env: jinja2.Environment, name: str) -> tuple[Path, jinja2.Template | None]:
        path = self.letter.templates_dir / name
        try:
            return path, env.get_template(name)
        except jinja2.TemplateNotFound:
            self._letter_problem(
                "template",
                f"missing template {shown_path(path)} for language {self.language}",
            )
        except jinja2.TemplateSyntaxError as exc:
            self._problems.append(template_problem(exc, path, shown_path(path)))
        return path, None

    def _subject_template(self, env: jinja2.Environment) -> jinja2.Template | None:
        try:
            return template_from_text(env, self._localized_subject(), self._subject_place())
        except jinja2.TemplateSyntaxError as exc:
            self._letter_problem("subject", f"subject ({self.language}): {exc.message}")
            return None

    def _subject_place(self) -> str:
        return f"{self.letter.path.resolve()} subject {self.language.value}"

    def _localized_subject(self) -> str:
        return self._localized(self.letter.subject, "subject")

    def _facts(self, env: jinja2.Environment, path: Path) -> TemplateFacts:
        assert env.loader is not None
        source = env.loader.get_source(env, path.name)[0]
        return template_facts(env, source, str(path.resolve()))

    def _reads_recipient(self, lookups: frozenset[str] | None) -> bool:
        """Whether a template's text may differ from one recipient to the next.

        Jinja2's meta API lists the variables a template looks up. Only the letter's own
        values (`_base_context`) and Jinja2's pure globals are the same for every recipient;
        any other name (`recipient`, `salutation`, a misspelt one) counts as personal, and so
        does a template that includes or imports another, which is not looked into.
        """
        if lookups is None:
            return True
        return not lookups <= self._base.keys() | _PURE_GLOBALS

    def _by_reference(self, facts: TemplateFacts) -> bool:
        """Whether a template's text is fixed by the reference, salutation and closing only,
        and prints the reference as it is (`{{ reference }}`, no filter, test or operation).

        Such a text differs from one recipient to the next only where the reference is
        printed, so it can be written once per shape of the reference (see `Composer`).
        """
        if facts.lookups is None:
            return False
        fixed = self._base.keys() | _PURE_GLOBALS | _FEW_VALUES
        return facts.lookups <= fixed | {"reference"} and facts.reference_as_is

    def _localized(self, texts: Mapping[Language, str], key: str) -> str:
        text = texts.get(self.language)
        if text is None:
            self._letter_problem(key, f"{key} has no text in {self.language}")
            return ""
        return text

    def _fixed_parts(self) -> None:
        def text(message: msg.Message) -> str:
            return self.set(self.catalogs.text(message))

        self.labels = (text(msg.REFERENCE), text(msg.CONTACT), text(msg.TEL), text(msg.EMAIL))
        self.page_label = text(msg.PAGE)
        self.group_names: dict[str, str] = {g.value: text(m) for g, m in msg.GROUPS.items()}
        for key, names in self.letter.group_names.items():
            self.group_names[key] = self.set(self._localized(names, "group_names"))
        self.distribution = tuple(self.group_names[g] for g in self.letter.groups)
        heading = self.letter.distribution_heading
        if not self.letter.groups:
            self.distribution_heading = ""
        elif heading is None:
            self.distribution_heading = text(msg.DISTRIBUTION_HEADING)
        else:
            heading_text = self._localized(heading, "distribution_heading")
            self.distribution_heading = self.set(heading_text)

    def _signatories(self) -> tuple[ComposedSignatory, ...]:
        marker = self.set(self.catalogs.text(msg.ORIGINAL_SIGNED))
        composed = []
        for signatory in self.letter.signatories:
            key = f"signatories ({signatory.key})"
            name = self.protocol.signature_name(signatory, self._localized(signatory.name, key))
            title = self._localized(signatory.title, key)
            composed.append(
                ComposedSignatory(
                    signed_marker=marker,
                    name=self.set(name),
                    title_lines=tuple(
                        self.set(line.strip()) for line in title.splitlines() if line.strip()
                    ),
                    organization=self.set(self._localized(signatory.organization, key)),
                    signature_image=signatory.signature_image,
                )
            )
        return tuple(composed)

    def _base_context(self) -> dict[str, Any]:
        letter = self.letter
        context: dict[str, Any] = {
            "letter_date": mark_date(self.date_text),
            "links": dict(letter.links),
            "contact": {
                "name": letter.contact.name,
                "phone": letter.contact.phone,
                "email": letter.contact.email,
            },
            "organization": self.organization,
            "sender": self._localized(letter.mail.from_name, "mail"),
            "groups": list(self.distribution),
            "language": self.language.value,
            "kind": letter.kind.value,
            "variables": dict(letter.variables),
        }
        # Left out when absent, so that a template using them fails instead of printing "None".
        if letter.deadline is not None:
            context["deadline"] = letter.deadline
        if letter.event is not None:
            event = letter.event
            place = self._localized(event.place, "event")
            context["event"] = {"start": event.start, "end": event.end, "place": place}
            context["event_dates"] = self.filters.printed_interval(event.start, event.end)
            context["event_place"] = place
        return context

    def context(
        self, recipient: Recipient, reference: str, salutation: str, closing: str
    ) -> dict[str, Any]:
        person = {
            "id": recipient.id,
            "name": recipient.name,
            "email": recipient.email,
            "position": recipient.position,
            "organization": recipient.organization,
            "country": recipient.country,
            "country_name": self.filters.country(recipient.country),
            "group": recipient.group,
            "group_name": self.group_names.get(recipient.group, ""),
            "gender": recipient.gender.value,
            "honorific": recipient.honorific.value if recipient.honorific else "",
            "cc": list(recipient.cc),
            "extra": dict(recipient.extra),
        }
        return {
            **self._base,
            "recipient": person,
            "reference": reference,
            "salutation": salutation,
            "closing": closing,
        }

    def header_fields(self, reference: str) -> tuple[HeaderField, ...]:
        contact = self.letter.contact
        reference_label, contact_label, tel_label, email_label = self.labels
        return (
            HeaderField(reference_label, self.set(reference)),
            HeaderField(contact_label, self.set(contact.name)),
            HeaderField(tel_label, contact.phone),
            HeaderField(email_label, contact.email, href=f"mailto:{contact.email}"),
        )

    def addressee(self, recipient: Recipient) -> tuple[str, ...]:
        """The address block, in the language's order (the catalogs' `address block`)."""
        country = self.filters.country(recipient.country)
        return tuple(self.set(line) for line in self.protocol.address_block(recipient, country))

    def problem(self, exc: jinja2.TemplateError, path: Path) -> Problem:
        return template_problem(exc, path, shown_path(path))

    def subject_problem(self, exc: jinja2.TemplateError) -> Problem:
        line = _key_line(self.letter.path, "subject")
        message = f"subject ({self.language}): {error_message(exc)}"
        return Problem(shown_path(self.letter.path), line, 1, message)
