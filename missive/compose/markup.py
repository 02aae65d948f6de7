"""The body markup: a small Markdown subset, parsed by markdown-it into model blocks.

Supported: paragraphs, one level of bullet lists, **bold**, *italic*, [links](url) and
hard line breaks. Everything else is left as literal text (its markdown-it rule is off),
except numbered and nested lists, which are reported because they would silently lose
their structure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from markdown_it import MarkdownIt
from markdown_it.token import Token

from missive.errors import InputError, Problem
from missive.model import Block, BulletList, Paragraph, Run
from missive.storage import reuse

# CommonMark lets a backslash escape any ASCII punctuation character, in text and in link
# destinations alike, so escaping all of them makes a substituted value literal wherever
# the template puts it.
_ASCII_PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_ESCAPES = {ord(c): "\\" + c for c in _ASCII_PUNCTUATION}
# A line break inside a value would let it open a new paragraph or list item.
_ESCAPES.update({ord("\n"): " ", ord("\r"): " "})


# Most values printed are the letter's own, the same for every recipient.
@reuse.memo(maxsize=4096)
def escape_markup(text: str) -> str:
    """Make `text` come out of the parser exactly as given (line breaks become spaces)."""
    return text.translate(_ESCAPES)


def _parser() -> MarkdownIt:
    # "zero" has every rule off: we switch on only what the subset needs, and html=False
    # keeps raw HTML as text in both the token stream and the HTML renderer.
    return MarkdownIt("zero", {"html": False}).enable(
        ["list", "emphasis", "link", "escape", "newline"]
    )


_MD = _parser()


@dataclass(frozen=True)
class _Style:
    bold: bool = False
    italic: bool = False
    href: str | None = None


def _runs(children: Sequence[Token], softbreak: str = " ") -> tuple[Run, ...]:
    """Inline tokens -> runs, merging neighbours of the same style."""
    runs: list[Run] = []
    bold = italic = 0
    href: str | None = None
    for token in children:
        kind = token.type
        if kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind == "em_open":
            italic += 1
        elif kind == "em_close":
            italic -= 1
        elif kind == "link_open":
            href = str(token.attrs.get("href", ""))
        elif kind == "link_close":
            href = None
        else:
            text = {"softbreak": softbreak, "hardbreak": "\n"}.get(kind, token.content)
            _append(runs, Run(text, bold=bold > 0, italic=italic > 0, href=href))
    return tuple(runs)


def _append(runs: list[Run], run: Run) -> None:
    if not run.text:
        return
    last = runs[-1] if runs else None
    if last is not None and (last.bold, last.italic, last.href) == (
        run.bold,
        run.italic,
        run.href,
    ):
        runs[-1] = Run(last.text + run.text, run.bold, run.italic, run.href)
    else:
        runs.append(run)


def parse_inline(text: str, softbreak: str = " ") -> tuple[Run, ...]:
    """Inline markup only (no paragraphs or lists), for subjects; a line break in the
    source becomes `softbreak`."""
    tokens = _MD.parseInline(text)
    return _runs(tokens[0].children or [], softbreak) if tokens else ()


def parse_blocks(text: str, path: Path) -> tuple[Block, ...]:
    """Parse a rendered template into paragraphs and bullet lists.

    `path` locates problems; line numbers are those of the rendered text, which match the
    template's as long as its Jinja2 statements keep the line structure.
    """
    tokens = _MD.parse(text)
    blocks: list[Block] = []
    problems: list[Problem] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "paragraph_open":
            blocks.append(Paragraph(_runs(tokens[index + 1].children or [])))
            index += 3
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            index, items = _list(tokens, index, path, problems)
            blocks.append(BulletList(items))
        else:
            index += 1
    if problems:
        raise InputError(problems)
    return tuple(blocks)


# What differs from one recipient's cover note to the next is mostly digits (the serial of a
# reference), and digits mean nothing to the markup: a paragraph is parsed, and written as
# HTML, with each ASCII digit replaced by this stand-in, which every rule that reads the text
# (emphasis flanking, bidi isolates) classes as a digit too (Unicode category Nd, bidi class
# EN), and the digits are put back in order. Where a digit could mean something (a numbered
# list opens with one; a link's address is percent-encoded), the paragraph is parsed as is.
DIGIT_STAND_IN = "\uff10"  # FULLWIDTH DIGIT ZERO
_DIGIT = re.compile("[0-9]")
_DIGITS = re.compile("[0-9]+")
_DIGIT_OPENS_LINE = re.compile(r"^[ \t]*[0-9]", re.MULTILINE)

# Blank lines, as the parser sees them: nothing but spaces and tabs between two line ends.
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t]*\n)*")
_BLANK_LINES = re.compile(r"\n(?:[ \t]*\n)+")
_PARAGRAPH_TOKENS = ["paragraph_open", "inline", "paragraph_close"]
_Read = TypeVar("_Read")


class ParagraphCache:
    """The paragraphs of texts that share most of them (cover notes), each parsed once.

    With only paragraphs and lists switched on, a blank line ends any paragraph, and a new
    block after it starts afresh unless a list is open. So a text whose every stretch between
    blank lines parses alone as one paragraph is exactly those paragraphs, whatever their
    neighbours. `paragraphs` answers None for any other text (a list, which may span blank
    lines; a carriage return or NUL, which the parser rewrites first): parse it whole.
    """

    def __init__(self, limit: int = 4096) -> None:
        self._limit = limit
        self._known: dict[str, Paragraph | None] = {}
        self._shapes: dict[str, tuple[Paragraph, str] | None] = {}

    def paragraphs(self, text: str) -> tuple[Paragraph, ...] | None:
        return self._each(text, self._paragraph)

    def shaped(self, text: str) -> tuple[tuple[Paragraph, str], ...] | None:
        """Like `paragraphs`, each paragraph as (its shape, its digits): the shape has the
        stand-in for each digit (`DIGIT_STAND_IN`), and `fill_digits(shape text, digits)`
        gives back the text; a paragraph parsed as is has no digits to fill."""
        return self._each(text, self._shaped)

    def _each(self, text: str, read: Callable[[str], _Read | None]) -> tuple[_Read, ...] | None:
        """`read` of each stretch between blank lines; None if any gives None."""
        chunks = _chunks(text)
        if chunks is None:
            return None
        found: list[_Read] = []
        for chunk in chunks:
            item = read(chunk)
            if item is None:
                return None
            found.append(item)
        return tuple(found) if found else None

    def _shaped(self, chunk: str) -> tuple[Paragraph, str] | None:
        if chunk in self._shapes:
            return self._shapes[chunk]
        if len(self._shapes) >= self._limit:
            self._shapes.clear()
        shaped = self._shapes[chunk] = self._shape(chunk)
        return shaped

    def _shape(self, chunk: str) -> tuple[Paragraph, str] | None:
        digits = "".join(_DIGITS.findall(chunk))
        if digits and DIGIT_STAND_IN not in chunk and not _DIGIT_OPENS_LINE.search(chunk):
            shape = self._paragraph(_DIGIT.sub(DIGIT_STAND_IN, chunk))
            if shape is not None and all(run.href is None for run in shape.runs):
                stand_ins = sum(run.text.count(DIGIT_STAND_IN) for run in shape.runs)
                if stand_ins == len(digits):
                    return shape, digits
        paragraph = self._paragraph(chunk)
        return None if paragraph is None else (paragraph, "")

    def _paragraph(self, chunk: str) -> Paragraph | None:
        if chunk in self._known:
            return self._known[chunk]
        tokens = _MD.parse(chunk)
        paragraph = None
        if [token.type for token in tokens] == _PARAGRAPH_TOKENS:
            paragraph = Paragraph(_runs(tokens[1].children or []))
        if len(self._known) >= self._limit:
            self._known.clear()
        self._known[chunk] = paragraph
        return paragraph


def _chunks(text: str) -> list[str] | None:
    """The stretches of `text` between blank lines, or None if the parser rewrites it first
    (a carriage return, a NUL)."""
    if "\r" in text or "\0" in text:
        return None
    start = _LEADING_BLANK_LINES.match(text)
    chunks = _BLANK_LINES.split(text[start.end() if start else 0 :])
    if chunks and not chunks[-1].strip(" \t\n"):
        chunks.pop()  # blank lines at the end
    return chunks


def digit_shape(text: str) -> tuple[str, str] | None:
    """(`text` with each ASCII digit as `DIGIT_STAND_IN`, its digits in order), or None if
    `text` holds the stand-in itself."""
    if DIGIT_STAND_IN in text:
        return None
    return _DIGIT.sub(DIGIT_STAND_IN, text), "".join(_DIGITS.findall(text))


def fill_digits(shape: str, digits: str) -> str:
    """`shape` with its stand-ins replaced by `digits`, in order (see `DIGIT_STAND_IN`)."""
    if not digits:
        return shape
    pieces = shape.split(DIGIT_STAND_IN)
    filled = [pieces[0]]
    for digit, piece in zip(digits, pieces[1:], strict=True):
        filled += (digit, piece)
    return "".join(filled)


def _list(
    tokens: Sequence[Token], start: int, path: Path, problems: list[Problem]
) -> tuple[int, tuple[tuple[Run, ...], ...]]:
    """Read the list opening at `start`; return the index after it and its items."""
    opening = tokens[start]
    line = (opening.map[0] if opening.map else 0) + 1
    if opening.type == "ordered_list_open":
        problems.append(Problem(path, line, 1, "numbered lists are not supported"))
    items: list[tuple[Run, ...]] = []
    depth = 0
    index = start
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
            if depth == 2:
                nested = (token.map[0] if token.map else 0) + 1
                problems.append(Problem(path, nested, 1, "nested lists are not supported"))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
            if depth == 0:
                break
        elif token.type == "inline" and depth == 1:
            items.append(_runs(token.children or []))
    return index + 1, tuple(items)


def runs_text(runs: Sequence[Run]) -> str:
    """Plain text of runs; a link whose text is not its address is followed by <address>."""
    parts: list[str] = []
    shown = ""  # text of the link being read, which may span several styled runs
    for index, run in enumerate(runs):
        parts.append(run.text)
        shown = shown + run.text if run.href else ""
        following = runs[index + 1].href if index + 1 < len(runs) else None
        if run.href and following != run.href:
            if run.href not in (shown, f"http://{shown}", f"mailto:{shown}"):
                parts.append(f" <{run.href}>")
            shown = ""
    return "".join(parts)


def block_text(block: Block) -> str:
    """Plain text of a block: a paragraph's runs, or a list's items each as '- '."""
    if isinstance(block, Paragraph):
        return runs_text(block.runs)
    return "\n".join(f"- {runs_text(item)}" for item in block.items)


def blocks_text(blocks: Sequence[Block]) -> str:
    """Plain text of blocks: paragraphs separated by a blank line, list items as '- '."""
    return "\n\n".join(block_text(block) for block in blocks)
