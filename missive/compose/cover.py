"""The cover e-mail's two bodies: a complete HTML document and plain text, in any script.

Mail clients do not guess direction or language: the HTML carries `lang` and `dir` on the
document and again on a wrapping block (webmail keeps only what is inside <body>), its style
is inline (no external CSS, no remote images), and every run written against the paragraph's
direction is isolated in a <bdi>, so it neither moves nor reorders the text around it.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise

from missive.compose.direction import Isolate, isolates, mark_rtl_line, mark_rtl_text
from missive.compose.markup import block_text, fill_digits
from missive.model import Block, Language, Paragraph, Run
from missive.storage import reuse

# Faces common on the systems mail is read on, then the free ones of Linux desktops; the
# generic family last so a client without any of them still picks a face for the script.
_FONTS = {
    Language.AR: "'Amiri', 'Traditional Arabic', 'Simplified Arabic', Arial, sans-serif",
    Language.ZH: (
        "'Microsoft YaHei', 'PingFang SC', 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"
    ),
}
_LATIN_FONTS = "Arial, Helvetica, 'Noto Sans', sans-serif"
_SIZES = {Language.AR: "18px"}  # Arabic letters at 15px are hard to read in Naskh faces


@dataclass(frozen=True)
class CoverBodies:
    text: str
    html: str


def cover_bodies(
    blocks: Sequence[Block], *, language: Language, lang_tag: str, title: str
) -> CoverBodies:
    """The plain-text and HTML bodies of a cover note parsed into `blocks`."""
    shaped = [(block, "") for block in blocks]
    return shaped_cover_bodies(shaped, language=language, lang_tag=lang_tag, title=title)


def shaped_cover_bodies(
    shaped: Sequence[tuple[Block, str]], *, language: Language, lang_tag: str, title: str
) -> CoverBodies:
    """The bodies of a cover note whose blocks come with the digits their shapes stand for
    (`ParagraphCache.shaped`): a shape's text and HTML are written once, then filled."""
    rtl = language.is_rtl
    written = [(_written(block, rtl), digits) for block, digits in shaped]
    text = "\n\n".join(fill_digits(plain, d) if d else plain for (plain, _), d in written)
    if rtl:
        text = mark_rtl_text(text)
    body = "\n".join(fill_digits(markup, d) if d else markup for (_, markup), d in written)
    return CoverBodies(text=text, html=_document(body, language, lang_tag, title))


_WRITTEN_LIMIT = 4096
# id(block), direction -> (block, text, HTML). Found by identity: the shapes handed out for
# every recipient are the very same objects, and hashing a block means hashing each run.
# The block is held so that its id cannot be reused while the entry lives.
_written_blocks: reuse.Kept[tuple[Block, str, str]] = reuse.Kept(
    f"{__name__}._written_blocks", _WRITTEN_LIMIT
)


def _written(block: Block, rtl: bool) -> tuple[str, str]:
    """The plain text and the HTML of `block`."""
    found = _written_blocks.get((id(block), rtl))
    if found is not None and found[0] is block:
        return found[1], found[2]
    plain, markup = block_text(block), _block_html(block, rtl)
    _written_blocks.put((id(block), rtl), (block, plain, markup))
    return plain, markup


def cover_line(value: str, language: Language) -> str:
    """A subject or an attachment name, laid out in the language's direction (see
    `mark_rtl_line`)."""
    return mark_rtl_line(value) if language.is_rtl else value


def _document(body: str, language: Language, lang_tag: str, title: str) -> str:
    direction = "rtl" if language.is_rtl else "ltr"
    align = "right" if language.is_rtl else "left"
    style = (
        f"font-family: {_FONTS.get(language, _LATIN_FONTS)}; "
        f"font-size: {_SIZES.get(language, '15px')}; line-height: 1.6; color: #1a1a1a; "
        f"text-align: {align}; max-width: 42em;"
    )
    lang = html.escape(lang_tag, quote=True)
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{lang}" dir="{direction}">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        "</head>\n"
        '<body style="margin: 0; padding: 16px;">\n'
        f'<div lang="{lang}" dir="{direction}" style="{style}">\n'
        f"{body}\n"
        "</div>\n"
        "</body>\n"
        "</html>\n"
    )


# Most paragraphs of a cover note, or their shapes, are the same for every recipient.
@reuse.memo(maxsize=4096)
def _block_html(block: Block, rtl: bool) -> str:
    if isinstance(block, Paragraph):
        return f'<p style="margin: 0 0 1em;">{_inline_html(block.runs, rtl)}</p>'
    items = "".join(f"<li>{_inline_html(item, rtl)}</li>\n" for item in block.items)
    return f'<ul style="margin: 0 0 1em;">\n{items}</ul>'


def _pieces(runs: Sequence[Run], found: Sequence[Isolate]) -> Iterator[tuple[int, Run, str]]:
    """(isolate index or -1, run, text) for the stretches between run and isolate edges."""
    edges = {i.start for i in found} | {i.end for i in found}
    offset = 0
    for run in runs:
        end = offset + len(run.text)
        cuts = [offset, *sorted(e for e in edges if offset < e < end), end]
        for low, high in pairwise(cuts):
            owner = next((n for n, i in enumerate(found) if i.start <= low < i.end), -1)
            yield owner, run, run.text[low - offset : high - offset]
        offset = end


def _inline_html(runs: Sequence[Run], rtl: bool) -> str:
    found = isolates("".join(run.text for run in runs), rtl=rtl)
    parts: list[str] = []
    current = -1
    for owner, run, text in _pieces(runs, found):
        if owner != current:
            if current >= 0:
                parts.append("</bdi>")
            if owner >= 0:
                parts.append(f'<bdi dir="{found[owner].direction}">')
            current = owner
        parts.append(_run_html(run, text))
    if current >= 0:
        parts.append("</bdi>")
    return "".join(parts)


def _run_html(run: Run, text: str) -> str:
    shown = html.escape(text, quote=False).replace("\n", "<br>\n")
    if run.italic:
        shown = f"<em>{shown}</em>"
    if run.bold:
        shown = f"<strong>{shown}</strong>"
    if run.href is not None:
        shown = f'<a href="{html.escape(run.href, quote=True)}">{shown}</a>'
    return shown
