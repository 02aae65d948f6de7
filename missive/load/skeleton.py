"""What a new letter starts from: a letter YAML, templates and a list with marked open places.

Every place someone still has to write holds `[[TO WRITE: what]]`; `load` refuses a letter or
template that still holds one, located, so a skeleton can never be rendered or sent as is.
A skeleton made `like` another letter takes its settings (organisation, contact,
signatories, groups, sender, paper), never its prose.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from missive.errors import Problem
from missive.model import Language, Letter

PLACEHOLDER_OPEN = "[[TO WRITE"
_PLACEHOLDER = re.compile(re.escape(PLACEHOLDER_OPEN) + r"[^\]]*\]\]")


def placeholder(what: str) -> str:
    return f"{PLACEHOLDER_OPEN}: {what}]]"


def placeholder_problems(path: Path, what: str) -> list[Problem]:
    """Every open place left in a text file, as "`what` still has placeholder text"."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []  # reported by whoever reads the file for its content
    return [
        Problem(path, number, found.start() + 1, f"{what} still has placeholder text")
        for number, line in enumerate(text.splitlines(), start=1)
        for found in re.finditer(re.escape(PLACEHOLDER_OPEN), line)
    ]


def _dump(value: object) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=100)


def _per_language(
    languages: Sequence[Language], known: Mapping[Language, str] | None, what: str
) -> dict[str, str]:
    known = known or {}
    return {
        lang.value: known.get(lang) or placeholder(f"{what} in {lang.value}") for lang in languages
    }


def letter_skeleton(
    key: str, languages: Sequence[Language], today: dt.date, like: Letter | None = None
) -> str:
    """The YAML of a new letter: every required key, open places marked."""
    parts = [
        f"# A new letter, started with `python send.py new {key}`. Write every place marked",
        f"# TO WRITE, then: python send.py check letters/{key}.yaml (keys: letters/README.md).",
        _dump({"kind": like.kind.value if like else "personal"}),
        '# The person the body is written in: singular ("I have the honour") or plural\n'
        '# ("We are pleased"); the closing formula agrees with it.\n'
        + _dump({"voice": placeholder("singular or plural")}),
        _dump({"date": today}),
        _dump({"languages": [language.value for language in languages]}),
        _distribution(languages, like),
        _dump(
            {
                "organization": _per_language(
                    languages, like.organization if like else None, "organisation"
                )
            }
        ),
        _dump({"reference": _per_language(languages, None, "reference")}),
        _dump({"contact": _contact(like)}),
        "# Optional: event (start, end, place per language), deadline (a date), links.",
        _dump({"subject": _per_language(languages, None, "subject")}),
        _dump({"signatories": _signatories(like)}),
        _dump({"template": key, "recipients": f"recipients/{key}.csv"}),
        _dump({"mail": _mail(languages, like)}),
        _dump({"page_size": like.page_size.value if like else "A4"}),
    ]
    return "\n".join(part for part in parts if part)


def _distribution(languages: Sequence[Language], like: Letter | None) -> str:
    if like is None or not like.groups:
        return "# Optional: groups (the distribution list), group_names, distribution_heading.\n"
    values: dict[str, object] = {"groups": list(like.groups)}
    if like.group_names:
        values["group_names"] = {
            key: _per_language(languages, names, f"name of group {key}")
            for key, names in like.group_names.items()
        }
    if like.distribution_heading is not None:
        values["distribution_heading"] = _per_language(
            languages, like.distribution_heading, "distribution heading"
        )
    return _dump(values)


def _contact(like: Letter | None) -> dict[str, str]:
    if like is not None:
        return {"name": like.contact.name, "phone": like.contact.phone, "email": like.contact.email}
    return {
        "name": placeholder("contact name"),
        "phone": placeholder("contact phone"),
        "email": placeholder("contact e-mail"),
    }


def _signatories(like: Letter | None) -> list[str]:
    if like is not None and like.signatories:
        return [signatory.key for signatory in like.signatories]
    return [placeholder("file stem of a signatory in signatories/")]


def _mail(languages: Sequence[Language], like: Letter | None) -> dict[str, object]:
    mail: dict[str, object] = {
        "from": like.mail.from_address if like else placeholder("sender address"),
        "from_name": _per_language(languages, like.mail.from_name if like else None, "sender name"),
    }
    if like is not None and like.mail.reply_to:
        mail["reply_to"] = like.mail.reply_to
    return mail


def body_skeleton(language: Language) -> str:
    return (
        "{# The body of the letter in " + language.value + ": from the first paragraph after the\n"
        "   salutation to the last before the closing (variables: templates/README.md).\n"
        "   e.g. {{ deadline }}, {{ event_dates }}, {{ links.name }}, {{ recipient.name }} #}\n"
        f"{placeholder('first paragraph')}\n\n"
        f"{placeholder('further paragraphs, separated by a blank line')}\n"
    )


def cover_skeleton(language: Language) -> str:
    return (
        "{# The e-mail that carries the PDF, in "
        + language.value
        + ". #}\n"
        + '{% set attachment_name = "'
        + placeholder("attachment file name")
        + '.pdf" %}\n'
        "{{ salutation }}\n\n"
        f"{placeholder('one or two sentences on the attached letter')}\n\n"
        "{{ closing }}\n\n"
        "{{ sender }}\n"
    )


def recipients_header(grouped: bool) -> str:
    columns = ["id", "email", "language", *(["group"] if grouped else []), "name", "gender"]
    return ",".join([*columns, "honorific", "position", "organization", "country"]) + "\n"
