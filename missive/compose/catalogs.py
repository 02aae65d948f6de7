"""The gettext catalogs of every fixed label and formula a letter prints.

The messages are declared once, in `messages.py`; `missive/locale/missive.pot` is written
from them (`python -m missive.compose.catalogs`) and each language's `.po` is translated by
people. At run time the compiled `.mo` is used when it is up to date, otherwise the `.po`
is compiled in memory, so a fresh clone works before `make catalogs`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING

import babel
from babel.support import Translations

from missive.compose.messages import MESSAGES, Message
from missive.errors import InputError, Problem
from missive.model import Language
from missive.storage import reuse, startcache

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

LOCALE_DIR = Path(__file__).parent.parent / "locale"
DOMAIN = "missive"


_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def po_path(language: Language, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language.value / "LC_MESSAGES" / f"{DOMAIN}.po"


class Catalogs:
    """Translations of the fixed messages into one language."""

    def __init__(self, language: Language, locale_dir: Path = LOCALE_DIR) -> None:
        self.language = language
        self._translations = _load(po_path(language, locale_dir))

    def text(self, message: Message) -> str:
        if message.context is None:
            return self._translations.gettext(message.msgid)
        return str(self._translations.pgettext(message.context, message.msgid))


def _load(po: Path) -> Translations:
    """Translations from the compiled `.mo` if it is at least as new as its `.po`."""
    mo = po.with_suffix(".mo")
    try:
        po_time = po.stat().st_mtime
        mo_time = mo.stat().st_mtime if mo.exists() else None
    except OSError as exc:
        raise InputError([Problem(po, 1, 1, f"cannot read catalog: {exc.strerror}")]) from exc
    fresh = mo_time is not None and mo_time >= po_time
    # Keyed by modification times, so an edited catalog is read again.
    return _read(mo if fresh else po, po_time, mo_time)


@reuse.memo(maxsize=64)  # by file and modification times: an edit is another entry
def _read(path: Path, po_time: float, mo_time: float | None) -> Translations:
    try:
        with path.open("rb") as stream:
            if path.suffix == ".mo":
                return Translations(stream, domain=DOMAIN)
            return _compiled(stream)
    except OSError as exc:
        raise InputError([Problem(path, 1, 1, f"cannot read catalog: {exc.strerror}")]) from exc


def _compiled(po: IO[bytes]) -> Translations:
    # babel.messages is imported only where a `.po` is parsed: here (a `.mo` older than its
    # `.po`), a catalog's text checked for the first time, the `.pot` written. Whether that
    # happens depends on the start-up cache, which no command line knows in advance.
    from babel.messages.mofile import write_mo  # noqa: PLC0415
    from babel.messages.pofile import read_po  # noqa: PLC0415

    compiled = io.BytesIO()
    write_mo(compiled, read_po(po, domain=DOMAIN))
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def catalog_problems(languages: Iterable[Language], locale_dir: Path = LOCALE_DIR) -> list[Problem]:
    """Every message left untranslated, fuzzy or missing its placeholders, per language.

    What a catalog's text gives is kept in the start-up cache: every process that composes
    checks every catalog of the letter, and parsing a `.po` costs about 2 ms.
    """
    problems: list[Problem] = []
    for language in languages:
        path = po_path(language, locale_dir)
        try:
            text = path.read_bytes()
        except OSError:
            problems.append(Problem(path, 1, 1, f"missing catalog for language {language}"))
            continue
        found = startcache.kept(
            "catalog-problems", text, _version(), partial(_entry_problems, text)
        )
        problems.extend(Problem(path, line, 1, message) for line, message in found)
    return problems


def _entry_problems(text: bytes) -> tuple[tuple[int, str], ...]:
    """(line, message) of each problem of the catalog `text`."""
    from babel.messages.pofile import read_po  # noqa: PLC0415 (see _compiled)

    catalog = read_po(io.BytesIO(text), domain=DOMAIN)
    problems: list[tuple[int, str]] = []
    for message in MESSAGES:
        entry = catalog.get(message.msgid, context=message.context)
        line = entry.lineno if entry is not None and entry.lineno else 1
        if entry is None or not entry.string or entry.fuzzy:
            problems.append((line, f"missing translation for {message.msgid!r}"))
            continue
        if problem := _placeholder_problem(message, str(entry.string)):
            problems.append((line, problem))
    return tuple(problems)


def _placeholder_problem(message: Message, translation: str) -> str | None:
    """Why `translation` cannot stand for `message`: a placeholder missing or unknown."""
    own = set(_PLACEHOLDER.findall(message.msgid))
    used = _PLACEHOLDER.findall(translation)
    required = own - message.optional
    if required <= set(used) <= own | message.optional and len(used) == len(set(used)):
        return None
    wanted = " ".join(sorted(required)) or "no placeholder"
    if message.optional:
        wanted += f" (and may use {' '.join(sorted(message.optional))})"
    where = f" ({message.context})" if message.context else ""
    return f"translation of {message.msgid!r}{where} must use {wanted}"


@reuse.once
def _version() -> str:
    """The messages and rules above, and Babel's reading of a `.po`."""
    code = startcache.code_fingerprint(__name__)
    return f"babel {babel.__version__} code {code[:16]}"


def template_catalog() -> Catalog:
    """The `.pot`: every message, untranslated."""
    from babel.messages.catalog import Catalog  # noqa: PLC0415 (see _compiled)

    catalog = Catalog(project="missive", domain=DOMAIN, charset="utf-8")
    for message in MESSAGES:
        comments = [message.comment] if message.comment else []
        catalog.add(message.msgid, context=message.context, auto_comments=comments)
    return catalog


def write_template(path: Path = LOCALE_DIR / f"{DOMAIN}.pot") -> None:
    from babel.messages.pofile import write_po  # noqa: PLC0415 (see _compiled)

    with path.open("wb") as stream:
        write_po(stream, template_catalog(), omit_header=False, width=100)


if __name__ == "__main__":
    write_template()
