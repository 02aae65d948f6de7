"""The letter YAML -> `Letter`, with its signatories and template files checked.

Relative paths are resolved against the project root (see `missive.load.signatory.project_root`).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import babel
import yaml

from missive.errors import InputError, Problem
from missive.load.groups import read_distribution
from missive.load.recipients import control_character_problem, normalize_address
from missive.load.signatory import existing_file, project_root, read_signatory, resolve
from missive.load.skeleton import placeholder_problems
from missive.load.yaml_nodes import NodeReader, compose_document, did_you_mean
from missive.model import (
    Contact,
    Event,
    Language,
    Letter,
    LetterKind,
    MailSettings,
    PageSize,
    Signatory,
    Voice,
)

T = TypeVar("T")

LETTER_REQUIRED = (
    "kind",
    "voice",
    "date",
    "languages",
    "organization",
    "reference",
    "contact",
    "subject",
    "signatories",
    "template",
    "recipients",
    "mail",
)
LETTER_OPTIONAL = (
    "groups",
    "group_names",
    "distribution_heading",
    "event",
    "serial_pattern",
    "deadline",
    "links",
    "templates_dir",
    "signatories_dir",
    "locales",
    "page_size",
    "logo",
    "logo_alt",
    "reviewers_required",
    "variables",
)
# Babel locales used when a letter does not choose one; English follows UN style.
DEFAULT_LOCALES: Mapping[Language, str] = {
    Language.AR: "ar",
    Language.ZH: "zh_Hans_CN",
    Language.EN: "en_GB",
    Language.FR: "fr_FR",
    Language.RU: "ru",
    Language.ES: "es_ES",
}
LINK_SCHEMES = ("http", "https", "mailto")
LANGUAGE_VALUES = frozenset(language.value for language in Language)


def template_paths(templates_dir: Path, template: str, language: Language) -> tuple[Path, Path]:
    """The body and the cover-note templates of one language (see templates/README.md)."""
    return (
        templates_dir / f"{template}.{language.value}.md.j2",
        templates_dir / f"{template}.cover.{language.value}.md.j2",
    )


def key_line(letter_path: Path, key: str) -> int:
    """Line of a top-level `key:` of a letter file (1 if absent), to locate later problems."""
    try:
        lines = letter_path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    return next((n for n, line in enumerate(lines, 1) if line.startswith(f"{key}:")), 1)


def load_letter(letter_path: Path) -> Letter:
    """Read and validate a letter, its signatories and its template files.

    Raises `InputError` carrying every problem found, located in the file it concerns.
    """
    problems: list[Problem] = []
    node = compose_document(letter_path, problems)
    if node is None:
        raise InputError(problems)
    reader = NodeReader(letter_path)
    letter = _LetterReader(reader, letter_path).read(node)
    reader.problems.extend(placeholder_problems(letter_path, "letter"))
    if reader.problems or letter is None:
        raise InputError(reader.problems)
    return letter


class _LetterReader:
    """Walks the letter's top-level mapping; each `_x` method reads one key's value."""

    def __init__(self, reader: NodeReader, letter_path: Path) -> None:
        self.reader = reader
        self.path = letter_path
        self.root = project_root(letter_path)
        self.fields: dict[str, yaml.Node] = {}
        self.languages: tuple[Language, ...] = ()

    def get(self, key: str, read: Callable[[yaml.Node, str], T | None]) -> T | None:
        node = self.fields.get(key)
        return None if node is None else read(node, key)

    def read(self, node: yaml.Node) -> Letter | None:
        r = self.reader
        fields = r.mapping(node, "letter", required=LETTER_REQUIRED, optional=LETTER_OPTIONAL)
        if fields is None:
            return None
        self.fields = fields
        self.languages = (
            self.get("languages", lambda n, w: r.unique_choices(n, w, Language, "language")) or ()
        )
        values = self._required_values()
        template = self._template()
        optional = self._optional_values()
        if r.problems or None in values.values() or template is None or not self.languages:
            return None
        return Letter(
            path=self.path,
            key=self.path.stem,
            languages=self.languages,
            template=template[0],
            templates_dir=template[1],
            **values,
            **optional,
        )

    def _required_values(self) -> dict[str, Any]:
        r = self.reader
        return {
            "kind": self.get("kind", lambda n, w: r.choice(n, w, LetterKind)),
            "voice": self.get("voice", lambda n, w: r.choice(n, w, Voice)),
            "date": self.get("date", r.date),
            "organization": self.get("organization", self._localized),
            "reference": self.get("reference", self._localized),
            "contact": self.get("contact", self._contact),
            "subject": self.get("subject", self._localized),
            "signatories": self.get("signatories", self._signatories),
            "recipients_path": self.get("recipients", self._path),
            "mail": self.get("mail", self._mail),
        }

    def _optional_values(self) -> dict[str, Any]:
        r = self.reader
        page_size = self.get("page_size", lambda n, w: r.choice(n, w, PageSize, "page size"))
        reviewers = self.get("reviewers_required", self._reviewers)
        distribution = read_distribution(r, self.fields, self.languages)
        return {
            "event": self.get("event", self._event),
            "groups": distribution.groups,
            "group_names": distribution.names,
            "distribution_heading": distribution.heading,
            "serial_pattern": self.get("serial_pattern", self._serial_pattern),
            "deadline": self.get("deadline", r.date),
            "links": self.get("links", self._links) or {},
            "locales": self._locales(),
            "page_size": page_size or PageSize.A4,
            "logo": self.get("logo", lambda n, w: existing_file(r, n, w, self.path)),
            "logo_alt": self._logo_alt(),
            "reviewers_required": 1 if reviewers is None else reviewers,
            "variables": self.get("variables", self._variables) or {},
        }

    def _localized(self, node: yaml.Node, what: str) -> dict[Language, str] | None:
        return self.reader.localized(node, what, self.languages)

    def _logo_alt(self) -> dict[Language, str] | None:
        """What the logo shows, per language, for screen readers; `decorative`: nothing
        (it is drawn as an artifact). A logo needs one or the other."""
        logo, node = self.fields.get("logo"), self.fields.get("logo_alt")
        if node is None:
            if logo is not None:
                self.reader.problem(
                    logo, "logo_alt: describe the logo in each language, or write `decorative`"
                )
            return None
        if isinstance(node, yaml.ScalarNode) and node.value == "decorative":
            return None
        return self._localized(node, "logo_alt")

    def _path(self, node: yaml.Node, what: str) -> Path | None:
        text = self.reader.text(node, what)
        return None if text is None else resolve(self.root, text)

    def _address(self, node: yaml.Node, what: str) -> str | None:
        text = self.reader.text(node, what)
        if text is None:
            return None
        try:
            return normalize_address(text)
        except ValueError as exc:
            self.reader.problem(node, f"{what}: invalid e-mail address '{text}': {exc}")
            return None

    def _contact(self, node: yaml.Node, what: str) -> Contact | None:
        fields = self.reader.mapping(node, what, required=("name", "phone", "email"))
        if fields is None:
            return None
        name = self.reader.text(fields["name"], "contact.name") if "name" in fields else None
        phone = self.reader.text(fields["phone"], "contact.phone") if "phone" in fields else None
        email = self._address(fields["email"], "contact.email") if "email" in fields else None
        if name is None or phone is None or email is None:
            return None
        return Contact(name, phone, email)

    def _event(self, node: yaml.Node, what: str) -> Event | None:
        r = self.reader
        fields = r.mapping(node, what, required=("start", "end", "place"))
        if fields is None:
            return None
        start = r.date(fields["start"], "event.start") if "start" in fields else None
        end = r.date(fields["end"], "event.end") if "end" in fields else None
        place = self._localized(fields["place"], "event.place") if "place" in fields else None
        if start is None or end is None or place is None:
            return None
        if end < start:
            r.problem(fields["end"], "event.end is before event.start")
            return None
        return Event(start, end, place)

    def _signatories(self, node: yaml.Node, what: str) -> tuple[Signatory, ...] | None:
        r = self.reader
        items = r.sequence(node, what)
        folder = self.get("signatories_dir", self._path) or resolve(self.root, "signatories")
        if items is None:
            return None
        if not folder.is_dir():
            r.problem(
                self.fields.get("signatories_dir", node), f"signatories folder not found '{folder}'"
            )
            return None
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        signatories: list[Signatory] = []
        for item in items:
            key = r.text(item, what)
            if key is None:
                continue
            path = folder / f"{key}.yaml"
            if any(s.key == key for s in signatories):
                r.problem(item, f"signatory '{key}' is listed twice")
            elif key not in known:
                r.problem(item, f"unknown signatory '{key}'{did_you_mean(key, known)}")
            else:
                # A signatory's own problems are reported against its own file.
                sub = NodeReader(path)
                signatory = read_signatory(sub, path, self.languages)
                r.problems.extend(sub.problems)
                if signatory is not None:
                    signatories.append(signatory)
        return tuple(signatories)

    def _template(self) -> tuple[str, Path] | None:
        r = self.reader
        name = self.get("template", r.text)
        folder = self.get("templates_dir", self._path) or resolve(self.root, "templates")
        if name is None:
            return None
        if "/" in name or "\\" in name:
            r.problem(self.fields["template"], "template must be a name, not a path")
            return None
        if not folder.is_dir():
            node = self.fields.get("templates_dir", self.fields["template"])
            r.problem(node, f"templates folder not found '{folder}'")
            return None
        for language in self.languages:
            for path in template_paths(folder, name, language):
                if path.is_file():
                    r.problems.extend(placeholder_problems(path, "template"))
                else:
                    r.problem(
                        self.fields["template"],
                        f"missing template {path} for language {language}",
                    )
        return name, folder

    def _serial_pattern(self, node: yaml.Node, what: str) -> str | None:
        pattern = self.reader.text(node, what)
        if pattern is None:
            return None
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(pattern) if name}
            pattern.format(reference="R", serial=1)
        except KeyError as exc:
            self.reader.problem(
                node, f"{what}: unknown field {{{exc.args[0]}}}; use {{reference}} and {{serial}}"
            )
            return None
        except (IndexError, ValueError) as exc:
            self.reader.problem(node, f"{what}: unusable pattern: {exc}")
            return None
        if "serial" not in fields:
            self.reader.problem(node, f"{what} must contain {{serial}}, e.g. {{serial:04d}}")
            return None
        return pattern

    def _links(self, node: yaml.Node, what: str) -> dict[str, str] | None:
        entries = self.reader.text_mapping(node, what)
        if entries is None:
            return None
        for name, (url, value_node) in entries.items():
            parts = urlsplit(url)
            if parts.scheme not in LINK_SCHEMES or not (parts.netloc or parts.path):
                self.reader.problem(value_node, f"{what}.{name}: not an http(s) or mailto URL")
        return {name: url for name, (url, _) in entries.items()}

    def _variables(self, node: yaml.Node, what: str) -> dict[str, str] | None:
        entries = self.reader.text_mapping(node, what)
        return None if entries is None else {k: v for k, (v, _) in entries.items()}

    def _reviewers(self, node: yaml.Node, what: str) -> int | None:
        return self.reader.integer(node, what, minimum=1)

    def _locales(self) -> dict[Language, str]:
        chosen = self.get("locales", self._localized_locales) or {}
        return {
            language: chosen.get(language) or DEFAULT_LOCALES[language]
            for language in self.languages
        }

    def _localized_locales(self, node: yaml.Node, what: str) -> dict[Language, str] | None:
        entries = self.reader.mapping(node, what)
        if entries is None:
            return None
        locales: dict[Language, str] = {}
        for code, value_node in entries.items():
            identifier = self.reader.text(value_node, f"{what}.{code}")
            if identifier is None:
                continue
            try:
                locale = babel.Locale.parse(identifier)
            except (ValueError, TypeError, babel.UnknownLocaleError):
                locale = None
            if code not in LANGUAGE_VALUES:
                self.reader.problem(value_node, f"{what}: unknown language '{code}'")
            elif locale is None or locale.language != code:
                self.reader.problem(
                    value_node, f"{what}.{code}: '{identifier}' is not a Babel locale for '{code}'"
                )
            else:
                locales[Language(code)] = identifier
        return locales

    def _mail(self, node: yaml.Node, what: str) -> MailSettings | None:
        r = self.reader
        fields = r.mapping(
            node,
            what,
            required=("from", "from_name"),
            optional=("reply_to", "dkim_key", "dkim_selector", "bounce_address"),
        )
        if fields is None:
            return None
        sender = self._optional_address(fields, "from")
        names = (
            self._localized(fields["from_name"], "mail.from_name")
            if "from_name" in fields
            else None
        )
        reply_to = self._optional_address(fields, "reply_to")
        key, selector = self._dkim(node, fields)
        if names is not None:
            for language, name in names.items():
                # The sender's name goes into the From and Reply-To headers.
                if message := control_character_problem(name, f"mail.from_name.{language}"):
                    r.problem(fields["from_name"], message)
        bounces = self._optional_address(fields, "bounce_address")
        if bounces is not None and not bounces.isascii():
            # It becomes the envelope sender of every message: it must pass any relay.
            r.problem(fields["bounce_address"], "mail.bounce_address: must be ASCII")
        if sender is None or names is None:
            return None
        return MailSettings(sender, names, reply_to, key, selector, bounces)

    def _optional_address(self, fields: Mapping[str, yaml.Node], key: str) -> str | None:
        return self._address(fields[key], f"mail.{key}") if key in fields else None

    def _dkim(
        self, node: yaml.Node, fields: Mapping[str, yaml.Node]
    ) -> tuple[Path | None, str | None]:
        r = self.reader
        key = None
        if "dkim_key" in fields:
            key = existing_file(r, fields["dkim_key"], "mail.dkim_key", self.path)
        selector = (
            r.text(fields["dkim_selector"], "mail.dkim_selector")
            if "dkim_selector" in fields
            else None
        )
        if ("dkim_key" in fields) != ("dkim_selector" in fields):
            r.problem(node, "mail: dkim_key and dkim_selector go together")
        return key, selector
