"""The cover e-mail as clients show it: a whole HTML document with lang and dir, every run
against the paragraph's direction isolated, plain text and headers that lay out right to
left in Arabic, and the Arabic and Chinese parts looked at in headless Chromium."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import html
import unicodedata
from collections.abc import Iterator
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from browser import chromium, save_screenshot
from delivery_fixtures import BATCH_DATE, TINY_PDF

from missive.compose.composer import Composer
from missive.compose.direction import RLM, mark_rtl_line
from missive.deliver.message import build_message
from missive.load import load_letter, load_recipients
from missive.model import ComposedLetter, Language, Letter, MailSettings, Recipient

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "letters/wsis20-invitation.yaml"
LANG_TAGS = {
    Language.AR: "ar",
    Language.ZH: "zh-Hans",
    Language.EN: "en-GB",
    Language.FR: "fr",
    Language.RU: "ru",
    Language.ES: "es",
}
# An Arabic cover with every kind of left-to-right run the issue names, and a Latin name.
MIXED_AR = (
    "{{ salutation }}\n\n"
    "نرفق طيه الدعوة (المرجع: {{ reference }}). للاستفسار يرجى الاتصال بالسيدة Gitanjali Sah "
    "على العنوان {{ contact.email }} أو بالهاتف {{ contact.phone }}.\n\n"
    "- جدول الأعمال: [{{ links.forum | without_scheme }}]({{ links.forum }})\n"
    "- الوثيقة ITU/WSIS/2024/0001 (rev. 1)\n\n"
    "WSIS+20: {{ closing }}\n"
)


@pytest.fixture(autouse=True)
def in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="module")
def sample() -> Letter:
    return load_letter(SAMPLE)


def first_of_each_language(letter: Letter) -> dict[Language, Recipient]:
    found: dict[Language, Recipient] = {}
    for recipient in load_recipients(letter.recipients_path, letter):
        found.setdefault(recipient.language, recipient)
    return found


def cover_html(composed: ComposedLetter, mail: MailSettings) -> str:
    """The text/html part of the message the sender would put on the wire."""
    built = build_message(composed, TINY_PDF, mail=mail, batch_id="b", date=BATCH_DATE)
    parsed = email.message_from_bytes(built.data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


@pytest.fixture(scope="module")
def covers(sample: Letter) -> dict[Language, str]:
    """The HTML part of the demo's cover e-mail, first recipient of each language."""
    people = first_of_each_language(sample)
    composer = Composer(sample, {p.id: n for n, p in enumerate(people.values(), start=1)})
    return {
        language: cover_html(composer.compose(p), sample.mail) for language, p in people.items()
    }


