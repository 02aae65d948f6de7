"""The peers of the render benchmark: the same composed letter typeset by Typst and WeasyPrint.

Both get what missive's renderer gets, a `ComposedLetter` from missive's own composer, and
the same font files (missive/fonts/): Typst through `font_paths` (system fonts ignored),
WeasyPrint through @font-face. Typst reads the letter as JSON from `sys.inputs`
(bench/letter.typ), and one `typst.Compiler` is reused for every letter, as a service
would; WeasyPrint gets an HTML page.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from missive.model import BulletList, ComposedLetter, Language, PageSize, Run
from missive.render.fonts import FONT_DIR

TYPST_TEMPLATE = Path(__file__).resolve().parent / "letter.typ"
TYPST_FONTS = {
    Language.AR: ["Amiri", "Noto Sans", "WenQuanYi Micro Hei"],
    Language.ZH: ["WenQuanYi Micro Hei", "Noto Sans", "Amiri"],
}
LATIN_FONTS = ["Noto Sans", "Amiri", "WenQuanYi Micro Hei"]
# Size and leading per script, as missive's LetterStyles.
SIZES = {Language.AR: (12.5, 20.0), Language.ZH: (10.5, 17.0)}


def _runs(runs: Sequence[Run]) -> list[dict[str, Any]]:
    return [{"text": r.text, "bold": r.bold, "italic": r.italic, "href": r.href} for r in runs]


def letter_json(composed: ComposedLetter) -> str:
    """The composed letter as the JSON bench/letter.typ reads."""
    size, leading = SIZES.get(composed.language, (10.5, 14.5))
    body = [
        {"kind": "l", "items": [_runs(item) for item in block.items]}
        if isinstance(block, BulletList)
        else {"kind": "p", "runs": _runs(block.runs)}
        for block in composed.body
    ]
    signatories = [
        {
            "marker": s.signed_marker,
            "name": s.name,
            "title": list(s.title_lines),
            "organization": s.organization,
        }
        for s in composed.signatories
    ]
    letter = {
        "title": composed.subject.replace("\n", " "),
        "organization": composed.organization,
        "date": composed.date_text,
        "dir": "rtl" if composed.is_rtl else "ltr",
        "lang": composed.language.value,
        "paper": "us-letter" if composed.page_size is PageSize.LETTER else "a4",
        "fonts": TYPST_FONTS.get(composed.language, LATIN_FONTS),
        "size": size,
        "leading": leading,
        "indent": 2 * size if composed.language is Language.ZH else 0,
        "page_label": composed.page_label,
        "header": [
            {"label": f.label, "value": f.value, "href": f.href} for f in composed.header_fields
        ],
        "addressee": list(composed.addressee),
        "distribution_heading": composed.distribution_heading,
        "distribution": list(composed.distribution),
        "subject": composed.subject,
        "salutation": composed.salutation,
        "closing": composed.closing,
        "body": body,
        "signatories": signatories,
    }
    return json.dumps(letter, ensure_ascii=False)


class TypstPeer:
    """One reused Typst compiler over the letter template."""

    def __init__(self) -> None:
        import typst

        self.compiler = typst.Compiler(
            str(TYPST_TEMPLATE), font_paths=[str(FONT_DIR)], ignore_system_fonts=True
        )

    def render(self, composed: ComposedLetter) -> bytes:
        data = self.compiler.compile(format="pdf", sys_inputs={"letter": letter_json(composed)})
        assert isinstance(data, bytes)
        return data


# --- WeasyPrint on an equivalent HTML letter ----------------------------------------------

FACES = {
    Language.AR: ("Amiri", "Amiri-Regular", "Amiri-Bold"),
    Language.ZH: ("WenQuanYi", "WenQuanYiMicroHei", "WenQuanYiMicroHei"),
}
NOTO = ("Noto Sans", "NotoSans-Regular", "NotoSans-Bold")


def font_css() -> str:
    rules = []
    for family, regular, bold in (NOTO, *FACES.values()):
        for weight, stem in (("normal", regular), ("bold", bold)):
            url = (FONT_DIR / f"{stem}.ttf").as_uri()
            rules.append(
                f"@font-face {{ font-family: '{family}'; font-weight: {weight}; "
                f"src: url('{url}'); }}"
            )
    return "\n".join(rules)


def _html_runs(runs: Sequence[Run]) -> str:
    out = []
    for run in runs:
        text = html.escape(run.text).replace("\n", "<br>")
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        if run.href:
            text = f'<a href="{html.escape(run.href)}">{text}</a>'
        out.append(text)
    return "".join(out)


def html_letter(composed: ComposedLetter, css: str) -> str:
    """The same letter as HTML: letterhead, header table, lists, body, signatory grid."""
    family = FACES.get(composed.language, NOTO)[0]
    esc = html.escape
    header = "".join(
        f"<tr><th>{esc(f.label)}</th><td>{esc(f.value)}</td></tr>" for f in composed.header_fields
    )
    body = []
    for block in composed.body:
        if isinstance(block, BulletList):
            items = "".join(f"<li>{_html_runs(item)}</li>" for item in block.items)
            body.append(f"<ul>{items}</ul>")
        else:
            body.append(f"<p>{_html_runs(block.runs)}</p>")
    cells = "".join(
        f"<td>{esc(s.signed_marker)}<br><b>{esc(s.name)}</b><br>"
        f"{'<br>'.join(esc(t) for t in s.title_lines)}<br>{esc(s.organization)}</td>"
        for s in composed.signatories
    )
    groups = "".join(f"<li>{esc(g)}</li>" for g in composed.distribution)
    direction = "rtl" if composed.is_rtl else "ltr"
    return f"""<!doctype html><html lang="{composed.lang_tag}" dir="{direction}"><head>
<meta charset="utf-8"><title>{esc(composed.subject)}</title><style>
{css}
@page {{ size: A4; margin: 20mm 22mm; @bottom-center {{ content: counter(page); }} }}
body {{ font-family: '{family}', 'Noto Sans', 'Amiri', 'WenQuanYi'; font-size: 10.5pt; }}
h1 {{ text-align: center; font-size: 14pt; border-bottom: 0.6pt solid; }}
p {{ text-align: justify; }} th {{ text-align: start; }}
table.sig {{ width: 100%; table-layout: fixed; page-break-inside: avoid; font-size: 9pt; }}
</style></head><body>
<h1>{esc(composed.organization)}</h1><p>{esc(composed.date_text)}</p>
<table>{header}</table>
<p>{"<br>".join(esc(line) for line in composed.addressee)}</p>
<p>{esc(composed.distribution_heading)}</p><ul>{groups}</ul>
<p><b>{esc(composed.subject).replace(chr(10), "<br>")}</b></p>
<p>{esc(composed.salutation)}</p>{"".join(body)}<p>{esc(composed.closing)}</p>
<table class="sig"><tr>{cells}</tr></table></body></html>"""


class WeasyPrintPeer:
    def __init__(self) -> None:
        import weasyprint

        self.weasyprint = weasyprint
        self.css = font_css()
        self.name = f"WeasyPrint {weasyprint.__version__}"

    def render(self, composed: ComposedLetter) -> bytes:
        data = self.weasyprint.HTML(string=html_letter(composed, self.css)).write_pdf()
        assert isinstance(data, bytes)
        return data
