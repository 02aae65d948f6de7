"""A batch's content hash: a digest of every input that can change a byte that is sent.

A batch is a letter with a selection of its recipients. Its inputs are the letter YAML,
its templates, the gettext catalogs, the signatories (and their images), the recipients
file, the fonts, the package version, the recipient selection and the sha256 of each
rendered PDF (the manifest).

Each language has its own hash over the shared inputs plus its own (its templates,
catalog, recipients and PDFs), so a change to the French template sends only French back
to review; the batch hash combines the language hashes. The per-file digests are kept so
that a refusal can say which files changed.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from missive import __version__
from missive.errors import SelectionError
from missive.model import Language, Letter, Recipient

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG_DIR = PACKAGE_DIR / "locale"
DEFAULT_FONTS_DIR = PACKAGE_DIR / "fonts"
VERSION_LABEL = "missive version"
SELECTION_LABEL = "recipient selection"
PDF_LABEL = "PDF for "
SHORT_HASH = 12


@dataclass(frozen=True)
class Selection:
    """Which recipients of the letter a batch sends to; empty means all the letter offers."""

    languages: tuple[Language, ...] = ()
    groups: tuple[str, ...] = ()
    limit: int | None = None


@dataclass(frozen=True)
class InputFile:
    label: str  # shown to people: relative to the project root, the catalogs or the fonts
    path: Path
    language: Language | None  # None: shared by every language


@dataclass(frozen=True)
class BatchInputs:
    letter_key: str
    languages: tuple[Language, ...]  # those with at least one selected recipient
    files: tuple[InputFile, ...]
    recipients: tuple[tuple[str, Language], ...]  # selected (recipient id, language)
    version: str = __version__


@dataclass(frozen=True)
class LanguageDigest:
    language: Language
    hash: str  # over every entry of `files`
    inputs_hash: str  # over the input files only, not the PDFs
    files: Mapping[str, str]  # label -> sha256, with "PDF for <id>" entries if rendered
    count: int  # selected recipients in this language

    @property
    def pdfs(self) -> dict[str, str]:
        """Recipient id -> sha256 of the PDF, for the recipients rendered."""
        return {k[len(PDF_LABEL) :]: v for k, v in self.files.items() if k.startswith(PDF_LABEL)}


@dataclass(frozen=True)
class BatchDigest:
    letter_key: str
    hash: str
    languages: Mapping[Language, LanguageDigest]
    rendered: bool  # whether the PDFs' digests are part of the hash

    @property
    def short(self) -> str:
        return self.hash[:SHORT_HASH]


def require_known_groups(letter: Letter, groups: Iterable[str]) -> None:
    """Refuse a group the letter does not have: it would select nobody, and do so quietly."""
    unknown = tuple(g for g in groups if g not in letter.groups)
    if unknown:
        raise SelectionError(unknown, letter.groups)


def is_selected(letter: Letter, selection: Selection, language: Language, group: str) -> bool:
    """Whether a recipient of this language and group is in the selection (before its limit)."""
    if language not in letter.languages:
        return False
    if selection.languages and language not in selection.languages:
        return False
    return not selection.groups or group in selection.groups


def iter_selected(
    letter: Letter, recipients: Iterable[Recipient], selection: Selection
) -> Iterator[Recipient]:
    """The recipients a batch sends to, in file order, read no further than the limit needs.

    An unknown group is refused at the call, not at the first recipient read."""
    require_known_groups(letter, selection.groups)
    chosen = (r for r in recipients if is_selected(letter, selection, r.language, r.group))
    if selection.limit is None:
        return chosen
    return itertools.islice(chosen, max(selection.limit, 0))


def select_recipients(
    letter: Letter, recipients: Iterable[Recipient], selection: Selection
) -> tuple[Recipient, ...]:
    """The recipients a batch sends to, in file order (the limit keeps the first ones)."""
    return tuple(iter_selected(letter, recipients, selection))


def selected_counts(
    letter: Letter, counts: Mapping[tuple[Language, str], int], selection: Selection
) -> Counter[Language]:
    """How many recipients each language has in the selection, from a list's counts per
    (language, group), before the limit."""
    shares: Counter[Language] = Counter()
    for (language, group), count in counts.items():
        if is_selected(letter, selection, language, group):
            shares[language] += count
    return shares


def collect_inputs(
    letter: Letter,
    recipients: Sequence[Recipient],
    *,
    catalog_dir: Path | None = None,
    fonts_dir: Path | None = None,
    recipients_path: Path | None = None,
) -> BatchInputs:
    """Every file the batch of `recipients` (already selected) depends on."""
    root = letter.path.resolve().parent.parent
    present = {r.language for r in recipients}
    languages = tuple(lang for lang in letter.languages if lang in present)
    files = [
        InputFile(_label(letter.path, root), letter.path, None),
        _input(recipients_path or letter.recipients_path, root, None),
        *_template_files(letter.templates_dir, root, languages),
        *_catalog_files(catalog_dir or DEFAULT_CATALOG_DIR, languages),
        *_signatory_files(letter, root),
        *_tree(fonts_dir or DEFAULT_FONTS_DIR, "fonts", None),
    ]
    if letter.logo is not None:
        files.append(_input(letter.logo, root, None))
    unique = {f.label: f for f in files}
    return BatchInputs(
        letter_key=letter.key,
        languages=languages,
        files=tuple(sorted(unique.values(), key=lambda f: f.label)),
        recipients=tuple((r.id, r.language) for r in recipients),
    )


def digest_batch(
    inputs: BatchInputs, manifest_digests: Iterable[tuple[str, str]] | None = None
) -> BatchDigest:
    """Hash every input; `manifest_digests` are (recipient id, sha256 of its PDF) pairs."""
    shared = {f.label: _file_sha256(f.path) for f in inputs.files if f.language is None}
    shared[VERSION_LABEL] = _text_sha256(inputs.version)
    pdfs = dict(manifest_digests or ())
    languages: dict[Language, LanguageDigest] = {}
    for lang in inputs.languages:
        ids = [rid for rid, rlang in inputs.recipients if rlang == lang]
        files = dict(shared)
        files.update({f.label: _file_sha256(f.path) for f in inputs.files if f.language == lang})
        files[SELECTION_LABEL] = _text_sha256("\n".join(ids))
        inputs_hash = _map_sha256(files)
        if manifest_digests is not None:
            files.update({PDF_LABEL + rid: pdfs.get(rid, "not rendered") for rid in ids})
        languages[lang] = LanguageDigest(lang, _map_sha256(files), inputs_hash, files, len(ids))
    return combine_digests(inputs.letter_key, languages, rendered=manifest_digests is not None)


def combine_digests(
    letter_key: str, languages: Mapping[Language, LanguageDigest], *, rendered: bool
) -> BatchDigest:
    """The batch's digest from its languages' (the workspace keeps each language's apart)."""
    combined = {str(lang): d.hash for lang, d in languages.items()}
    combined["letter"] = _text_sha256(letter_key)
    return BatchDigest(letter_key, _map_sha256(combined), dict(languages), rendered)


def file_digests(files: Iterable[InputFile]) -> dict[str, str]:
    """Each input file's sha256 as it is now, by label (the files read again, whole)."""
    found = {f.label: _file_sha256(f.path) for f in files}
    found[VERSION_LABEL] = _text_sha256(__version__)
    return found


def batch_hash(
    inputs: BatchInputs, manifest_digests: Iterable[tuple[str, str]] | None = None
) -> str:
    return digest_batch(inputs, manifest_digests).hash


def changed_files(
    before: Mapping[str, str], after: Mapping[str, str], *, pdfs: bool = True
) -> tuple[str, ...]:
    """Labels added, removed or modified between two digest maps; files before PDFs."""
    labels = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    # A PDF present on one side only is a recipient added or removed: the selection entry
    # already says so, and listing them all would hide the files that changed.
    labels = {
        k for k in labels if not k.startswith(PDF_LABEL) or (pdfs and k in before and k in after)
    }
    return tuple(sorted(labels, key=lambda k: (k.startswith(PDF_LABEL), k)))


# --- inputs -------------------------------------------------------------------------


def _label(path: Path, root: Path) -> str:
    resolved = path.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(path)


def _input(path: Path, root: Path, language: Language | None) -> InputFile:
    return InputFile(_label(path, root), path, language)


def _language_of_name(name: str) -> Language | None:
    """`letter.fr.md.j2` -> fr: a dotted segment naming a language marks a per-language file."""
    for segment in name.split(".")[1:]:
        if segment in Language.__members__.values():
            return Language(segment)
    return None


def _template_files(
    templates_dir: Path, root: Path, languages: tuple[Language, ...]
) -> list[InputFile]:
    # Every file of the folder counts, not only the letter's own templates: a template may
    # include or extend any other, and a needless re-review is cheaper than a missed change.
    found = []
    for path in _files_under(templates_dir):
        lang = _language_of_name(path.name)
        if lang is None or lang in languages:
            found.append(_input(path, root, lang))
    return found


def _catalog_files(catalog_dir: Path, languages: tuple[Language, ...]) -> list[InputFile]:
    found = []
    for path in sorted(catalog_dir.glob("*/LC_MESSAGES/*.po")):
        code = path.parent.parent.name.split("_")[0]
        if code in languages:
            label = "locale/" + path.relative_to(catalog_dir).as_posix()
            found.append(InputFile(label, path, Language(code)))
    return found


def _signatory_files(letter: Letter, root: Path) -> list[InputFile]:
    found = []
    for signatory in letter.signatories:
        for path in sorted((root / "signatories").glob(f"{signatory.key}.y*ml")):
            found.append(_input(path, root, None))
        if signatory.signature_image is not None:
            found.append(_input(signatory.signature_image, root, None))
    return found


def _tree(folder: Path, prefix: str, language: Language | None) -> list[InputFile]:
    return [
        InputFile(f"{prefix}/{p.relative_to(folder).as_posix()}", p, language)
        for p in _files_under(folder)
    ]


def _files_under(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not p.name.startswith(".") and "__pycache__" not in p.parts
    )


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return "missing"
    return digest.hexdigest()


def _text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _map_sha256(entries: Mapping[str, str]) -> str:
    return _text_sha256("".join(f"{k}\0{v}\n" for k, v in sorted(entries.items())))