class Page(HTMLParser):
    """What the checks need from a document: its tags, and each text with the direction
    of the nearest enclosing isolate (None outside any)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype = ""
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[tuple[str, str | None]] = []
        self._open: list[tuple[str, str | None]] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.tags.append((tag, values))
        if tag not in ("meta", "br"):
            isolated = tag == "bdi" or (tag not in {"html", "div"} and "dir" in values)
            self._open.append((tag, values.get("dir") if isolated else None))

    def handle_endtag(self, tag: str) -> None:
        while self._open and self._open.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        direction = next((d for _, d in reversed(self._open) if d), None)
        in_title = any(tag == "title" for tag, _ in self._open)
        if data.strip() and not in_title:
            self.texts.append((data, direction))

    def first(self, tag: str) -> dict[str, str | None]:
        return next(values for name, values in self.tags if name == tag)


def parsed(document: str) -> Page:
    page = Page()
    page.feed(document)
    page.close()
    return page


def unisolated_ltr(text: str) -> Iterator[str]:
    """Latin letters, and digits joined by spaces, signs or separators, in `text`."""
    kinds = [unicodedata.bidirectional(c) for c in text]
    for index, kind in enumerate(kinds):
        if kind == "L":
            yield text[index]
        elif kind == "EN" and index + 2 < len(text):
            gap = index + 1
            while gap < len(text) and kinds[gap] in ("WS", "ES", "CS") and text[gap] != "\n":
                gap += 1
            if gap > index + 1 and gap < len(text) and kinds[gap] == "EN":
                yield text[index : gap + 1]


def test_every_language_is_a_whole_document_with_lang_and_dir(
    covers: dict[Language, str],
) -> None:
    assert set(covers) == set(Language)
    for language, document in covers.items():
        page = parsed(document)
        assert page.doctype.lower() == "doctype html"
        expected = {"lang": LANG_TAGS[language], "dir": "rtl" if language.is_rtl else "ltr"}
        assert {k: page.first("html").get(k) for k in expected} == expected
        assert page.first("meta").get("charset") == "utf-8"
        # webmail keeps only the body: the block inside it says the same again
        assert {k: page.first("div").get(k) for k in expected} == expected
        assert ("text-align: right" in str(page.first("div")["style"])) is language.is_rtl
        names = {tag for tag, _ in page.tags}
        assert not names & {"link", "img", "script", "iframe"}, "nothing fetched from the web"


def test_every_latin_run_in_the_arabic_cover_is_isolated(covers: dict[Language, str]) -> None:
    page = parsed(covers[Language.AR])
    assert [text for text, direction in page.texts if direction == "ltr"]
    for text, direction in page.texts:
        if direction != "ltr":
            assert list(unisolated_ltr(text)) == [], text


def test_an_arabic_cover_with_addresses_names_and_numbers(sample: Letter, tmp_path: Path) -> None:
    page = parsed(mixed_arabic_cover(sample, tmp_path).cover.html)
    isolated = [text for text, direction in page.texts if direction == "ltr"]
    for whole in (
        "Gitanjali Sah",
        "wsis-info@itu.int",
        "+41 22 730 6240",
        "www.wsis.org/forum",
        "ITU/WSIS/2024/0001 (rev. 1)",
        "WSIS+20",
    ):
        assert whole in isolated
    for text, direction in page.texts:
        if direction != "ltr":
            assert list(unisolated_ltr(text)) == [], text


def mixed_arabic_cover(sample: Letter, folder: Path) -> ComposedLetter:
    for language in sample.languages:
        source = sample.templates_dir / f"{sample.template}.{language}.md.j2"
        (folder / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        cover = sample.templates_dir / f"{sample.template}.cover.{language}.md.j2"
        text = MIXED_AR if language is Language.AR else cover.read_text(encoding="utf-8")
        (folder / cover.name).write_text(text, encoding="utf-8")
    letter = dataclasses.replace(sample, templates_dir=folder)
    person = first_of_each_language(sample)[Language.AR]
    return Composer(letter, {person.id: 1}).compose(person)


def test_an_arabic_name_in_an_english_cover_is_isolated_right_to_left(
    sample: Letter,
) -> None:
    person = dataclasses.replace(
        first_of_each_language(sample)[Language.EN], extra={"salutation": "Dear عبد الله,"}
    )
    page = parsed(Composer(sample).compose(person).cover.html)
    assert ("عبد الله", "rtl") in page.texts


def test_arabic_plain_text_marks_only_lines_that_open_left_to_right(
    sample: Letter, tmp_path: Path
) -> None:
    text = mixed_arabic_cover(sample, tmp_path).cover.text
    marked = [line for line in text.split("\n") if line.startswith(RLM)]
    assert marked == [
        RLM + "- جدول الأعمال: www.wsis.org/forum",
        RLM + "- الوثيقة ITU/WSIS/2024/0001 (rev. 1)",
        # the closing to a minister (the first Arabic recipient), in the letter's plural
        RLM + "WSIS+20: وتفضلوا، صاحب المعالي، بقبول أسمى آيات تقديرنا واحترامنا.",
    ]
    assert all(RLM not in line[1:] for line in text.split("\n"))


def test_subject_and_attachment_name_open_right_to_left_in_arabic(sample: Letter) -> None:
    person = first_of_each_language(sample)[Language.AR]
    cover = Composer(sample).compose(person).cover
    # The sample's Arabic subject and file name open with an Arabic letter: no mark needed.
    assert cover.subject == mark_rtl_line(cover.subject)
    assert not cover.subject.startswith(RLM)
    assert cover.attachment_name == "دعوة القمة العالمية لمجتمع المعلومات+20.pdf"
    assert mark_rtl_line("WSIS+20.pdf") == RLM + "WSIS+20.pdf"
    assert mark_rtl_line("(2024) دعوة") == RLM + "(2024) دعوة"


def test_arabic_attachment_name_keeps_its_script_on_the_wire(sample: Letter) -> None:
    person = first_of_each_language(sample)[Language.AR]
    composed = Composer(sample).compose(person)
    built = build_message(composed, TINY_PDF, mail=sample.mail, batch_id="b", date=BATCH_DATE)
    assert built.data.isascii()
    assert b"filename*=utf-8''" in built.data  # RFC 2231
    message = email.message_from_bytes(built.data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "دعوة القمة العالمية لمجتمع المعلومات+20.pdf"
    assert message["Subject"] == composed.cover.subject


# Where each visible character of the page's blocks and isolates is drawn, in logical order,
# with the line it sits on.
LAYOUT = """
() => {
  const glyphs = (root) => {
    const step = parseFloat(getComputedStyle(root).lineHeight);
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const isolated = root.tagName !== "BDI" && node.parentElement.closest("bdi") !== null;
      for (let i = 0; i < node.data.length; i++) {
        if (!node.data[i].trim()) continue;
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const box = range.getBoundingClientRect();
        const line = Math.round((box.top + box.bottom) / 2 / step);
        out.push({ch: node.data[i], left: box.left, right: box.right, line, isolated});
      }
    }
    return out;
  };
  const blocks = [...document.querySelectorAll("p, li")].map((node) => {
    const box = node.getBoundingClientRect();
    const style = getComputedStyle(node);
    return {
      direction: style.direction,
      left: box.left + parseFloat(style.paddingLeft),
      right: box.right - parseFloat(style.paddingRight),
      glyphs: glyphs(node),
    };
  });
  const isolates = [...document.querySelectorAll("bdi")].map((node) => ({
    direction: node.dir,
    glyphs: glyphs(node),
  }));
  return {blocks: blocks, isolates: isolates};
}
"""
Glyph = dict[str, Any]


def on_line(glyphs: list[Glyph], line: int) -> list[Glyph]:
    return [glyph for glyph in glyphs if glyph["line"] == line]


def check_layout(layout: dict[str, list[dict[str, Any]]], direction: str) -> None:
    """Blocks aligned to their start side, sentence-final punctuation at the end side, and
    every isolate read in its own direction on each line it spans."""
    for block in layout["blocks"]:
        assert block["direction"] == direction
        glyphs = block["glyphs"]
        first = on_line(glyphs, glyphs[0]["line"])
        if direction == "rtl":
            assert max(g["right"] for g in first) == pytest.approx(block["right"], abs=2)
        else:
            assert min(g["left"] for g in first) == pytest.approx(block["left"], abs=2)
        final = glyphs[-1]
        if unicodedata.category(final["ch"]).startswith("P") and not final["isolated"]:
            last = on_line(glyphs, final["line"])
            if direction == "rtl":
                assert final["left"] <= min(g["left"] for g in last) + 0.5, final
            else:
                assert final["right"] >= max(g["right"] for g in last) - 0.5, final
    for isolate in layout["isolates"]:
        glyphs = isolate["glyphs"]
        for line in {g["line"] for g in glyphs}:
            lefts = [g["left"] for g in on_line(glyphs, line)]
            reading = lefts if isolate["direction"] == "ltr" else lefts[::-1]
            assert reading == sorted(reading), "".join(g["ch"] for g in glyphs)


def test_arabic_and_chinese_covers_in_chromium(
    covers: dict[Language, str], sample: Letter, tmp_path: Path
) -> None:
    english = dataclasses.replace(
        first_of_each_language(sample)[Language.EN], extra={"salutation": "Dear عبد الله,"}
    )
    documents = {
        "cover-ar": (covers[Language.AR], "rtl"),
        "cover-zh": (covers[Language.ZH], "ltr"),
        "cover-ar-mixed": (mixed_arabic_cover(sample, tmp_path).cover.html, "rtl"),
        "cover-en-arabic-name": (Composer(sample).compose(english).cover.html, "ltr"),
    }
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 760, "height": 400})
        for name, (document, direction) in documents.items():
            page.set_content(document)
            layout = page.evaluate(LAYOUT)
            assert layout["blocks"]
            assert bool(layout["isolates"]) is (name != "cover-zh")  # Chinese has none
            check_layout(layout, direction)
            shot = save_screenshot(page, tmp_path, name)
            assert shot.stat().st_size > 0


def test_arabic_plain_text_reads_right_to_left_where_clients_guess(
    sample: Letter, tmp_path: Path
) -> None:
    """Each line shown as clients show plain text, direction taken from its first strong
    character (dir="auto"): every Arabic line, marked or not, comes out right to left."""
    text = mixed_arabic_cover(sample, tmp_path).cover.text
    lines = "".join(
        f'<div dir="auto">{html.escape(line)}</div>' for line in text.split("\n") if line
    )
    document = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        f'<body style="font: 18px Amiri, serif; white-space: pre-wrap">{lines}</body></html>'
    )
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 760, "height": 300})
        page.set_content(document)
        directions = page.eval_on_selector_all(
            "div", "nodes => nodes.map(n => getComputedStyle(n).direction)"
        )
        save_screenshot(page, tmp_path, "cover-ar-mixed-text")
    assert len(directions) == len([line for line in text.split("\n") if line])
    assert set(directions) == {"rtl"}
